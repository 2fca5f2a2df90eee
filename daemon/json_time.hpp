#pragma once
// Timestamps in JSON: RFC 3339 UTC with milliseconds ("2026-11-22T13:57:00.123Z").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "routing/model.hpp"

namespace ccd::daemon {

/// Now, in Unix milliseconds (as the store keeps times).
inline std::int64_t nowUnixMillis() { return routing::unixMillis(routing::Clock::now()); }

/// Formats Unix milliseconds as RFC 3339 UTC.
std::string formatRfc3339Millis(std::int64_t unix_ms);

/// Parses an RFC 3339 timestamp with a Z or ±hh:mm offset; nullopt when malformed.
std::optional<routing::TimePoint> parseRfc3339(std::string_view text);

}  // namespace ccd::daemon
