#pragma once
// A report as JSON ({"report", "time_zone", "from", "to", "group_by", "columns", "rows"}) or as
// CSV: UTF-8 with a byte-order mark (spreadsheet programs then read Chinese correctly), CRLF
// line ends, RFC 4180 quoting (a field with a comma, quote, CR or LF is quoted, quotes doubled).

#include <string>

#include <nlohmann/json.hpp>

#include "daemon/reports/report_table.hpp"

namespace ccd::daemon::reports {

nlohmann::json toJson(const ReportTable& table);
std::string toCsv(const ReportTable& table);
/// A cell as text: empty for no value, numbers in their shortest exact form.
std::string cellString(const Cell& cell);
/// One CSV field, quoted when RFC 4180 needs it.
std::string csvField(const std::string& text);

}  // namespace ccd::daemon::reports
