#pragma once
// What a report asks for: which report, the time range (instants, from local dates in the
// business calendar's time zone or RFC 3339), the grouping and the filters; parsed and checked
// from the parameters of GET /v1/reports/<report> or of `ccd report`. Definitions: docs/kpis.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ccd::daemon::reports {

class LocalCalendar;

enum class ReportKind { Volume, ResponseTimes, Sla, Csat, Agents, Quality, AgentTime, Cases,
                        CaseStages };

/// What rows are grouped by. Time units use the business calendar's time zone.
enum class Dimension { Day, Week, Month, Queue, Agent, Channel, ChannelInstance, Category,
                       Subtype, Priority, Tier };

/// A checked report request. Instants are Unix milliseconds, [from_ms, to_ms).
struct ReportQuery {
    ReportKind kind = ReportKind::Volume;
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    std::vector<Dimension> group_by;                 ///< at most 3, no repeats
    std::map<Dimension, std::string> filters;        ///< queue, agent, channel, ... = value
    std::int64_t now_ms = 0;                         ///< "now" for clocks still running
};

std::string toString(ReportKind kind);
std::string toString(Dimension d);

/// The parsed query, or the reason the parameters are refused (one sentence for the caller).
struct ParsedQuery {
    std::optional<ReportQuery> query;
    std::string error;
};

/// Checks `params` (from, to, group_by, and one optional filter per dimension that is not a
/// time unit) for the report `name`. `from`/`to` are local dates (YYYY-MM-DD or `today`, `to`
/// inclusive) or RFC 3339 instants (`to` exclusive); the range must be at most 400 days.
ParsedQuery parseReportQuery(const std::string& name,
                             const std::map<std::string, std::string>& params,
                             const LocalCalendar& calendar, std::int64_t now_ms);

/// The list of reports with their parameters and columns (GET /v1/reports).
nlohmann::json reportCatalog();

}  // namespace ccd::daemon::reports
