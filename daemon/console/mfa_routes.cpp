#include "daemon/console/mfa_routes.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/console/login_body.hpp"
#include "daemon/console/mfa.hpp"
#include "daemon/http/router.hpp"
#include "daemon/json_time.hpp"

namespace ccd::daemon {
namespace {

using channels::WebResponse;
using console::MfaOutcome;
using nlohmann::json;
using Clock = std::chrono::system_clock;

WebResponse privateJson(int status, const json& body) {
    auto res = WebResponse::json(status, channels::dumpJson(body));
    res.headers.emplace_back("Cache-Control", "no-store");
    return res;
}

WebResponse outcomeError(MfaOutcome outcome) {
    switch (outcome) {
        case MfaOutcome::WrongCode:
            return WebResponse::error(422, "invalid_code", "wrong code", "code");
        case MfaOutcome::Replayed:
            return WebResponse::error(422, "code_used",
                                      "this code was used already; wait for the next one", "code");
        case MfaOutcome::NotEnabled:
            return WebResponse::error(409, "mfa_not_enabled", "this account has no MFA");
        case MfaOutcome::AlreadyEnabled:
            return WebResponse::error(409, "mfa_already_enabled",
                                      "this account has MFA already; disable it first");
        case MfaOutcome::NoEnrolment:
            return WebResponse::error(409, "no_enrolment",
                                      "no enrolment in progress, or it expired; begin again "
                                      "(POST /v1/auth/mfa/enrol)");
        default:
            return WebResponse::error(503, "mfa_unavailable",
                                      "the MFA state cannot be read or written now");
    }
}

WebResponse busy() {
    auto res = WebResponse::error(503, "busy", "too many logins in progress; retry shortly");
    res.headers.emplace_back("Retry-After", "1");
    return res;
}

// The caller's MfaService, or the answer to send instead.
std::shared_ptr<console::MfaService> mfaOf(console::AuthService& auth, http::Responder& r) {
    auto mfa = auth.mfa();
    if (!mfa)
        r.send(WebResponse::error(404, "mfa_not_configured",
                                  "multi-factor authentication is not set up on this server"));
    return mfa;
}

// What confirm and disable need: the caller (any session, or a full one unless
// `enrolment_ok`), the {"code"} body and the MfaService; nullopt once the answer is sent.
struct CodeRequest {
    console::Principal who;
    std::string code;
    std::shared_ptr<console::MfaService> mfa;
};

std::optional<CodeRequest> codeRequest(const http::RoutedRequest& req,
                                       console::AuthService& auth, http::Responder& r,
                                       bool enrolment_ok) {
    auto who = enrolment_ok ? console::authenticateForEnrolment(req, auth)
                            : console::authenticate(req, auth);
    if (!who) {
        r.send(std::move(*who.response));
        return std::nullopt;
    }
    std::optional<WebResponse> error;
    auto code = console::parseCodeBody(req.http, error);
    if (!code) {
        r.send(std::move(*error));
        return std::nullopt;
    }
    auto mfa = mfaOf(auth, r);
    if (!mfa) return std::nullopt;
    return CodeRequest{*who.principal, std::move(*code), std::move(mfa)};
}

}  // namespace

void addMfaRoutes(http::Router& router, console::AuthService& auth, MfaJobPoster post) {
    router.add("GET", "/v1/auth/mfa", [&auth, post](http::RoutedRequest&& req, http::Responder r) {
        auto who = console::authenticateForEnrolment(req, auth);
        if (!who) return r.send(std::move(*who.response));
        auto mfa = mfaOf(auth, r);
        if (!mfa) return;
        auto principal = *who.principal;
        auto job = [&auth, mfa, principal, r] {
            auto state = mfa->state(principal.name);
            if (!state) return r.send(outcomeError(MfaOutcome::Unavailable));
            json body{{"enabled", state->enabled},
                      {"required", auth.mfaPolicy().requires(principal.role)},
                      {"recovery_codes_left", state->recovery_codes_left}};
            r.send(privateJson(200, body));
        };
        if (!post(req.http.remote_address, std::move(job))) r.send(busy());
    });

    router.add("POST", "/v1/auth/mfa/enrol",
               [&auth, post](http::RoutedRequest&& req, http::Responder r) {
                   auto who = console::authenticateForEnrolment(req, auth);
                   if (!who) return r.send(std::move(*who.response));
                   auto mfa = mfaOf(auth, r);
                   if (!mfa) return;
                   auto job = [mfa, name = who.principal->name, r] {
                       auto now = Clock::now();
                       console::MfaEnrolment e;
                       auto outcome = mfa->begin(name, now, e);
                       if (outcome != MfaOutcome::Ok) return r.send(outcomeError(outcome));
                       auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     e.expires_at.time_since_epoch())
                                     .count();
                       r.send(privateJson(200, json{{"secret", e.secret},
                                                    {"otpauth_uri", e.otpauth_uri},
                                                    {"qr_svg", e.qr_svg},
                                                    {"expires_at", formatRfc3339Millis(ms)}}));
                   };
                   if (!post(req.http.remote_address, std::move(job))) r.send(busy());
               });

    router.add("POST", "/v1/auth/mfa/confirm",
               [&auth, post](http::RoutedRequest&& req, http::Responder r) {
                   auto c = codeRequest(req, auth, r, true);
                   if (!c) return;
                   auto token = *console::AuthService::bearerToken(
                       req.http.header("Authorization"));
                   auto job = [&auth, mfa = c->mfa, name = c->who.name, token, code = c->code,
                               r] {
                       auto now = Clock::now();
                       std::vector<std::string> recovery;
                       auto outcome = mfa->confirm(name, code, now, recovery);
                       if (outcome != MfaOutcome::Ok) return r.send(outcomeError(outcome));
                       // The second factor is proved: a session that could only enrol may
                       // now do what its role may.
                       auth.endEnrolmentOnly(token, now);
                       r.send(privateJson(200, json{{"enabled", true},
                                                    {"recovery_codes", recovery}}));
                   };
                   if (!post(req.http.remote_address, std::move(job))) r.send(busy());
               });

    router.add("POST", "/v1/auth/mfa/disable",
               [&auth, post](http::RoutedRequest&& req, http::Responder r) {
                   auto c = codeRequest(req, auth, r, false);
                   if (!c) return;
                   const auto& address = req.http.remote_address;
                   const auto& name = c->who.name;
                   // Wrong codes here count as failed logins: a stolen token cannot guess its
                   // way to turning MFA off.
                   if (auto refused = auth.throttled(name, address, Clock::now())) {
                       auto secs = std::max<long long>(1, refused->retry_after.count());
                       auto res = WebResponse::error(429, "too_many_attempts",
                                                     "too many wrong codes; try again in " +
                                                         std::to_string(secs) + " s");
                       res.headers.emplace_back("Retry-After", std::to_string(secs));
                       return r.send(std::move(res));
                   }
                   auto job = [&auth, mfa = c->mfa, name, address, code = c->code, r] {
                       auto now = Clock::now();
                       auto outcome = mfa->disable(name, code, now);
                       if (outcome == MfaOutcome::WrongCode || outcome == MfaOutcome::Replayed)
                           auth.recordFailedCode(name, address, now);
                       if (outcome != MfaOutcome::Ok) return r.send(outcomeError(outcome));
                       r.send(privateJson(200, json{{"enabled", false}}));
                   };
                   if (!post(address, std::move(job))) r.send(busy());
               });
}

}  // namespace ccd::daemon
