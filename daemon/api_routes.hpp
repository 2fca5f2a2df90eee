#pragma once
// The daemon's HTTP routes: health, metrics, the generic API channel and conversation reads.
// Handlers only translate between HTTP and the store; decisions live in routing/.

#include <cstdint>
#include <functional>
#include <string>

namespace ccd::channels {
class InboundChannel;
}
namespace ccd::store {
class Store;
struct IngestResult;
}
namespace ccd::routing {
struct InboundMessage;
}

namespace ccd::daemon {

class Metrics;
namespace http {
class Router;
}
namespace console {
class AuthService;
}

/// What the routes need. References must outlive the router.
struct RouteServices {
    store::Store& store;
    Metrics& metrics;
    const channels::InboundChannel& api_channel;
    bool api_enabled = true;  ///< channels.api.enabled: without it POST /v1/messages is 404
    /// Hands a stored, new message to the routing engine; `done` runs once the engine's
    /// decisions (routing, automatic reply) are stored, so the answer reflects them. Empty: the
    /// message is only stored.
    std::function<void(const store::IngestResult& stored, const routing::InboundMessage& message,
                       std::function<void()> done)>
        route_message;
    /// Bearer tokens for the routes that reveal conversations; null: nobody may read them.
    const console::AuthService* auth = nullptr;
    /// Whether a conversation is visible to an agent (offered or assigned to them, or waiting in
    /// one of their queues). Calls `answer` exactly once, from any thread. Empty: agents may not
    /// read conversations; supervisors and admins always may.
    std::function<void(std::int64_t conversation_id, const std::string& agent,
                       std::function<void(bool)> answer)>
        agent_can_see{};
};

/// Adds GET /healthz, GET /metrics, POST /v1/messages (when enabled),
/// GET /v1/conversations/{id} (a bearer token of a supervisor or admin, or of an agent who can
/// see the conversation).
void addApiRoutes(http::Router& router, RouteServices services);

}  // namespace ccd::daemon
