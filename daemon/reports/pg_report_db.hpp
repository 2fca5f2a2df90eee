#pragma once
// The reports' query interface (report_db.hpp) on a PostgreSQL connection.

#include "daemon/reports/report_db.hpp"

namespace ccd::store::postgres {
class Connection;
}

namespace ccd::daemon::reports {

/// Reads through `db`, which outlives it. A result is read whole into memory (libpq's
/// default), not streamed as SQLite's statements are.
class PgReportDb : public ReportDb {
public:
    explicit PgReportDb(store::postgres::Connection& db) : db_(db) {}

    std::unique_ptr<ReportRows> query(std::string_view sql,
                                      const std::vector<ReportParam>& params) override;
    std::string jsonField(std::string_view column, std::string_view field) const override;
    std::string jsonElements(std::string_view column, std::string_view field,
                             std::string_view alias) const override;
    std::string indexedBy(std::string_view) const override { return {}; }
    bool usable() const override;
    /// Runs `read` in one read-only REPEATABLE READ transaction: every query of the report
    /// sees the same committed state, whatever the daemon commits meanwhile.
    void snapshot(const std::function<void()>& read) override;

private:
    store::postgres::Connection& db_;
};

/// `sql` with SQLite's numbered parameters (?1, ?2, ...) written as PostgreSQL's ($1, $2, ...),
/// string literals and quoted names left as they are.
std::string dollarParameters(std::string_view sql);

}  // namespace ccd::daemon::reports
