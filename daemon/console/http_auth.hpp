#pragma once
// The check every HTTP endpoint that reveals conversations makes: a bearer token of a role high
// enough, or the ready answer to send instead.
//
//   auto auth = console::requireRole(req, auth_service, console::Role::Admin);
//   if (!auth) return responder.send(std::move(*auth.response));
//   const console::Principal& who = *auth.principal;

#include <chrono>
#include <optional>

#include "channels/web_types.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/http/router.hpp"

namespace ccd::daemon::console {

/// Either the caller (principal set) or the answer to send instead (response set).
struct AuthCheck {
    std::optional<Principal> principal;
    std::optional<channels::WebResponse> response;

    explicit operator bool() const { return principal.has_value(); }
};

/// The caller of `request`, whatever its role: 401 `unauthorized` with
/// `WWW-Authenticate: Bearer` when the Authorization header is missing, malformed, or names an
/// unknown, revoked or expired token; 403 `mfa_enrolment_required` for a session that may only
/// enrol in MFA.
AuthCheck authenticate(const http::RoutedRequest& request, const AuthService& auth,
                       std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// As authenticate(), and sessions that may only enrol in MFA too (Principal::enrolment_only;
/// authenticate() answers them 403 `mfa_enrolment_required`): the MFA endpoints, /v1/auth/me
/// and logout.
AuthCheck authenticateForEnrolment(
    const http::RoutedRequest& request, const AuthService& auth,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// As authenticate(), and 403 `forbidden` when the caller's role is below `needed`
/// (Admin > Supervisor > Agent).
AuthCheck requireRole(const http::RoutedRequest& request, const AuthService& auth, Role needed,
                      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// The 401 answer, with `WWW-Authenticate: Bearer` (and `error="invalid_token"` when a token
/// was sent).
channels::WebResponse unauthorized(bool token_sent);

/// The 403 answer.
channels::WebResponse forbidden(std::string_view reason);

}  // namespace ccd::daemon::console
