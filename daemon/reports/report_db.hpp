#pragma once
// The database a report reads, SQLite or PostgreSQL: one query interface both stores implement
// (sqlite_report_db, pg_report_db), so that every report's logic and SQL is written once
// (report_engine, report_people, report_cases). The SQL is what both dialects accept, with
// parameters written ?1, ?2, ... (SQLite's numbered form, reused as often as needed); where the
// dialects differ (reading a JSON text column, a JSON array as rows, SQLite's INDEXED BY), the
// report asks the database for the fragment.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ccd::daemon::reports {

/// A statement parameter: an integer or text.
using ReportParam = std::variant<std::int64_t, std::string>;

/// A statement's rows, read forward: `while (rows->next()) rows->columnInt(0);`. A NULL reads
/// as 0 or "" (isNull tells).
class ReportRows {
public:
    virtual ~ReportRows() = default;
    /// Advances; true while a row is available.
    virtual bool next() = 0;
    virtual bool isNull(int col) const = 0;
    virtual std::int64_t columnInt(int col) const = 0;
    virtual std::string columnText(int col) const = 0;
};

/// A read-only connection for reports. Thread safety: one thread at a time.
class ReportDb {
public:
    virtual ~ReportDb() = default;

    /// Runs one SELECT (parameters ?1, ?2, ...). Throws the store's error.
    virtual std::unique_ptr<ReportRows> query(std::string_view sql,
                                              const std::vector<ReportParam>& params = {}) = 0;

    /// The SQL reading `field` (a top-level member name) of the JSON text in `column`: its
    /// text, a number's digits, NULL when absent or JSON null.
    virtual std::string jsonField(std::string_view column, std::string_view field) const = 0;
    /// A FROM item named `alias` with one row per element of the array `field` of the JSON in
    /// `column` (none when absent or not an array), the element's JSON in `alias`.value.
    virtual std::string jsonElements(std::string_view column, std::string_view field,
                                     std::string_view alias) const = 0;
    /// What to write after a table name to use the index `index` (SQLite's INDEXED BY, which
    /// pins a plan its planner would otherwise miss); may be empty.
    virtual std::string indexedBy(std::string_view index) const = 0;

    /// False once the connection is known to be unusable (lost): open another.
    virtual bool usable() const { return true; }

    /// Runs `read` (every query of one report) on one snapshot of the database where the
    /// store gives one cheaply; rethrows what `read` throws.
    virtual void snapshot(const std::function<void()>& read) = 0;
};

}  // namespace ccd::daemon::reports
