#pragma once
// GET /v1/audit: the audit log for admins, newest first, with filters and a cursor
// (docs/http-api.md, "Audit log"). The handler only translates: parsing the query is
// parseAuditQuery, reading is Store::queryAudit.

#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/store.hpp"

namespace ccd::daemon {

class AuditLog;
namespace http {
class Router;
}
namespace console {
class AuthService;
}

/// What a query string asks of the audit log, or why it cannot be read (`error`, `field`).
struct AuditQueryParse {
    std::optional<store::AuditQuery> query;
    std::string error;
    std::string field;
};

/// Reads `actor`, `action` (exact, or a prefix ending in "."), `object` ("kind" or "kind:id"),
/// `since` and `until` (RFC 3339, since < until), `cursor` (from `next_cursor`) and `limit`
/// (1..1000, default 100) from a query string; unknown parameters are refused.
AuditQueryParse parseAuditQuery(std::string_view query_string);

/// Adds GET /v1/audit (admins; the reading is itself recorded). References must outlive the
/// router.
void addAuditRoutes(http::Router& router, store::Store& store, const console::AuthService& auth,
                    const AuditLog& audit);

}  // namespace ccd::daemon
