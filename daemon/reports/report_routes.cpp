#include "daemon/reports/report_routes.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "channels/common/url.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/http/router.hpp"
#include "daemon/reports/report_engine.hpp"
#include "daemon/reports/report_format.hpp"
#include "daemon/reports/report_db_open.hpp"
#include "daemon/thread_name.hpp"

namespace ccd::daemon::reports {

/// One thread and one read connection (opened on first use, again after a failure); jobs run
/// in order.
class ReportRunner {
public:
    explicit ReportRunner(config::StorageConfig storage) : storage_(std::move(storage)) {
        thread_ = namedThread("ccd-reports", [this] { loop(); });
    }
    ~ReportRunner() { stop(); }

    /// Queues `job`; false once stopped.
    bool post(std::function<void(ReportDb*)> job) {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        jobs_.push_back(std::move(job));
        cv_.notify_one();
        return true;
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            if (stopping_ && !thread_.joinable()) return;
            stopping_ = true;
            cv_.notify_one();
        }
        if (thread_.joinable()) thread_.join();
    }

private:
    void loop() {
        // Below the I/O, engine and store threads: a long report runs on what intake leaves.
        runBelowIntake();
        std::unique_ptr<ReportDb> db;
        for (;;) {
            std::function<void(ReportDb*)> job;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
                if (stopping_) {
                    job(nullptr);  // answered "shutting down"
                    continue;
                }
            }
            if (!db) {
                try {
                    db = openReportDb(storage_);
                } catch (const std::exception& e) {
                    spdlog::error("reports: cannot open the store: {}", e.what());
                }
            }
            job(db.get());
            // A connection lost (a PostgreSQL server restarted) is opened anew for the next.
            if (db && !db->usable()) db.reset();
        }
    }

    config::StorageConfig storage_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void(ReportDb*)>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

namespace {

bool wantsCsv(const channels::WebRequest& req, std::map<std::string, std::string>& params) {
    auto f = params.find("format");
    if (f != params.end()) {
        bool csv = f->second == "csv";
        params.erase(f);
        return csv;
    }
    return req.header("Accept").find("text/csv") != std::string_view::npos;
}

channels::WebResponse answer(const ReportOutcome& outcome, bool csv) {
    if (!outcome.table) {
        if (outcome.bad_request)
            return channels::WebResponse::error(400, "bad_parameter", outcome.error);
        spdlog::error("reports: {}", outcome.error);
        return channels::WebResponse::error(500, "report_failed", "the report could not be made");
    }
    if (!csv) return channels::WebResponse::json(200, toJson(*outcome.table).dump());
    channels::WebResponse r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = toCsv(*outcome.table);
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + outcome.table->report + ".csv\"");
    return r;
}

}  // namespace

void stopReports(ReportRunner& runner) { runner.stop(); }

std::shared_ptr<ReportRunner> addReportRoutes(http::Router& router, ReportRouteServices s) {
    auto runner = std::make_shared<ReportRunner>(s.storage);
    auto services = std::make_shared<ReportRouteServices>(std::move(s));
    router.add("GET", "/v1/reports", [services](http::RoutedRequest&& req, http::Responder r) {
        auto who = console::requireRole(req, *services->auth, console::Role::Supervisor);
        if (!who) return r.send(std::move(*who.response));
        r.send(channels::WebResponse::json(200, reportCatalog().dump()));
    });
    router.add("GET", "/v1/reports/{report}", [services, runner](http::RoutedRequest&& req,
                                                                  http::Responder r) {
        auto who = console::requireRole(req, *services->auth, console::Role::Supervisor);
        if (!who) return r.send(std::move(*who.response));
        auto pairs = channels::parseQuery(req.http.query());
        if (!pairs)
            return r.send(channels::WebResponse::error(400, "bad_parameter",
                                                       "the query string has a malformed escape"));
        std::map<std::string, std::string> params;
        for (auto& [k, v] : *pairs) {
            if (params.count(k))
                return r.send(channels::WebResponse::error(400, "bad_parameter",
                                                           "parameter \"" + k + "\" given twice"));
            params.emplace(std::move(k), std::move(v));
        }
        bool csv = wantsCsv(req.http, params);
        std::string name(req.param("report"));
        std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
        auto run = [runner, r, name, params = std::move(params), csv,
                    now_ms](std::optional<routing::BusinessCalendar> calendar) {
            bool queued = runner->post([r, name, params, csv, now_ms,
                                        calendar = std::move(calendar)](ReportDb* db) {
                if (!db)
                    return r.send(channels::WebResponse::error(
                        503, "unavailable", "reports are not available (store closed)"));
                r.send(answer(makeReport(*db, name, params, calendar ? &*calendar : nullptr,
                                         now_ms), csv));
            });
            if (!queued)
                r.send(channels::WebResponse::error(503, "unavailable", "shutting down"));
        };
        if (services->calendar) services->calendar(std::move(run));
        else run(std::nullopt);
    });
    return runner;
}

}  // namespace ccd::daemon::reports
