#pragma once
// How a provider's HTTP answer reads when the provider says nothing more specific: what every
// outbound adapter falls back on.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "channels/channel.hpp"

namespace ccd::channels {

/// A Retry-After value: delta-seconds, or an HTTP date compared with `now`; nullopt when
/// absent or unreadable. Capped at one hour.
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         routing::TimePoint now);

/// The generic reading: no answer (connection refused, reset, timed out), 408, 425, 429 and 5xx
/// are tried again (429 pauses the instance, honouring Retry-After); other 2xx are sent;
/// everything else failed for good with the status and the start of the body as the reason.
SendOutcome classifyHttp(const HttpAnswer& answer, routing::TimePoint now);

/// "HTTP 403: <the first 200 bytes of the body, one line>".
std::string describeAnswer(const HttpAnswer& answer);

}  // namespace ccd::channels
