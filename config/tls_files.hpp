#pragma once
// A listener's TLS certificate chain and key, read and checked when the configuration is
// loaded (`ccd check-config`, start, SIGHUP): a missing or unreadable file, a file without a
// PEM certificate or key, or a key that does not belong to the certificate is a configuration
// error with its file:line:col, so a bad renewal never reaches a listener.

#include <filesystem>
#include <optional>
#include <string>

#include "config/daemon_config.hpp"

namespace ccd::config {

class NodeRef;

/// Why loadTlsFiles() failed: the file named, never the key's content.
struct TlsFileError {
    std::string message;
    bool key_at_fault = false;  ///< the key file (or the pair), not the certificate file
};

/// Reads `cert_file` and `key_file` (PEM) into a TlsConfig; on failure, nullopt and `error`.
std::optional<TlsConfig> loadTlsFiles(const std::string& cert_file, const std::string& key_file,
                                      TlsFileError& error);

/// `tls: {cert, key, min_version, hsts_max_age}` under a listener; relative paths are resolved
/// against `base`. Missing or null node: nullopt, no issue.
std::optional<TlsConfig> readTls(const NodeRef& node, const std::filesystem::path& base);

}  // namespace ccd::config
