#pragma once
// The MFA endpoints of the console's account page (docs/http-api.md, "Multi-factor
// authentication"). Each needs a bearer token; a session that may only enrol (MfaPolicy) is
// accepted by all but disable.
//   GET  /v1/auth/mfa          -> 200 {"enabled","required","recovery_codes_left"}
//   POST /v1/auth/mfa/enrol    -> 200 {"secret","otpauth_uri","qr_svg","expires_at"}
//   POST /v1/auth/mfa/confirm  {"code"} -> 200 {"enabled":true,"recovery_codes":[...]}
//   POST /v1/auth/mfa/disable  {"code"} -> 200 {"enabled":false}
// File access and hashing run on the login workers, never on an I/O thread.

#include <functional>
#include <string>

namespace ccd::daemon {
namespace http {
class Router;
}
namespace console {
class AuthService;
}

/// Runs `job` off the I/O threads for a caller at `address`; false when it cannot be queued now.
using MfaJobPoster = std::function<bool(const std::string& address, std::function<void()> job)>;

/// Adds the routes. `auth` must outlive the router; without an MfaService in `auth` they answer
/// 404 `mfa_not_configured`.
void addMfaRoutes(http::Router& router, console::AuthService& auth, MfaJobPoster post);

}  // namespace ccd::daemon
