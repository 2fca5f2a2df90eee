#pragma once
// GET /v1/reports (the list) and GET /v1/reports/{report} (JSON, or CSV with Accept: text/csv
// or format=csv) for supervisors and admins. Reports run one at a time on a thread and database
// connection (SQLite or PostgreSQL, as storage.driver says) of their own, so a long report
// never delays the store's reads or the I/O threads.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/daemon_config.hpp"
#include "routing/business_hours.hpp"

namespace ccd::daemon {
namespace http {
class Router;
}
namespace console {
class AuthService;
}

namespace reports {

/// Answers the business calendar in force (nullopt: none, reports in UTC); may answer on
/// another thread.
using CalendarSource =
    std::function<void(std::function<void(std::optional<routing::BusinessCalendar>)>)>;

struct ReportRouteServices {
    config::StorageConfig storage;       ///< the store the daemon writes
    const console::AuthService* auth = nullptr;
    CalendarSource calendar;
};

class ReportRunner;

/// Adds the report routes; the returned runner (kept by the routes too) owns the thread.
std::shared_ptr<ReportRunner> addReportRoutes(http::Router& router, ReportRouteServices services);

/// Stops the runner's thread (queued reports are answered 503). Idempotent.
void stopReports(ReportRunner& runner);

}  // namespace reports
}  // namespace ccd::daemon
