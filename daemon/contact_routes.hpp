#pragma once
// Customer records over HTTP: PUT /v1/contacts/{key} creates or updates a contact, GET reads it
// back with its addresses and products (each with `in_warranty` for today, UTC). The handlers
// only translate: validation is channels/api/contact_json, storage is Store::putContact.

#include <functional>
#include <optional>

#include "channels/api/contact_fields.hpp"
#include "channels/web_types.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

namespace http {
class Router;
struct RoutedRequest;
}  // namespace http

/// Decides whether a request may use the contact routes: nullopt allows it, a response refuses
/// it (401/403). Called on an I/O thread, concurrently; must not block.
using ContactAuthorizer =
    std::function<std::optional<channels::WebResponse>(const http::RoutedRequest&)>;

/// Adds PUT and GET /v1/contacts/{key}. Without `authorize`, only loopback clients are allowed
/// (403 otherwise), as for conversations until agent tokens land. `store` must outlive the router.
/// Whether a request's caller sees personal data masked (privacy.mask_pii_for).
using ContactMasking = std::function<bool(const http::RoutedRequest&)>;

void addContactRoutes(http::Router& router, store::Store& store, ContactAuthorizer authorize = {},
                      ContactMasking masked = {});

/// The store's form of a validated contact (HTTP body or CSV row).
store::ContactUpdate toContactUpdate(channels::api::ContactInput input);

}  // namespace ccd::daemon
