#include "daemon/retention_job.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "daemon/console/http_auth.hpp"
#include "daemon/conversation_json.hpp"
#include "daemon/http/router.hpp"

namespace ccd::daemon {
namespace {

std::optional<std::int64_t> cutoff(const std::optional<config::Duration>& period,
                                   std::int64_t now_ms) {
    if (!period) return std::nullopt;
    return now_ms - period->count();
}

store::RetentionCutoffs cutoffs(const config::RetentionPeriods& p, std::int64_t now_ms) {
    return {cutoff(p.message_text, now_ms), cutoff(p.attachments, now_ms),
            cutoff(p.recordings, now_ms)};
}

}  // namespace

store::RetentionRequest retentionRequest(const config::RetentionConfig& c, routing::TimePoint now,
                                         bool dry_run) {
    store::RetentionRequest r;
    r.now_ms = routing::unixMillis(now);
    r.defaults = cutoffs(c.defaults, r.now_ms);
    for (const auto& [name, periods] : c.channels) r.channels[name] = cutoffs(periods, r.now_ms);
    r.contacts = cutoff(c.contacts, r.now_ms);
    r.audit = cutoff(c.audit, r.now_ms);
    r.batch = c.batch;
    r.dry_run = dry_run;
    return r;
}

std::string describeRetention(const store::RetentionReport& r) {
    return std::to_string(r.message_texts) + " message texts, " + std::to_string(r.attachments) +
           " attachments, " + std::to_string(r.recordings) + " recordings, " +
           std::to_string(r.outbox) + " outbox payloads, " + std::to_string(r.contacts) +
           " contacts, " + std::to_string(r.audit) + " audit entries";
}

nlohmann::json retentionReportJson(const store::RetentionReport& r) {
    return {{"message_texts", r.message_texts}, {"attachments", r.attachments},
            {"recordings", r.recordings},       {"outbox", r.outbox},
            {"contacts", r.contacts},           {"audit", r.audit},
            {"commits", r.commits}};
}

RetentionJob::RetentionJob(boost::asio::io_context& ioc, store::Store& store,
                           const AuditLog& audit, std::function<config::DaemonConfigPtr()> config)
    : timer_(boost::asio::make_strand(ioc)), store_(store), audit_(audit), config_(std::move(config)) {}

void RetentionJob::start() {
    auto interval = config_()->retention.interval;
    arm(std::min<std::chrono::milliseconds>(interval, std::chrono::minutes(1)));
}

void RetentionJob::stop() {
    stopped_ = true;
    boost::asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
}

void RetentionJob::arm(std::chrono::milliseconds delay) {
    if (stopped_) return;
    boost::asio::post(timer_.get_executor(), [self = shared_from_this(), delay] {
        self->timer_.expires_after(delay);
        self->timer_.async_wait([self](const boost::system::error_code& ec) {
            if (ec || self->stopped_) return;
            auto cfg = self->config_();
            if (cfg->retention.any()) {
                self->runNow(false, systemActor("retention"), [](auto) {});
            }
            self->arm(cfg->retention.interval);
        });
    });
}

void RetentionJob::runNow(bool dry_run, const AuditActor& who, Done done) {
    if (running_.exchange(true))
        return done(store::StoreResult<store::RetentionReport>::fail(
            "a retention run is in progress; try again when it ends"));
    auto cfg = config_();
    auto request = retentionRequest(cfg->retention, routing::Clock::now(), dry_run);
    auto started = std::chrono::steady_clock::now();
    store_.runRetention(
        std::move(request), [self = shared_from_this(), who, dry_run, started,
                             done = std::move(done)](store::StoreResult<store::RetentionReport> r) {
            self->running_ = false;
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
            if (!r) {
                spdlog::error("retention: the run failed after {} ms: {}", ms, r.error->message);
                self->audit_.record(who, "retention.run", "store", "", "failed",
                                    nlohmann::json{{"dry_run", dry_run}});
            } else {
                spdlog::info("retention: {} {} in {} ms ({} commits)",
                             dry_run ? "would remove" : "removed", describeRetention(*r.value), ms,
                             r.value->commits);
                auto detail = retentionReportJson(*r.value);
                detail["dry_run"] = dry_run;
                self->audit_.record(who, "retention.run", "store", "", "ok", detail);
            }
            done(std::move(r));
        });
}

void addRetentionRoutes(http::Router& router, std::shared_ptr<RetentionJob> job,
                        const console::AuthService& auth, const AuditLog& audit) {
    router.add("POST", "/v1/admin/retention", [job, &auth, &audit](http::RoutedRequest&& req,
                                                                   http::Responder r) {
        auto who = console::authenticate(req, auth);
        if (!who) return r.send(std::move(*who.response));
        auto actor = accountActor(*who.principal, req);
        if (!console::atLeast(who.principal->role, console::Role::Admin)) {
            audit.record(actor, "retention.run", "store", "", "denied");
            return r.send(console::forbidden("running the retention job needs an admin"));
        }
        auto q = req.http.query();
        bool dry_run = false;
        if (q == "dry_run=true" || q == "dry_run=1") dry_run = true;
        else if (!q.empty() && q != "dry_run=false" && q != "dry_run=0")
            return r.send(channels::WebResponse::error(
                400, "bad_request", "the only parameter is dry_run=true|false", "dry_run"));
        job->runNow(dry_run, actor, [r, dry_run](store::StoreResult<store::RetentionReport> res) {
            if (!res)
                return r.send(channels::WebResponse::error(409, "retention_failed",
                                                           res.error->message));
            auto body = retentionReportJson(*res.value);
            body["dry_run"] = dry_run;
            r.send(channels::WebResponse::json(200, dumpJson(body)));
        });
    });
}

}  // namespace ccd::daemon
