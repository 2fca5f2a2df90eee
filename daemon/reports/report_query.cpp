#include "daemon/reports/report_query.hpp"

#include <algorithm>
#include <chrono>

#include "daemon/json_time.hpp"
#include "daemon/reports/local_calendar.hpp"

namespace ccd::daemon::reports {
namespace {

constexpr std::int64_t kMaxRangeMs = 400LL * 24 * 3600 * 1000;

struct KindInfo {
    ReportKind kind;
    const char* name;
    const char* title;
};
constexpr KindInfo kKinds[] = {
    {ReportKind::Volume, "volume",
     "New conversations, their messages in and out, and their calls offered, answered, abandoned"},
    {ReportKind::ResponseTimes, "response_times",
     "First response and resolution times: median, p90, mean; wall time and business hours"},
    {ReportKind::Sla, "sla", "SLA attainment per milestone, breaches and escalations"},
    {ReportKind::Csat, "csat",
     "Satisfaction: surveys, ratings 1-5, average, response rate; low ratings followed up"},
    {ReportKind::Agents, "agents",
     "Per agent: offers accepted and missed, conversations handled, average handle time"},
    {ReportKind::Quality, "quality",
     "First-contact resolution, reopen rate, transfers per conversation, complaint rate"},
    {ReportKind::AgentTime, "agent_time",
     "Per agent: time in each presence and logged in, over the range (not a cohort)"},
    {ReportKind::Cases, "cases",
     "Service cases opened, by type: open, closed, cancelled, time to close, repeat repairs"},
    {ReportKind::CaseStages, "case_stages",
     "Service cases by type and stage: stays begun, cases in the stage now, time in the stage"},
};

struct DimInfo {
    Dimension dim;
    const char* name;
    bool time_unit;
};
constexpr DimInfo kDims[] = {
    {Dimension::Day, "day", true},          {Dimension::Week, "week", true},
    {Dimension::Month, "month", true},      {Dimension::Queue, "queue", false},
    {Dimension::Agent, "agent", false},     {Dimension::Channel, "channel", false},
    {Dimension::ChannelInstance, "channel_instance", false},
    {Dimension::Category, "category", false}, {Dimension::Subtype, "subtype", false},
    {Dimension::Priority, "priority", false}, {Dimension::Tier, "tier", false},
};

std::optional<Dimension> dimensionFromString(const std::string& s) {
    for (const auto& d : kDims)
        if (s == d.name) return d.dim;
    return std::nullopt;
}

bool isTimeUnit(Dimension d) { return d == Dimension::Day || d == Dimension::Week ||
                                      d == Dimension::Month; }

// A bound: a local date (its midnight; the next day's for an inclusive `to`) or an instant.
std::optional<std::int64_t> parseBound(const std::string& text, bool end,
                                       const LocalCalendar& calendar, std::int64_t now_ms) {
    routing::LocalDate date;
    if (text == "today") date = calendar.dateOf(now_ms);
    if (text == "today" || parseDate(text, date)) return calendar.midnight(end ? calendar.addDays(date, 1) : date);
    if (auto t = parseRfc3339(text))
        return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch())
            .count();
    return std::nullopt;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto comma = s.find(',', start);
        if (comma == std::string::npos) comma = s.size();
        out.push_back(s.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

}  // namespace

std::string toString(ReportKind kind) {
    for (const auto& k : kKinds)
        if (k.kind == kind) return k.name;
    return "?";
}

std::string toString(Dimension d) {
    for (const auto& i : kDims)
        if (i.dim == d) return i.name;
    return "?";
}

ParsedQuery parseReportQuery(const std::string& name,
                             const std::map<std::string, std::string>& params,
                             const LocalCalendar& calendar, std::int64_t now_ms) {
    ReportQuery q;
    q.now_ms = now_ms;
    const KindInfo* kind = nullptr;
    for (const auto& k : kKinds)
        if (name == k.name) kind = &k;
    if (!kind) return {std::nullopt, "no report named \"" + name + "\" (GET /v1/reports lists them)"};
    q.kind = kind->kind;

    for (const auto& [key, value] : params) {
        if (key == "from" || key == "to" || key == "group_by") continue;
        auto d = dimensionFromString(key);
        if (!d || isTimeUnit(*d))
            return {std::nullopt, "unknown parameter \"" + key + "\""};
        if (value.empty()) return {std::nullopt, "filter \"" + key + "\" is empty"};
        if (*d == Dimension::Priority) {
            std::string v = value;
            if (v.size() == 2 && (v[0] == 'p' || v[0] == 'P')) v = v.substr(1);
            if (v.size() != 1 || v[0] < '1' || v[0] > '4')
                return {std::nullopt, "priority is p1, p2, p3 or p4 (got \"" + value + "\")"};
            q.filters[*d] = v;
        } else {
            q.filters[*d] = value;
        }
    }
    auto from = params.find("from");
    auto to = params.find("to");
    if (from == params.end() || to == params.end())
        return {std::nullopt, "from and to are required (YYYY-MM-DD in the business calendar's "
                              "time zone, or RFC 3339)"};
    auto f = parseBound(from->second, false, calendar, now_ms);
    if (!f) return {std::nullopt, "from is not a date (YYYY-MM-DD) or an RFC 3339 time: \"" +
                                      from->second + "\""};
    auto t = parseBound(to->second, true, calendar, now_ms);
    if (!t) return {std::nullopt, "to is not a date (YYYY-MM-DD) or an RFC 3339 time: \"" +
                                      to->second + "\""};
    if (*t <= *f) return {std::nullopt, "to must be after from"};
    if (*t - *f > kMaxRangeMs) return {std::nullopt, "the range is longer than 400 days"};
    q.from_ms = *f;
    q.to_ms = *t;

    if (auto g = params.find("group_by"); g != params.end() && !g->second.empty()) {
        int time_units = 0;
        for (const auto& part : split(g->second)) {
            auto d = dimensionFromString(part);
            if (!d) return {std::nullopt, "group_by: unknown dimension \"" + part + "\""};
            if (std::find(q.group_by.begin(), q.group_by.end(), *d) != q.group_by.end())
                return {std::nullopt, "group_by names \"" + part + "\" twice"};
            if (isTimeUnit(*d) && ++time_units > 1)
                return {std::nullopt, "group_by takes one of day, week and month"};
            q.group_by.push_back(*d);
        }
    }
    if (q.kind == ReportKind::AgentTime) {
        // Time, not conversations: only the agent and the time units apply.
        for (auto d : q.group_by)
            if (d != Dimension::Agent && !isTimeUnit(d))
                return {std::nullopt, "agent_time groups by agent, day, week or month only"};
        for (const auto& [d, v] : q.filters)
            if (d != Dimension::Agent)
                return {std::nullopt, "agent_time takes only the agent filter"};
    }
    if (q.kind == ReportKind::Cases || q.kind == ReportKind::CaseStages) {
        // Cases, not conversations: by the type (and stage) always, and the time they opened.
        for (auto d : q.group_by)
            if (!isTimeUnit(d))
                return {std::nullopt, toString(q.kind) + " groups by day, week or month only"};
        if (!q.filters.empty())
            return {std::nullopt, toString(q.kind) + " takes no filter"};
    }
    if ((q.kind == ReportKind::Agents || q.kind == ReportKind::AgentTime) &&
        std::find(q.group_by.begin(), q.group_by.end(), Dimension::Agent) == q.group_by.end())
        q.group_by.push_back(Dimension::Agent);  // the agents reports are always per agent
    if (q.group_by.size() > 3)  // three others for an agents report would make four
        return {std::nullopt, "group_by takes at most 3 dimensions (agent counts for the "
                              "agents reports)"};
    return {q, {}};
}

nlohmann::json reportCatalog() {
    nlohmann::json dims = nlohmann::json::array();
    nlohmann::json filters = nlohmann::json::array();
    for (const auto& d : kDims) {
        dims.push_back(d.name);
        if (!d.time_unit) filters.push_back(d.name);
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& k : kKinds) {
        list.push_back({{"name", k.name},
                        {"title", k.title},
                        {"parameters",
                         {{"from", "YYYY-MM-DD (business calendar's time zone), today, or RFC 3339; required"},
                          {"to", "YYYY-MM-DD (inclusive), today, or RFC 3339 (exclusive); required"},
                          {"group_by", dims},
                          {"filters", filters}}},
                        {"definitions", "docs/kpis.md#" + std::string(k.name)}});
    }
    return {{"reports", list}};
}

}  // namespace ccd::daemon::reports
