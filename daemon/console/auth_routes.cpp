#include "daemon/console/auth_routes.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/console/login_body.hpp"
#include "daemon/console/login_queue.hpp"
#include "daemon/console/mfa_routes.hpp"
#include "daemon/http/router.hpp"
#include "daemon/json_time.hpp"
#include "daemon/thread_name.hpp"

namespace ccd::daemon {
namespace {

using channels::WebResponse;
using nlohmann::json;

constexpr std::size_t kLoginThreads = 2;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Runs logins on two threads of their own: argon2id is slow and memory-hungry on purpose
// (about 0.1 s and 64 MiB each). Two workers and a queue that puts known addresses first keep
// a real user's login quick while bogus ones pile up (LoginQueue).
class LoginWorkers {
public:
    explicit LoginWorkers(std::size_t threads) {
        for (std::size_t i = 0; i < threads; ++i) {
            threads_.push_back(namedThread("ccd-login", [this] { loop(); }));
        }
    }
    ~LoginWorkers() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_) t.join();
    }

    /// Thread-safe.
    console::LoginQueue::Admission post(const std::string& address, bool known,
                                        std::function<void()> job) {
        console::LoginQueue::Admission admission;
        {
            std::lock_guard lock(mutex_);
            admission = queue_.push(address, known, std::move(job));
        }
        if (admission == console::LoginQueue::Admission::Queued) cv_.notify_one();
        return admission;
    }

private:
    void loop() {
        for (;;) {
            std::optional<console::LoginQueue::Job> job;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [this] { return stopping_ || queue_.waiting() > 0; });
                if (stopping_) return;  // pending jobs drop their Responders: 500
                job = queue_.pop();
            }
            if (!job) continue;
            job->run();
            std::lock_guard lock(mutex_);
            queue_.finished(job->address);
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    console::LoginQueue queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

std::string rfc3339(std::chrono::system_clock::time_point t) {
    return formatRfc3339Millis(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

WebResponse noStore(WebResponse res) {
    res.headers.emplace_back("Cache-Control", "no-store");
    return res;
}

WebResponse loginAnswer(const console::LoginResult& result) {
    if (result.token && result.principal) {
        json body{{"token", *result.token},
                  {"expires_at", rfc3339(result.expires_at)},
                  {"name", result.principal->name},
                  {"role", std::string(console::toString(result.principal->role))}};
        if (result.principal->enrolment_only) body["mfa_enrolment_required"] = true;
        if (result.recovery_codes_left) body["recovery_codes_left"] = *result.recovery_codes_left;
        return noStore(WebResponse::json(200, dump(body)));
    }
    if (result.error == "throttled") {
        auto secs = std::max<long long>(1, result.retry_after.count());
        auto res = WebResponse::error(429, "too_many_attempts",
                                      "too many failed logins; try again in " +
                                          std::to_string(secs) + " s");
        res.headers.emplace_back("Retry-After", std::to_string(secs));
        return res;
    }
    if (result.error == "mfa_required" && result.challenge) {
        json body{{"error", "mfa_required"},
                  {"reason", "the password is right; send a code from the authenticator app (or "
                             "a recovery code) with this challenge"},
                  {"challenge", *result.challenge},
                  {"challenge_expires_at", rfc3339(result.challenge_expires_at)}};
        return noStore(WebResponse::json(401, dump(body)));
    }
    if (result.error == "invalid_code")
        return WebResponse::error(401, "invalid_code", "wrong code", "code");
    if (result.error == "code_used")
        return WebResponse::error(401, "code_used",
                                  "this code was used already; wait for the next one", "code");
    if (result.error == "invalid_challenge")
        return WebResponse::error(401, "invalid_challenge",
                                  "the login challenge is unknown, expired or used up; log in "
                                  "with the password again",
                                  "challenge");
    if (result.error == "session_unavailable") {
        auto res = WebResponse::error(503, "session_unavailable",
                                      "the sign-in session cannot be stored now; try again later");
        res.headers.emplace_back("Retry-After", "5");
        return res;
    }
    if (result.error == "mfa_unavailable")
        return WebResponse::error(503, "mfa_unavailable",
                                  "the second factor cannot be checked now; try again later");
    // An unknown name, a wrong password and an account without one look the same.
    return WebResponse::error(401, "invalid_credentials", "wrong name or password");
}

WebResponse retryShortly(int status, const char* code, const char* reason) {
    auto res = WebResponse::error(status, code, reason);
    res.headers.emplace_back("Retry-After", "1");
    return res;
}

// A login attempt for the audit log: an account's name as it is, anything else (a typo, a
// password typed into the name field) as a hash prefix.
void recordLogin(const AuditLog* audit, const console::AuthService& auth, const std::string& name,
                 const std::string& address, const console::LoginResult& result) {
    if (!audit) return;
    bool account = auth.accounts()->find(name) != nullptr;
    std::string who = account ? name : "#" + console::AuthService::tokenId(name);
    const char* outcome = result.token ? "ok"
                          : result.error == "throttled" ? "throttled"
                                                        : "denied";
    json detail = json::object();
    if (!result.token) detail["reason"] = result.error;
    audit->record(accountActor(who, address), "auth.login", "account", account ? name : "",
                  outcome, detail);
}

}  // namespace

void addAuthRoutes(http::Router& router, console::AuthService& auth, const AuditLog* audit) {
    auto workers = std::make_shared<LoginWorkers>(kLoginThreads);

    router.add("POST", "/v1/auth/login",
               [&auth, workers, audit](http::RoutedRequest&& req, http::Responder r) {
                   std::optional<WebResponse> error;
                   auto creds = console::parseLoginBody(req.http, error);
                   if (!creds) return r.send(std::move(*error));
                   const auto& address = req.http.remote_address;
                   auto now = std::chrono::system_clock::now();
                   // A throttled login is answered at once: it never waits for a worker.
                   if (auto refused = auth.throttled(creds->name, address, now)) {
                       recordLogin(audit, auth, creds->name, address, *refused);
                       return r.send(loginAnswer(*refused));
                   }
                   bool known = auth.isKnownAddress(address, now);
                   auto job = [&auth, r, creds = std::move(*creds), address, audit]() mutable {
                       auto now = std::chrono::system_clock::now();
                       auto result =
                           creds.challenge.empty()
                               ? auth.login(creds.name, creds.password, address, now, creds.code)
                               : auth.completeLogin(creds.name, creds.challenge, creds.code,
                                                    address, now);
                       std::fill(creds.password.begin(), creds.password.end(), '\0');
                       std::fill(creds.code.begin(), creds.code.end(), '\0');
                       recordLogin(audit, auth, creds.name, address, result);
                       r.send(loginAnswer(result));
                   };
                   switch (workers->post(address, known, std::move(job))) {
                       case console::LoginQueue::Admission::Queued:
                           return;
                       case console::LoginQueue::Admission::TooManyFromAddress:
                           return r.send(retryShortly(
                               429, "too_many_attempts",
                               "too many logins in progress from this address; retry shortly"));
                       case console::LoginQueue::Admission::Busy:
                           return r.send(retryShortly(
                               503, "busy", "too many logins in progress; retry shortly"));
                   }
               });

    router.add("POST", "/v1/auth/logout", [&auth, audit](http::RoutedRequest&& req,
                                                        http::Responder r) {
        auto who = console::authenticateForEnrolment(req, auth);
        if (!who) return r.send(std::move(*who.response));
        if (audit)
            audit->record(accountActor(*who.principal, req), "auth.logout", "account",
                          who.principal->name, "ok",
                          json{{"token_id", who.principal->token_id}});
        // Answered once the store has forgotten the session too: a restart right after the
        // answer does not bring the token back. (A store that fails is logged; the token is
        // revoked here all the same.)
        auth.logout(*console::AuthService::bearerToken(req.http.header("Authorization")),
                    [r](bool) mutable {
                        WebResponse res;
                        res.status = 204;
                        r.send(std::move(res));
                    });
    });

    router.add("GET", "/v1/auth/me", [&auth](http::RoutedRequest&& req, http::Responder r) {
        auto who = console::authenticateForEnrolment(req, auth);
        if (!who) return r.send(std::move(*who.response));
        json body{{"name", who.principal->name},
                  {"role", std::string(console::toString(who.principal->role))},
                  {"token_id", who.principal->token_id}};
        if (who.principal->enrolment_only) body["mfa_enrolment_required"] = true;
        auto accounts = auth.accounts();
        if (const auto* a = accounts->find(who.principal->name)) {
            body["display_name"] = a->display_name;
            body["skills"] = a->skills;
            body["languages"] = a->languages;
            body["teams"] = a->teams;
        }
        r.send(WebResponse::json(200, dump(body)));
    });

    addMfaRoutes(router, auth,
                 [workers](const std::string& address, std::function<void()> job) {
                     // Callers are logged in: their jobs take the known addresses' lane.
                     return workers->post(address, true, std::move(job)) ==
                            console::LoginQueue::Admission::Queued;
                 });
}

}  // namespace ccd::daemon
