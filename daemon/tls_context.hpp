#pragma once
// The TLS server context of one listener (HTTP or console), built from the certificate and key
// that the configuration read and checked (config/tls_files.hpp), and swapped by a reload: each
// new connection takes the current context; a connection keeps the one it started with, so a
// renewed certificate reaches new connections without dropping the open ones.
//
// Policy: TLS 1.2 at least (1.3 preferred; `min_version: "1.3"` for 1.3 only), ECDHE with
// AES-GCM or ChaCha20-Poly1305 for 1.2, the server's cipher order, no compression, no
// renegotiation.

#include <memory>
#include <mutex>
#include <string>

#include "config/daemon_config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace ccd::daemon {

/// Thread safety: current() and update() may be called from any thread.
class TlsContextSource {
public:
    /// Builds the first context; throws std::runtime_error when OpenSSL refuses the material.
    TlsContextSource(std::string listener, const config::TlsConfig& tls);
    ~TlsContextSource();

    /// The context for a connection accepted now (never null).
    std::shared_ptr<boost::asio::ssl::context> current() const;

    /// Takes renewed material for new connections. When it cannot be used, the previous
    /// context stays and the reason is logged; returns whether it was taken. The same material
    /// again is a no-op (true).
    bool update(const config::TlsConfig& tls);

    /// The `Strict-Transport-Security` value for answers ("" for none).
    std::string hsts() const;

    /// Builds a server context with the policy above; throws std::runtime_error.
    static std::shared_ptr<boost::asio::ssl::context> build(const config::TlsConfig& tls);

private:
    std::string listener_;
    mutable std::mutex mutex_;
    config::TlsConfig tls_;
    std::shared_ptr<boost::asio::ssl::context> context_;
};

}  // namespace ccd::daemon
