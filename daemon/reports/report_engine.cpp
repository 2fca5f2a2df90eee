#include "daemon/reports/report_engine.hpp"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

#include "daemon/reports/local_calendar.hpp"
#include "daemon/reports/report_run.hpp"
#include "routing/business_hours.hpp"

namespace ccd::daemon::reports {
namespace detail {

namespace {

constexpr const char* kMilestones[] = {"first_response", "plan", "customer_update", "resolution"};

}  // namespace

Buckets::Buckets(const LocalCalendar& cal, std::int64_t from_ms, std::int64_t to_ms) {
    auto date = cal.dateOf(from_ms);
    auto last = cal.dateOf(to_ms - 1);
    for (;;) {
        starts_.push_back(cal.midnight(date));
        day_.push_back(formatDate(date));
        week_.push_back(formatDate(cal.addDays(date, -cal.weekday(date))));
        month_.push_back(day_.back().substr(0, 7));
        if (date == last) break;
        date = cal.addDays(date, 1);
    }
}

const std::string& Buckets::label(Dimension unit, std::int64_t ms) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), ms);
    std::size_t i = it == starts_.begin() ? 0 : static_cast<std::size_t>(it - starts_.begin() - 1);
    return unit == Dimension::Day ? day_[i] : unit == Dimension::Week ? week_[i] : month_[i];
}

std::int64_t Buckets::nextStart(std::int64_t ms) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), ms);
    return it == starts_.end() ? std::numeric_limits<std::int64_t>::max() : *it;
}

namespace {

std::string columnOf(Dimension d) {
    switch (d) {
        case Dimension::Queue: return "coalesce(c.queue, '')";
        case Dimension::Agent: return "coalesce(c.agent, '')";
        case Dimension::Channel: return "c.channel";
        case Dimension::ChannelInstance: return "coalesce(c.channel_instance, c.channel)";
        case Dimension::Category: return "coalesce(c.category, '')";
        case Dimension::Subtype: return "coalesce(c.subtype, '')";
        case Dimension::Priority: return "coalesce(CAST(c.priority AS TEXT), '')";
        case Dimension::Tier: return "coalesce(ct.tier, '')";
        default: return "''";
    }
}

}  // namespace

Scope scopeOf(const ReportQuery& q) {
    Scope s;
    bool tier = q.filters.count(Dimension::Tier) > 0;
    for (auto d : q.group_by) tier = tier || d == Dimension::Tier;
    s.from_join = " FROM conversations c";
    if (tier) s.from_join += " LEFT JOIN contacts ct ON ct.id = c.contact_id";
    s.where = " WHERE c.created_at >= ?1 AND c.created_at < ?2";
    s.params = {q.from_ms, q.to_ms};
    for (const auto& [dim, value] : q.filters) {
        // The priority column itself, compared with a number (parseReportQuery checked it).
        if (dim == Dimension::Priority) s.params.emplace_back(std::int64_t{std::stoi(value)});
        else s.params.emplace_back(value);
        s.where += " AND " + (dim == Dimension::Priority ? std::string("c.priority") : columnOf(dim)) +
                   " = ?" + std::to_string(s.params.size());
    }
    return s;
}

namespace {

std::string label(const ReportRows& st, int col, Dimension d) {
    if (st.isNull(col)) return "";
    if (d == Dimension::Priority) {
        auto v = st.columnText(col);
        return v.empty() ? v : "p" + v;
    }
    return st.columnText(col);
}

}  // namespace

Cell seconds(double ms) { return std::round(ms) / 1000.0; }

Cell mean(const std::vector<double>& v) {
    if (v.empty()) return std::monostate{};
    double sum = 0;
    for (double x : v) sum += x;
    return seconds(sum / static_cast<double>(v.size()));
}

Cell ratio(std::int64_t part, std::int64_t whole) {
    if (whole == 0) return std::monostate{};
    return std::round(10000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 10000.0;
}

// Sorted copies: median, p90 and mean of milliseconds, as seconds.
void stats(std::vector<double> v, std::vector<Cell>& row) {
    std::sort(v.begin(), v.end());
    Cell p50 = percentile(v, 50), p90 = percentile(v, 90);
    row.push_back(std::holds_alternative<double>(p50) ? seconds(std::get<double>(p50)) : p50);
    row.push_back(std::holds_alternative<double>(p90) ? seconds(std::get<double>(p90)) : p90);
    row.push_back(mean(v));
}

Run::Run(ReportDb& db, const ReportQuery& q, const LocalCalendar& cal,
         const routing::BusinessHours* hours)
    : db_(db), q_(q), hours_(hours), buckets_(cal, q.from_ms, q.to_ms), scope_(scopeOf(q)) {}

ReportTable Run::run() {
    ReportTable t;
    t.report = toString(q_.kind);
    t.from_ms = q_.from_ms;
    t.to_ms = q_.to_ms;
    for (auto d : q_.group_by) t.group_by.push_back(toString(d));
    t.columns = t.group_by;
    const bool conversations = q_.kind != ReportKind::AgentTime &&  // a time view, no cohort
                               q_.kind != ReportKind::Cases && q_.kind != ReportKind::CaseStages;
    if (conversations) loadConversations();
    switch (q_.kind) {
        case ReportKind::Volume: loadMessages(); loadCalls(); volume(t); break;
        case ReportKind::ResponseTimes: loadMessages(); responseTimes(t); break;
        case ReportKind::Sla: sla(t); break;
        case ReportKind::Csat: loadSurveys(); csat(t); break;
        case ReportKind::Agents: agents(t); break;
        case ReportKind::Quality: quality(t); break;
        case ReportKind::AgentTime: agentTime(t); break;
        case ReportKind::Cases: cases(t); break;
        case ReportKind::CaseStages: caseStages(t); break;
    }
    std::sort(t.rows.begin(), t.rows.end(), [n = t.group_by.size()](const auto& a, const auto& b) {
        for (std::size_t i = 0; i < n; ++i) {
            if (a[i] != b[i]) return a[i] < b[i];
        }
        return false;
    });
    return t;
}

Key Run::keyOf(const Conversation& c, const std::string* agent) const {
    Key k = c.key;
    if (agent) {
        for (std::size_t i = 0; i < q_.group_by.size(); ++i)
            if (q_.group_by[i] == Dimension::Agent) k[i] = *agent;
    }
    return k;
}

void Run::loadConversations() {
    std::string sql = "SELECT c.id, c.created_at, c.rating, " +
                      db_.jsonField("c.routing", "resolved_at") +
                      ", c.channel, coalesce(c.category, '')";
    for (auto d : q_.group_by) sql += ", " + columnOf(d);
    auto rows = db_.query(sql + scope_.from_join + scope_.where, scope_.params);
    const ReportRows& st = *rows;
    while (rows->next()) {
        Conversation c;
        c.id = st.columnInt(0);
        c.created = st.columnInt(1);
        if (!st.isNull(2)) c.rating = static_cast<int>(st.columnInt(2));
        if (!st.isNull(3)) c.resolved = st.columnInt(3);
        c.voice = st.columnText(4) == "voice";
        c.category = st.columnText(5);
        for (std::size_t i = 0; i < q_.group_by.size(); ++i) {
            auto d = q_.group_by[i];
            if (d == Dimension::Day || d == Dimension::Week || d == Dimension::Month)
                c.key.push_back(buckets_.label(d, c.created));
            else
                c.key.push_back(label(st, static_cast<int>(6 + i), d));
        }
        min_id_ = convs_.empty() ? c.id : std::min(min_id_, c.id);
        max_id_ = convs_.empty() ? c.id : std::max(max_id_, c.id);
        index_[c.id] = convs_.size();
        convs_.push_back(std::move(c));
    }
}

Conversation* Run::find(std::int64_t id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &convs_[it->second];
}

// Messages and events are read by conversation id range (the cohort's smallest to largest
// id, through the per-conversation indexes, in order: no sort) and matched to the cohort
// here; ids outside it (other queues under a filter) are skipped.
void Run::loadMessages() {
    if (convs_.empty()) return;
    auto st = db_.query("SELECT m.conversation_id,"
                        " sum(CASE WHEN m.direction = 'in' THEN 1 ELSE 0 END),"
                        " sum(CASE WHEN m.direction = 'out' THEN 1 ELSE 0 END),"
                        " min(CASE WHEN m.direction = 'out' AND m.author <> 'auto'"
                        " THEN m.created_at END) FROM messages m"
                        " WHERE m.conversation_id BETWEEN ?1 AND ?2 GROUP BY m.conversation_id",
                        {min_id_, max_id_});
    while (st->next()) {
        Conversation* c = find(st->columnInt(0));
        if (!c) continue;
        c->messages_in = st->columnInt(1);
        c->messages_out = st->columnInt(2);
        if (!st->isNull(3)) c->first_response = st->columnInt(3);
    }
}

// The calls of the cohort's voice conversations, by the phone system's call id (call.* events,
// which the intake stores on the conversation the call opened or joined).
void Run::loadCalls() {
    if (std::none_of(convs_.begin(), convs_.end(), [](const auto& c) { return c.voice; })) return;
    struct Call {
        bool offered = false, answered = false, ended = false;
    };
    std::int64_t current = 0;
    std::map<std::string, Call> calls;
    auto settle = [&] {
        Conversation* c = find(current);
        if (c && c->voice) {
            for (const auto& [id, call] : calls) {
                if (!call.offered) continue;
                ++c->calls_offered;
                if (call.answered) ++c->calls_answered;
                else if (call.ended) ++c->calls_abandoned;
            }
        }
        calls.clear();
    };
    forEvents("'call.ringing', 'call.answered', 'call.hangup'", "call_id", "direction",
              [&](Conversation& c, const std::string& type, std::int64_t, const std::string& id,
                  const std::string& direction) {
                  if (c.id != current) settle();
                  current = c.id;
                  auto& call = calls[id];
                  if (type == "call.ringing") {
                      call.offered = call.offered || direction != "out";
                  } else if (type == "call.answered") {
                      call.answered = call.answered || !call.ended;  // not after its end
                  } else {
                      call.ended = true;
                  }
              });
    settle();
}

std::optional<double> Run::business(std::int64_t from, std::int64_t to) const {
    if (!hours_) return std::nullopt;
    using routing::TimePoint;
    auto ms = hours_->businessTimeBetween(TimePoint(std::chrono::milliseconds(from)),
                                          TimePoint(std::chrono::milliseconds(to)));
    return static_cast<double>(ms.count());
}

void Run::volume(ReportTable& t) {
    for (const char* c : {"conversations", "messages_in", "messages_out", "resolved",
                          "calls_offered", "calls_answered", "calls_abandoned"})
        t.columns.push_back(c);
    std::map<Key, std::array<std::int64_t, 7>> groups;
    for (const auto& c : convs_) {
        auto& g = groups[keyOf(c)];
        g[0] += 1;
        g[1] += c.messages_in;
        g[2] += c.messages_out;
        g[3] += c.resolved ? 1 : 0;
        g[4] += c.calls_offered;
        g[5] += c.calls_answered;
        g[6] += c.calls_abandoned;
    }
    for (const auto& [k, g] : groups) {
        std::vector<Cell> row(k.begin(), k.end());
        for (auto v : g) row.push_back(v);
        t.rows.push_back(std::move(row));
    }
}

void Run::responseTimes(ReportTable& t) {
    for (const char* c : {"conversations", "responded", "frt_median_s", "frt_p90_s",
                          "frt_mean_s", "frt_business_median_s", "frt_business_p90_s",
                          "frt_business_mean_s", "resolved", "resolution_median_s",
                          "resolution_p90_s", "resolution_mean_s",
                          "resolution_business_median_s", "resolution_business_p90_s",
                          "resolution_business_mean_s"})
        t.columns.push_back(c);
    struct G {
        std::int64_t n = 0;
        std::vector<double> frt, frt_b, res, res_b;
    };
    std::map<Key, G> groups;
    for (const auto& c : convs_) {
        auto& g = groups[keyOf(c)];
        ++g.n;
        if (c.first_response) {
            g.frt.push_back(static_cast<double>(*c.first_response - c.created));
            if (auto b = business(c.created, *c.first_response)) g.frt_b.push_back(*b);
        }
        if (c.resolved) {
            g.res.push_back(static_cast<double>(*c.resolved - c.created));
            if (auto b = business(c.created, *c.resolved)) g.res_b.push_back(*b);
        }
    }
    for (auto& [k, g] : groups) {
        std::vector<Cell> row(k.begin(), k.end());
        row.push_back(g.n);
        row.push_back(static_cast<std::int64_t>(g.frt.size()));
        stats(g.frt, row);
        stats(g.frt_b, row);
        row.push_back(static_cast<std::int64_t>(g.res.size()));
        stats(g.res, row);
        stats(g.res_b, row);
        t.rows.push_back(std::move(row));
    }
}

void Run::sla(ReportTable& t) {
    for (const char* c : {"milestone", "clocks", "met", "breached", "running", "attainment",
                          "breach_alerts", "escalations"})
        t.columns.push_back(c);
    // Breach alerts per (conversation, milestone) and the instants they fired at; an
    // escalation is a priority change for "sla_breach" in the same engine step.
    std::map<std::pair<std::int64_t, std::string>, std::vector<std::int64_t>> breaches;
    std::map<std::int64_t, std::vector<std::int64_t>> escalations;
    forEvents("'sla_breach', 'priority_changed'", "milestone", "reason",
              [&](Conversation& c, const std::string& type, std::int64_t at,
                  const std::string& milestone, const std::string& reason) {
                  if (type == "sla_breach") breaches[{c.id, milestone}].push_back(at);
                  else if (reason == "sla_breach") escalations[c.id].push_back(at);
              });
    struct G {
        std::int64_t clocks = 0, met = 0, breached = 0, running = 0, alerts = 0, escalated = 0;
    };
    std::map<Key, std::map<std::string, G>> groups;
    auto st = db_.query("SELECT c.id, " + db_.jsonField("d.value", "milestone") + ", " +
                            db_.jsonField("d.value", "due_at") + ", " +
                            db_.jsonField("d.value", "met_at") + " FROM conversations c, " +
                            db_.jsonElements("c.routing", "deadlines", "d") +
                            " WHERE c.id BETWEEN ?1 AND ?2",
                        {min_id_, max_id_});
    while (st->next()) {
        Conversation* c = find(st->columnInt(0));
        if (!c) continue;
        std::string m = st->columnText(1);
        std::int64_t due = st->columnInt(2);
        std::optional<std::int64_t> met;
        if (!st->isNull(3)) met = st->columnInt(3);
        auto& g = groups[keyOf(*c)][m];
        ++g.clocks;
        auto b = breaches.find({c->id, m});
        std::int64_t alerts = b == breaches.end() ? 0 : static_cast<std::int64_t>(b->second.size());
        g.alerts += alerts;
        if (alerts > 0) {
            auto e = escalations.find(c->id);
            if (e != escalations.end())
                for (auto at : b->second)
                    g.escalated += std::count(e->second.begin(), e->second.end(), at);
        }
        if (alerts > 0 || (met && *met > due)) {
            ++g.breached;
        } else if ((met && *met <= due) || (c->resolved && *c->resolved <= due)) {
            ++g.met;
        } else if (due <= q_.now_ms && !c->resolved) {
            ++g.breached;  // due, not met, no alert (the daemon was down): still a breach
        } else {
            ++g.running;
        }
    }
    for (const auto& [k, per] : groups) {
        for (const char* m : kMilestones) {
            auto it = per.find(m);
            if (it == per.end()) continue;
            const G& g = it->second;
            std::vector<Cell> row(k.begin(), k.end());
            row.push_back(std::string(m));
            for (auto v : {g.clocks, g.met, g.breached, g.running}) row.push_back(v);
            row.push_back(ratio(g.met, g.met + g.breached));
            row.push_back(g.alerts);
            row.push_back(g.escalated);
            t.rows.push_back(std::move(row));
        }
    }
}

}  // namespace detail

Cell percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return std::monostate{};
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

ReportTable runReport(ReportDb& db, const ReportQuery& query, const LocalCalendar& calendar,
                      const routing::BusinessHours* hours) {
    ReportTable t = detail::Run(db, query, calendar, hours).run();
    t.time_zone = calendar.timeZone();
    return t;
}

}  // namespace ccd::daemon::reports

namespace ccd::daemon::reports {

ReportOutcome makeReport(ReportDb& db, const std::string& name,
                         const std::map<std::string, std::string>& params,
                         const routing::BusinessCalendar* calendar, std::int64_t now_ms) {
    ReportOutcome out;
    try {
        LocalCalendar local(calendar ? calendar->time_zone : std::string("UTC"));
        std::optional<routing::BusinessHours> hours;
        if (calendar) hours.emplace(*calendar);
        auto parsed = parseReportQuery(name, params, local, now_ms);
        if (!parsed.query) {
            out.error = parsed.error;
            out.bad_request = true;
            return out;
        }
        db.snapshot([&] {
            out.table = runReport(db, *parsed.query, local, hours ? &*hours : nullptr);
        });
    } catch (const std::exception& e) {
        out.error = e.what();
    }
    return out;
}

void runBelowIntake() {
    // On Linux, pid 0 is the calling thread for both calls.
    sched_param none{};
    ::sched_setscheduler(0, SCHED_IDLE, &none);
    constexpr long kIoprioWhoProcess = 1, kIoprioClassIdle = 3, kIoprioClassShift = 13;
    ::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0L, kIoprioClassIdle << kIoprioClassShift);
}

}  // namespace ccd::daemon::reports
