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
#include "daemon/console/auth.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/console/login_queue.hpp"
#include "daemon/http/router.hpp"
#include "daemon/json_time.hpp"

namespace ccd::daemon {
namespace {

using channels::WebResponse;
using nlohmann::json;

constexpr std::size_t kLoginThreads = 2;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxPasswordBytes = 1024;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool isJsonContentType(std::string_view ct) {
    std::string_view mime = ct.substr(0, ct.find(';'));
    while (!mime.empty() && mime.back() == ' ') mime.remove_suffix(1);
    while (!mime.empty() && mime.front() == ' ') mime.remove_prefix(1);
    return channels::equalsIgnoreCase(mime, "application/json");
}

// Runs logins on two threads of their own: argon2id is slow and memory-hungry on purpose
// (about 0.1 s and 64 MiB each). Two workers and a queue that puts known addresses first keep
// a real user's login quick while bogus ones pile up (LoginQueue).
class LoginWorkers {
public:
    explicit LoginWorkers(std::size_t threads) {
        for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
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

struct Credentials {
    std::string name;
    std::string password;
};

// Reads {"name","password"}; nullopt with `error` set when the body is not that.
std::optional<Credentials> parseLogin(const channels::WebRequest& req,
                                      std::optional<WebResponse>& error) {
    if (!isJsonContentType(req.header("Content-Type"))) {
        error = WebResponse::error(415, "unsupported_media_type",
                                   "Content-Type must be application/json");
        return std::nullopt;
    }
    // Strict: nothing after the value, no NUL byte (`{...}\0garbage` was read as the body).
    auto parsed = channels::parseJsonBody(req.body);
    if (parsed.error) {
        error = WebResponse::error(400, "invalid_json", parsed.error->reason);
        return std::nullopt;
    }
    json& body = parsed.value;
    if (!body.is_object()) {
        error = WebResponse::error(422, "invalid_body", "the body must be a JSON object");
        return std::nullopt;
    }
    for (const auto& item : body.items()) {
        if (item.key() != "name" && item.key() != "password") {
            error = WebResponse::error(422, "unknown_field", "unknown field " + item.key(),
                                       item.key());
            return std::nullopt;
        }
    }
    Credentials out;
    struct Field {
        const char* key;
        std::size_t max;
        std::string* into;
    };
    for (const Field& f : {Field{"name", kMaxNameBytes, &out.name},
                           Field{"password", kMaxPasswordBytes, &out.password}}) {
        auto it = body.find(f.key);
        std::string key = f.key;
        if (it == body.end() || it->is_null()) {
            error = WebResponse::error(422, "missing_field", "missing field " + key, key);
            return std::nullopt;
        }
        if (!it->is_string()) {
            error = WebResponse::error(422, "invalid_field", key + " must be a string", key);
            return std::nullopt;
        }
        *f.into = it->get<std::string>();
        if (f.into->size() > f.max) {
            error = WebResponse::error(
                422, "invalid_field",
                key + " is longer than " + std::to_string(f.max) + " bytes", key);
            return std::nullopt;
        }
    }
    if (out.name.empty()) {
        error = WebResponse::error(422, "invalid_field", "name must not be empty", "name");
        return std::nullopt;
    }
    return out;
}

WebResponse loginAnswer(const console::LoginResult& result) {
    if (result.token && result.principal) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      result.expires_at.time_since_epoch())
                      .count();
        json body{{"token", *result.token},
                  {"expires_at", formatRfc3339Millis(ms)},
                  {"name", result.principal->name},
                  {"role", std::string(console::toString(result.principal->role))}};
        auto res = WebResponse::json(200, dump(body));
        res.headers.emplace_back("Cache-Control", "no-store");
        return res;
    }
    if (result.error == "throttled") {
        auto secs = std::max<long long>(1, result.retry_after.count());
        auto res = WebResponse::error(429, "too_many_attempts",
                                      "too many failed logins; try again in " +
                                          std::to_string(secs) + " s");
        res.headers.emplace_back("Retry-After", std::to_string(secs));
        return res;
    }
    // An unknown name, a wrong password and an account without one look the same.
    return WebResponse::error(401, "invalid_credentials", "wrong name or password");
}

WebResponse retryShortly(int status, const char* code, const char* reason) {
    auto res = WebResponse::error(status, code, reason);
    res.headers.emplace_back("Retry-After", "1");
    return res;
}

}  // namespace

void addAuthRoutes(http::Router& router, console::AuthService& auth) {
    auto workers = std::make_shared<LoginWorkers>(kLoginThreads);

    router.add("POST", "/v1/auth/login",
               [&auth, workers](http::RoutedRequest&& req, http::Responder r) {
                   std::optional<WebResponse> error;
                   auto creds = parseLogin(req.http, error);
                   if (!creds) return r.send(std::move(*error));
                   const auto& address = req.http.remote_address;
                   auto now = std::chrono::system_clock::now();
                   // A throttled login is answered at once: it never waits for a worker.
                   if (auto refused = auth.throttled(creds->name, address, now))
                       return r.send(loginAnswer(*refused));
                   bool known = auth.isKnownAddress(address, now);
                   auto job = [&auth, r, creds = std::move(*creds), address]() mutable {
                       auto result = auth.login(creds.name, creds.password, address,
                                                std::chrono::system_clock::now());
                       std::fill(creds.password.begin(), creds.password.end(), '\0');
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

    router.add("POST", "/v1/auth/logout", [&auth](http::RoutedRequest&& req, http::Responder r) {
        auto who = console::authenticate(req, auth);
        if (!who) return r.send(std::move(*who.response));
        auth.logout(*console::AuthService::bearerToken(req.http.header("Authorization")));
        WebResponse res;
        res.status = 204;
        r.send(std::move(res));
    });

    router.add("GET", "/v1/auth/me", [&auth](http::RoutedRequest&& req, http::Responder r) {
        auto who = console::authenticate(req, auth);
        if (!who) return r.send(std::move(*who.response));
        json body{{"name", who.principal->name},
                  {"role", std::string(console::toString(who.principal->role))},
                  {"token_id", who.principal->token_id}};
        auto accounts = auth.accounts();
        if (const auto* a = accounts->find(who.principal->name)) {
            body["display_name"] = a->display_name;
            body["skills"] = a->skills;
            body["languages"] = a->languages;
            body["teams"] = a->teams;
        }
        r.send(WebResponse::json(200, dump(body)));
    });
}

}  // namespace ccd::daemon
