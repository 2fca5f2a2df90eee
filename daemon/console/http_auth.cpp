#include "daemon/console/http_auth.hpp"

#include <string>

namespace ccd::daemon::console {

channels::WebResponse unauthorized(bool token_sent) {
    auto res = channels::WebResponse::error(
        401, "unauthorized",
        token_sent ? "the bearer token is invalid, expired or revoked; log in again"
                   : "this endpoint needs Authorization: Bearer <token> (POST /v1/auth/login)");
    res.headers.emplace_back("WWW-Authenticate", token_sent
                                                     ? R"(Bearer realm="ccd", error="invalid_token")"
                                                     : R"(Bearer realm="ccd")");
    return res;
}

channels::WebResponse forbidden(std::string_view reason) {
    return channels::WebResponse::error(403, "forbidden", reason);
}

AuthCheck authenticateForEnrolment(const http::RoutedRequest& request, const AuthService& auth,
                                   std::chrono::system_clock::time_point now) {
    AuthCheck out;
    auto header = request.http.header("Authorization");
    if (header.empty()) {
        out.response = unauthorized(false);
        return out;
    }
    auto token = AuthService::bearerToken(header);
    if (token) out.principal = auth.validateForEnrolment(*token, now);
    if (!out.principal) out.response = unauthorized(true);
    return out;
}

AuthCheck authenticate(const http::RoutedRequest& request, const AuthService& auth,
                       std::chrono::system_clock::time_point now) {
    auto out = authenticateForEnrolment(request, auth, now);
    if (out && out.principal->enrolment_only) {
        out.principal.reset();
        out.response = channels::WebResponse::error(
            403, "mfa_enrolment_required",
            "this account must enrol in multi-factor authentication first "
            "(POST /v1/auth/mfa/enrol, then /v1/auth/mfa/confirm)");
    }
    return out;
}

AuthCheck requireRole(const http::RoutedRequest& request, const AuthService& auth, Role needed,
                      std::chrono::system_clock::time_point now) {
    auto out = authenticate(request, auth, now);
    if (out && !atLeast(out.principal->role, needed)) {
        out.response = forbidden("this needs the " + std::string(toString(needed)) + " role; " +
                                 out.principal->name + " is " +
                                 std::string(toString(out.principal->role)));
        out.principal.reset();
    }
    return out;
}

}  // namespace ccd::daemon::console
