#pragma once
// The inside of runReport (report_engine.hpp), shared by the files that compute the reports:
// the cohort of conversations opened in the range, read once, and one method per report.
//   report_engine.cpp   loading, volume (with calls), response_times, sla
//   report_people.cpp   csat (with low ratings), agents, quality, agent_time
//   report_cases.cpp    cases, case_stages (service cases opened in the range)
// Definitions of every figure: docs/kpis.md. Not for use outside daemon/reports.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/reports/report_db.hpp"
#include "daemon/reports/report_query.hpp"
#include "daemon/reports/report_table.hpp"

namespace ccd::routing {
class BusinessHours;
}

namespace ccd::daemon::reports {

class LocalCalendar;

namespace detail {

using Key = std::vector<std::string>;

/// The local day, week (its Monday) and month label of every day the range touches.
class Buckets {
public:
    Buckets(const LocalCalendar& cal, std::int64_t from_ms, std::int64_t to_ms);
    const std::string& label(Dimension unit, std::int64_t ms) const;
    /// The first local midnight after `ms` (the largest instant after the range's last day).
    std::int64_t nextStart(std::int64_t ms) const;

private:
    std::vector<std::int64_t> starts_;
    std::vector<std::string> day_, week_, month_;
};

/// One conversation of the cohort and what the report at hand read about it.
struct Conversation {
    std::int64_t id = 0;
    std::int64_t created = 0;
    Key key;                       // group_by labels but the agent (agents report: per event)
    std::string category;
    bool voice = false;        // channel `voice`: its calls are counted
    std::optional<int> rating;
    std::optional<std::int64_t> rating_at;   // the last `rating` event
    std::optional<std::int64_t> resolved;
    std::optional<std::int64_t> first_response;
    std::int64_t messages_in = 0, messages_out = 0;
    std::int64_t calls_offered = 0, calls_answered = 0, calls_abandoned = 0;
    std::int64_t resolutions = 0, reopens = 0, transfers = 0;
    bool survey = false;
};

/// The WHERE clause shared by every query: the range and the filters, parameters from ?3.
struct Scope {
    std::string from_join;  // conversations first (CROSS JOIN keeps them the outer loop)
    std::string where;
    std::vector<ReportParam> params;  // ?1, ?2 (the range), then the filters' values
};

Scope scopeOf(const ReportQuery& q);

/// Milliseconds as seconds with millisecond precision.
Cell seconds(double ms);
/// The mean of milliseconds as seconds; none without values.
Cell mean(const std::vector<double>& v);
/// part / whole rounded to 4 decimals; none when whole is 0.
Cell ratio(std::int64_t part, std::int64_t whole);
/// Appends median, p90 and mean (seconds) of milliseconds.
void stats(std::vector<double> v, std::vector<Cell>& row);

class Run {
public:
    Run(ReportDb& db, const ReportQuery& q, const LocalCalendar& cal,
        const routing::BusinessHours* hours);
    ReportTable run();

private:
    Key keyOf(const Conversation& c, const std::string* agent = nullptr) const;
    void loadConversations();
    Conversation* find(std::int64_t id);
    void loadMessages();
    void loadCalls();
    void loadSurveys();

    // Events of the range's conversations of the given types, in order per conversation:
    // f(conversation, type, time, a, b) where a and b are the data fields named ("x|y": x,
    // or y where the event has no x).
    template <class F>
    void forEvents(const std::string& types, const char* field_a, const char* field_b, F&& f) {
        if (convs_.empty()) return;
        auto st = db_.query("SELECT e.conversation_id, e.type, e.created_at, " +
                                fieldSql(field_a) + ", " + fieldSql(field_b) +
                                " FROM events e WHERE e.conversation_id BETWEEN ?1 AND ?2"
                                " AND e.type IN (" + types + ") ORDER BY e.conversation_id, e.id",
                            {min_id_, max_id_});
        while (st->next()) {
            Conversation* c = find(st->columnInt(0));
            if (!c) continue;
            f(*c, st->columnText(1), st->columnInt(2), st->columnText(3), st->columnText(4));
        }
    }
    std::string fieldSql(const std::string& names) const;

    std::optional<double> business(std::int64_t from, std::int64_t to) const;

    void volume(ReportTable& t);
    void responseTimes(ReportTable& t);
    void sla(ReportTable& t);
    void csat(ReportTable& t);
    void agents(ReportTable& t);
    void quality(ReportTable& t);
    void agentTime(ReportTable& t);
    /// The service cases opened in the range, with their stays in each stage.
    struct ServiceCaseRow;
    std::vector<ServiceCaseRow> loadCases();
    void cases(ReportTable& t);
    void caseStages(ReportTable& t);
    /// Per agent, the merged, ordered intervals of [from, end) in which they held work.
    std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> holds(
        std::int64_t end);

    ReportDb& db_;
    const ReportQuery& q_;
    const routing::BusinessHours* hours_;
    Buckets buckets_;
    Scope scope_;
    std::vector<Conversation> convs_;
    std::unordered_map<std::int64_t, std::size_t> index_;
    std::int64_t min_id_ = 0, max_id_ = 0;
};

}  // namespace detail
}  // namespace ccd::daemon::reports
