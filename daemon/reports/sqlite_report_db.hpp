#pragma once
// The reports' query interface (report_db.hpp) on an SQLite connection.

#include <map>
#include <string>

#include "daemon/reports/report_db.hpp"
#include "daemon/reports/report_engine.hpp"

struct sqlite3;

namespace ccd::daemon::reports {

/// Reads through `db`, which outlives it (a connection opened read-only beside the store).
class SqliteReportDb : public ReportDb {
public:
    explicit SqliteReportDb(sqlite3* db) : db_(db) {}

    std::unique_ptr<ReportRows> query(std::string_view sql,
                                      const std::vector<ReportParam>& params) override;
    std::string jsonField(std::string_view column, std::string_view field) const override;
    std::string jsonElements(std::string_view column, std::string_view field,
                             std::string_view alias) const override;
    std::string indexedBy(std::string_view index) const override;
    /// Runs `read` as it is: each statement reads its own snapshot (a read transaction held
    /// through a long report would keep the WAL from being checkpointed meanwhile).
    void snapshot(const std::function<void()>& read) override { read(); }

private:
    sqlite3* db_;
};

/// makeReport (report_engine.hpp) on an SQLite connection. Never throws.
ReportOutcome makeReport(sqlite3* db, const std::string& name,
                         const std::map<std::string, std::string>& params,
                         const routing::BusinessCalendar* calendar, std::int64_t now_ms);

}  // namespace ccd::daemon::reports
