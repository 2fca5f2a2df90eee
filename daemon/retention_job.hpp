#pragma once
// The retention job (docs/security.md, "Retention"): shortly after the start and then every
// `retention.interval` (a day by default) it asks the store to remove what is past its period,
// in batches on the store's writer thread (the engine and the HTTP threads never wait for it),
// logs what it removed and records the run in the audit log. POST /v1/admin/retention runs it
// now (admins), and `ccd retention run` does the same from the command line.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/daemon_config.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/store/store.hpp"
#include "routing/model.hpp"

namespace ccd::daemon {

namespace http {
class Router;
}
namespace console {
class AuthService;
}

/// The store's request for a run at `now` under `config`.
store::RetentionRequest retentionRequest(const config::RetentionConfig& config,
                                         routing::TimePoint now, bool dry_run);

/// "3 message texts, 1 attachment, ..." for logs and the command line.
std::string describeRetention(const store::RetentionReport& report);

/// {"message_texts": n, ...} for the audit log and the HTTP answer.
nlohmann::json retentionReportJson(const store::RetentionReport& report);

/// Thread safety: every method may be called from any thread.
class RetentionJob : public std::enable_shared_from_this<RetentionJob> {
public:
    using Done = std::function<void(store::StoreResult<store::RetentionReport>)>;

    /// `config` gives the configuration in force (a reload changes the periods).
    RetentionJob(boost::asio::io_context& ioc, store::Store& store, const AuditLog& audit,
                 std::function<config::DaemonConfigPtr()> config);

    /// Arms the timer: the first run a minute after the start (sooner with a shorter interval).
    void start();
    /// Cancels the timer; a run in progress ends with the store. Idempotent.
    void stop();

    /// Runs now unless a run is in progress (then `done` gets an error saying so). `done` is
    /// called on a store thread.
    void runNow(bool dry_run, const AuditActor& who, Done done);

private:
    void arm(std::chrono::milliseconds delay);

    boost::asio::steady_timer timer_;  ///< on a strand of its own
    store::Store& store_;
    const AuditLog& audit_;
    std::function<config::DaemonConfigPtr()> config_;
    std::atomic<bool> running_{false};
    std::atomic<bool> stopped_{false};
};

/// Adds POST /v1/admin/retention[?dry_run=true] (admins): runs the job now and answers with
/// what it removed. `job`, `auth` and `audit` must outlive the router.
void addRetentionRoutes(http::Router& router, std::shared_ptr<RetentionJob> job,
                        const console::AuthService& auth, const AuditLog& audit);

}  // namespace ccd::daemon
