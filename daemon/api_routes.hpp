#pragma once
// The daemon's HTTP routes: health, metrics, the generic API channel and conversation reads.
// Handlers only translate between HTTP and the store; decisions live in routing/.

namespace ccd::channels {
class InboundChannel;
}
namespace ccd::store {
class Store;
}

namespace ccd::daemon {

class Metrics;
namespace http {
class Router;
}

/// What the routes need. References must outlive the router.
struct RouteServices {
    store::Store& store;
    Metrics& metrics;
    const channels::InboundChannel& api_channel;
    bool api_enabled = true;  ///< channels.api.enabled: without it POST /v1/messages is 404
};

/// Adds GET /healthz, GET /metrics, POST /v1/messages (when enabled),
/// GET /v1/conversations/{id}.
void addApiRoutes(http::Router& router, RouteServices services);

}  // namespace ccd::daemon
