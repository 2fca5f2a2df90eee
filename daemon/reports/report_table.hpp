#pragma once
// A report's answer: named columns and rows of cells, with how it was asked (range, zone).
// Rendered as JSON or CSV by report_format; computed by report_engine.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ccd::daemon::reports {

/// Empty (no value: no data for a median, say), a count, a figure, or a label.
using Cell = std::variant<std::monostate, std::int64_t, double, std::string>;

struct ReportTable {
    std::string report;
    std::string time_zone;
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    std::vector<std::string> group_by;
    std::vector<std::string> columns;       ///< group_by's names first, then the figures
    std::vector<std::vector<Cell>> rows;    ///< sorted by the group columns
};

}  // namespace ccd::daemon::reports
