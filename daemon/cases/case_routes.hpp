#pragma once
// Service cases over HTTP (docs/cases.md): POST /v1/cases, GET /v1/cases, GET and PATCH
// /v1/cases/{id}, GET /v1/follow-ups. Any signed-in account (agents and up); every change is
// recorded in the case's history with the caller. The handlers only translate.

#include "daemon/cases/case_service.hpp"
#include "daemon/contact_routes.hpp"

namespace ccd::daemon {
namespace http {
class Router;
}

namespace cases {

/// `authorize` decides the caller (ContactCaller: actor and role, or the refusal); without it,
/// only loopback clients are allowed, as "local". `service` must outlive the router.
void addCaseRoutes(http::Router& router, CaseService& service, ContactAuthorizer authorize);

}  // namespace cases
}  // namespace ccd::daemon
