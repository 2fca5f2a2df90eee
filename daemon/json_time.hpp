#pragma once
// Timestamps in JSON: RFC 3339 UTC with milliseconds ("2026-11-22T13:57:00.123Z").

#include <cstdint>
#include <string>

namespace ccd::daemon {

/// Formats Unix milliseconds as RFC 3339 UTC.
std::string formatRfc3339Millis(std::int64_t unix_ms);

}  // namespace ccd::daemon
