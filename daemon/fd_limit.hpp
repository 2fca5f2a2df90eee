#pragma once
// The open-file limit against the connections ccd is configured to hold. Every connection is a
// descriptor; past RLIMIT_NOFILE accept() fails. At start ccd raises the soft limit (up to the
// hard one) when the configuration needs more, and says in the log what it did or that the
// limit is too low.

#include <cstdint>
#include <string>

namespace ccd::daemon {

/// Descriptors kept for what is not a connection: the store, logs, the event loop, timers,
/// outbound HTTP.
inline constexpr std::uint64_t kDescriptorReserve = 64;

/// What to do about the limit.
struct DescriptorPlan {
    std::uint64_t wanted = 0;    ///< connections plus the reserve
    std::uint64_t raise_to = 0;  ///< the new soft limit; 0: leave it
    bool enough = true;          ///< whether the limit (after raising) covers `wanted`
};

/// Pure: the plan for soft and hard limits `soft`, `hard` and `connections` connections in all.
DescriptorPlan planDescriptorLimit(std::uint64_t soft, std::uint64_t hard,
                                   std::uint64_t connections);

/// Reads RLIMIT_NOFILE, raises the soft limit when needed and possible, and logs the outcome
/// (info when it raised it, a warning when the limit stays below what the configuration
/// needs). Returns the log line's text. Start-up path; called once from the control thread.
std::string ensureDescriptorLimit(std::uint64_t connections);

}  // namespace ccd::daemon
