#include "daemon/reports/report_format.hpp"

#include <cstdio>
#include <cstdlib>

#include "daemon/json_time.hpp"

namespace ccd::daemon::reports {
namespace {

nlohmann::json cellJson(const Cell& c) {
    return std::visit(
        [](const auto& v) -> nlohmann::json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return nullptr;
            else return v;
        },
        c);
}

}  // namespace

std::string cellString(const Cell& c) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return "";
            } else if constexpr (std::is_same_v<T, std::string>) {
                return v;
            } else if constexpr (std::is_same_v<T, double>) {
                char buf[32];
                // The shortest form that reads back the same.
                for (int precision = 1; precision <= 17; ++precision) {
                    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
                    if (std::strtod(buf, nullptr) == v) break;
                }
                return buf;
            } else {
                return std::to_string(v);
            }
        },
        c);
}

std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char ch : text) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + '"';
}

nlohmann::json toJson(const ReportTable& table) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : table.rows) {
        nlohmann::json row = nlohmann::json::object();
        for (std::size_t i = 0; i < r.size() && i < table.columns.size(); ++i)
            row[table.columns[i]] = cellJson(r[i]);
        rows.push_back(std::move(row));
    }
    return {{"report", table.report},
            {"time_zone", table.time_zone},
            {"from", formatRfc3339Millis(table.from_ms)},
            {"to", formatRfc3339Millis(table.to_ms)},
            {"group_by", table.group_by},
            {"columns", table.columns},
            {"rows", std::move(rows)}};
}

std::string toCsv(const ReportTable& table) {
    std::string out = "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        if (i) out += ',';
        out += csvField(table.columns[i]);
    }
    out += "\r\n";
    for (const auto& r : table.rows) {
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (i) out += ',';
            out += csvField(cellString(r[i]));
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace ccd::daemon::reports
