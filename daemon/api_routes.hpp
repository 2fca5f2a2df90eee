#pragma once
// The daemon's HTTP routes: health, metrics and conversation reads. Handlers only translate
// between HTTP and the store; decisions live in routing/. The channels' routes are in
// channel_routes.hpp.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "daemon/privacy/pii_json.hpp"

namespace ccd::store {
class Store;
}

namespace ccd::daemon {

class AuditLog;
class Metrics;
namespace http {
class Router;
}
namespace console {
class AuthService;
}

/// A part of the daemon that can be down while the rest serves (an email instance's mailbox):
/// /healthz shows it and says "degraded", still answering 200 (the node still takes requests).
struct ComponentHealth {
    std::string name;
    bool healthy = true;
    std::string error;
};

/// What the routes need. References must outlive the router.
struct RouteServices {
    store::Store& store;
    Metrics& metrics;
    /// Bearer tokens for the routes that reveal conversations; null: nobody may read them.
    const console::AuthService* auth = nullptr;
    /// Whether a conversation is visible to an agent (offered or assigned to them, or waiting in
    /// one of their queues). Calls `answer` exactly once, from any thread. Empty: agents may not
    /// read conversations; supervisors and admins always may.
    std::function<void(std::int64_t conversation_id, const std::string& agent,
                       std::function<void(bool)> answer)>
        agent_can_see{};
    /// The channel instances that poll (email mailboxes), for /healthz; empty: none.
    std::function<std::vector<ComponentHealth>()> channel_health{};
    /// Records conversation reads (docs/security.md, "Audit log"); null: not recorded.
    const AuditLog* audit = nullptr;
    /// Whether a role sees personal data masked (privacy.mask_pii_for); empty: no one does.
    privacy::MaskPii mask_pii{};
    /// Among nodes sharing a PostgreSQL database: "leader" or "follower" (empty: alone).
    std::string node_role{};
};

/// Adds GET /healthz, GET /healthz/leader (200 on the node that routes, 503 on a follower: for
/// a load balancer's pool of console, web chat and phone traffic), GET /metrics, GET /v1/conversations/{id} (a bearer token of a supervisor
/// or admin, or of an agent who can see the conversation).
void addApiRoutes(http::Router& router, RouteServices services);

}  // namespace ccd::daemon
