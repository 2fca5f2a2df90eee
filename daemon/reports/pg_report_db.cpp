#include "daemon/reports/pg_report_db.hpp"

#include <cctype>

#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::daemon::reports {
namespace {

using store::postgres::Param;
using store::postgres::Result;

class PgRows final : public ReportRows {
public:
    explicit PgRows(Result result) : result_(std::move(result)) {}

    bool next() override { return result_.next(); }
    bool isNull(int col) const override { return result_.isNull(col); }
    std::int64_t columnInt(int col) const override { return result_.columnInt(col); }
    std::string columnText(int col) const override { return result_.columnText(col); }

private:
    Result result_;
};

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

std::string dollarParameters(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    char quote = 0;  // the quote character of the literal or name we are in
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && i + 1 < sql.size() &&
                   std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
            out += '$';
            continue;
        }
        out += c;
    }
    return out;
}

std::unique_ptr<ReportRows> PgReportDb::query(std::string_view sql,
                                              const std::vector<ReportParam>& params) {
    std::vector<Param> wire;
    wire.reserve(params.size());
    for (const auto& p : params) {
        if (const auto* n = std::get_if<std::int64_t>(&p)) wire.emplace_back(*n);
        else wire.emplace_back(std::get<std::string>(p));
    }
    return std::make_unique<PgRows>(db_.query(dollarParameters(sql), wire));
}

// The store keeps JSON as text (pg_schema.cpp): read as jsonb where it is used.
std::string PgReportDb::jsonField(std::string_view column, std::string_view field) const {
    return "(" + std::string(column) + "::jsonb ->> " + quoted(field) + ")";
}

std::string PgReportDb::jsonElements(std::string_view column, std::string_view field,
                                     std::string_view alias) const {
    const std::string member = std::string(column) + "::jsonb -> " + quoted(field);
    return "jsonb_array_elements(CASE WHEN jsonb_typeof(" + member + ") = 'array' THEN " +
           member + " END) AS " + std::string(alias) + "(value)";
}

bool PgReportDb::usable() const { return !db_.broken(); }

void PgReportDb::snapshot(const std::function<void()>& read) {
    db_.transaction([&](store::postgres::Connection& c) {
        c.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        read();
    });
}

}  // namespace ccd::daemon::reports
