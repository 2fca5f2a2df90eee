#pragma once
// The interface every inbound channel adapter implements: verify a provider's request and
// normalize it to routing::InboundMessage. Adapters own no sockets; the daemon's HTTP server
// hands them a WebRequest and turns their answer into the HTTP response.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/web_types.hpp"
#include "routing/model.hpp"

namespace ccd::channels {

/// Why a request was refused, as the HTTP answer to give (see WebResponse::error).
struct Rejection {
    int status = 400;
    std::string code;    ///< machine-readable: "invalid_json", "missing_field", ...
    std::string reason;  ///< for humans
    std::string field;   ///< the offending field's path ("from.id"), if any
};

/// What an adapter made of one request: zero or more messages (a webhook may carry none, or a
/// batch), or a rejection.
struct ParseOutcome {
    std::vector<routing::InboundMessage> messages;
    std::optional<Rejection> rejection;

    static ParseOutcome reject(int status, std::string code, std::string reason,
                               std::string field = {}) {
        ParseOutcome o;
        o.rejection = Rejection{status, std::move(code), std::move(reason), std::move(field)};
        return o;
    }
};

/// An inbound channel adapter.
/// Thread safety: parse() is called concurrently from the daemon's I/O threads; implementations
/// must be immutable after construction.
class InboundChannel {
public:
    virtual ~InboundChannel() = default;

    /// The adapter's registry name: "api", "telegram", ...
    virtual std::string_view name() const = 0;

    /// Verifies and parses one request received at `now`.
    virtual ParseOutcome parse(const WebRequest& request, routing::TimePoint now) const = 0;
};

}  // namespace ccd::channels
