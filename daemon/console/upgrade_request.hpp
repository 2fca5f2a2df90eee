#pragma once
// What the console listener reads from a websocket upgrade request, and the Origins it allows
// by default. Pure: no websocketpp here (console_server.cpp is its only user).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/daemon_config.hpp"

namespace ccd::daemon::console {

/// `?last_seq=N` in the upgrade request's resource.
std::optional<std::uint64_t> lastSeqOf(const std::string& resource);

/// The token of "Authorization: Bearer <token>" (scheme case-insensitive), or empty.
std::string bearerToken(std::string_view header);

/// The default Origin allow-list for an HTTP listener: its own origin (https:// when it has a
/// certificate), with "localhost" for a loopback address.
std::vector<std::string> defaultOrigins(const config::ListenAddress& http, std::uint16_t port,
                                        bool https = false);

}  // namespace ccd::daemon::console
