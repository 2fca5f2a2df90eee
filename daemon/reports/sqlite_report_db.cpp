#include "daemon/reports/sqlite_report_db.hpp"

#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::daemon::reports {
namespace {

using store::sqlite::Statement;

class SqliteRows final : public ReportRows {
public:
    SqliteRows(sqlite3* db, std::string_view sql) : st_(db, sql) {}
    Statement& statement() { return st_; }

    bool next() override { return st_.step(); }
    bool isNull(int col) const override { return st_.columnIsNull(col); }
    std::int64_t columnInt(int col) const override { return st_.columnInt(col); }
    std::string columnText(int col) const override { return st_.columnText(col); }

private:
    Statement st_;
};

}  // namespace

std::unique_ptr<ReportRows> SqliteReportDb::query(std::string_view sql,
                                                  const std::vector<ReportParam>& params) {
    auto rows = std::make_unique<SqliteRows>(db_, sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
        const int at = static_cast<int>(i + 1);
        if (const auto* n = std::get_if<std::int64_t>(&params[i]))
            rows->statement().bind(at, *n);
        else
            rows->statement().bind(at, std::string_view(std::get<std::string>(params[i])));
    }
    return rows;
}

std::string SqliteReportDb::jsonField(std::string_view column, std::string_view field) const {
    return "json_extract(" + std::string(column) + ", '$." + std::string(field) + "')";
}

std::string SqliteReportDb::jsonElements(std::string_view column, std::string_view field,
                                         std::string_view alias) const {
    // json_each yields nothing for NULL; for an object it would yield its members, which the
    // daemon's routing JSON never has in place of the array.
    return "json_each(" + std::string(column) + ", '$." + std::string(field) + "') " +
           std::string(alias);
}

std::string SqliteReportDb::indexedBy(std::string_view index) const {
    return " INDEXED BY " + std::string(index);
}

ReportOutcome makeReport(sqlite3* db, const std::string& name,
                         const std::map<std::string, std::string>& params,
                         const routing::BusinessCalendar* calendar, std::int64_t now_ms) {
    SqliteReportDb reader(db);
    return makeReport(reader, name, params, calendar, now_ms);
}

}  // namespace ccd::daemon::reports
