#pragma once
// Customer records over HTTP: PUT /v1/contacts/{key} creates or updates a contact, GET reads it
// back with its addresses and products (each with `in_warranty` for today, UTC), DELETE erases
// the person's data everywhere and GET .../export returns all of it (docs/security.md,
// "Privacy"). The handlers only translate: validation is channels/api/contact_json, storage is
// the Store.

#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

#include "channels/api/contact_fields.hpp"
#include "channels/web_types.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

namespace http {
class Router;
struct RoutedRequest;
}  // namespace http

/// The caller of a contact route, or the answer to send instead (`refused`: 401/403).
struct ContactCaller {
    AuditActor actor;
    console::Role role = console::Role::Agent;
    std::optional<channels::WebResponse> refused;
};

/// Decides who calls a contact route. Called on an I/O thread, concurrently; must not block.
using ContactAuthorizer = std::function<ContactCaller(const http::RoutedRequest&)>;

/// Adds PUT and GET /v1/contacts/{key} and GET /v1/contacts/{key}/history, the customer
/// archive (supervisors and admins), DELETE /v1/contacts/{key}
/// (erasure) and GET /v1/contacts/{key}/export (admins). Without `authorize`, only loopback
/// clients are allowed (403 otherwise), as admins; `masked` callers see personal data masked. Every use, refused ones included, is recorded
/// in `audit` when given. `store` and `audit` must outlive the router.
/// Whether a request's caller sees personal data masked (privacy.mask_pii_for).
using ContactMasking = std::function<bool(const http::RoutedRequest&)>;

void addContactRoutes(http::Router& router, store::Store& store, ContactAuthorizer authorize = {},
                      const AuditLog* audit = nullptr, ContactMasking masked = {});

/// The JSON export of everything held about a contact (GET /v1/contacts/{key}/export).
nlohmann::json contactExportJson(const store::ContactExport& data);

/// The store's form of a validated contact (HTTP body or CSV row).
store::ContactUpdate toContactUpdate(channels::api::ContactInput input);

}  // namespace ccd::daemon
