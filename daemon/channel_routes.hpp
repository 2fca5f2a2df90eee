#pragma once
// The channels' HTTP routes: every configured instance at /webhooks/<type>/<instance> (GET for
// providers' verification handshakes, POST for their messages), POST /v1/messages for the
// default API instance, and GET /v1/conversations/{id}/messages for API clients to read the
// replies of the conversations they opened. Handlers hand every request to the intake path.

#include <functional>

#include "channels/registry.hpp"
#include "daemon/privacy/pii_json.hpp"

namespace ccd::store {
class Store;
}

namespace ccd::daemon {

class ApiKeys;
class AuditLog;
class Intake;
namespace http {
class Router;
}
namespace console {
class AuthService;
}

/// What the routes need. References must outlive the router.
struct ChannelRouteServices {
    Intake& intake;
    /// The instances in force (swapped by a reload).
    std::function<channels::ChannelSetPtr()> channels;
    store::Store& store;
    ApiKeys* keys = nullptr;                   ///< API clients' keys; null: none accepted
    const console::AuthService* auth = nullptr;  ///< supervisors may read any conversation
    const AuditLog* audit = nullptr;  ///< records conversation reads; null: not recorded
    /// Whether a role ("api" for API clients) sees personal data masked; empty: no one does.
    privacy::MaskPii mask_pii{};
};

/// Adds the routes above.
void addChannelRoutes(http::Router& router, ChannelRouteServices services);

}  // namespace ccd::daemon
