#pragma once
// Computes a report over the store (SQLite or PostgreSQL, through report_db.hpp): the conversations opened in the range (found through
// conversations_by_created) and, for them, their messages, SLA clocks and events (through the
// per-conversation indexes). Read-only. Definitions of every figure: docs/kpis.md.

#include <map>
#include <optional>
#include <string>

#include "daemon/reports/report_query.hpp"
#include "daemon/reports/report_table.hpp"


namespace ccd::routing {
class BusinessHours;
}

namespace ccd::daemon::reports {

class LocalCalendar;
class ReportDb;

/// Runs `query` on `db`. `hours` (may be null: no business-hours columns are filled) is the
/// business calendar that counts business time. Throws the store's error.
/// Thread safety: one call at a time per `calendar`, `hours` and connection.
ReportTable runReport(ReportDb& db, const ReportQuery& query, const LocalCalendar& calendar,
                      const routing::BusinessHours* hours);

/// The nearest-rank percentile (p in (0, 100]) of sorted values; empty input gives none.
Cell percentile(const std::vector<double>& sorted, double p);

}  // namespace ccd::daemon::reports

namespace ccd::routing {
struct BusinessCalendar;
}

namespace ccd::daemon::reports {

/// A report produced from request parameters, or why not: `bad_request` for parameters the
/// caller must fix (400), otherwise the store failed (500).
struct ReportOutcome {
    std::optional<ReportTable> table;
    std::string error;
    bool bad_request = false;
};

/// Checks `params` (parseReportQuery) and runs the report named `name` on `db`, in the time
/// zone of `calendar` (UTC and no business hours without one), on one snapshot of `db`
/// (ReportDb::snapshot). Never throws.
ReportOutcome makeReport(ReportDb& db, const std::string& name,
                         const std::map<std::string, std::string>& params,
                         const routing::BusinessCalendar* calendar, std::int64_t now_ms);

/// Puts the calling thread below everything else on the machine: the SCHED_IDLE CPU policy
/// (it runs when a core would otherwise idle) and the idle I/O class. The daemon's report
/// thread calls it, so that a report never takes CPU or disk time from intake. Best effort.
void runBelowIntake();

}  // namespace ccd::daemon::reports
