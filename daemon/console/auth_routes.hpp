#pragma once
// The authentication endpoints:
//   POST /v1/auth/login   {"name","password"} -> 200 {"token","expires_at","name","role"}, or
//                         401 "mfa_required" with a challenge when the account has MFA on;
//                         {"name","challenge","code"} completes it (docs/http-api.md)
//   POST /v1/auth/logout  (Bearer) -> 204, the token is revoked (in the store too, when
//                         sessions are kept there: AuthService::useSessionStore)
//   GET  /v1/auth/me      (Bearer) -> 200 the caller's account
//   /v1/auth/mfa...       enrolment, state and disabling of MFA (mfa_routes.hpp)
// Password checks (argon2id, ~0.1 s and 64 MiB each) run one at a time on a thread of their own,
// never on an I/O thread; a long queue of them is answered 503.

namespace ccd::daemon {

class AuditLog;
namespace http {
class Router;
}
namespace console {
class AuthService;
}

/// Adds the routes. `auth` must outlive the router (the login thread stops when the router is
/// destroyed).
/// With `audit`, logins (successful or not: "auth.login"), and logouts ("auth.logout") are
/// recorded; a name that is no account is recorded as a hash ("#1a2b3c4d"), never as typed.
void addAuthRoutes(http::Router& router, console::AuthService& auth,
                   const AuditLog* audit = nullptr);

}  // namespace ccd::daemon
