// The reports about the people on both ends: csat (with low ratings and what followed them),
// agents (with missed offers), quality (first-contact resolution, reopens, transfers,
// complaints) and agent_time (time in each presence). Definitions: docs/kpis.md.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "daemon/reports/report_run.hpp"

namespace ccd::daemon::reports::detail {

namespace {

// A low rating is followed up when an agent writes or the customer reopens within this time.
constexpr std::int64_t kFollowUpMs = 24LL * 3600 * 1000;
constexpr int kLowRating = 2;

constexpr const char* kPresences[] = {"available", "busy", "away", "wrap_up"};

}  // namespace

std::string Run::fieldSql(const std::string& names) const {
    auto bar = names.find('|');
    if (bar == std::string::npos) return db_.jsonField("e.data", names);
    return "coalesce(" + fieldSql(names.substr(0, bar)) + ", " + fieldSql(names.substr(bar + 1)) +
           ")";
}

void Run::loadSurveys() {
    forEvents("'auto_reply', 'rating'", "reason", "rating",
              [](Conversation& c, const std::string& type, std::int64_t at,
                 const std::string& reason, const std::string&) {
                  if (type == "rating") c.rating_at = at;  // the last one counts
                  else if (reason == "survey") c.survey = true;
              });
}

void Run::csat(ReportTable& t) {
    for (const char* c : {"conversations", "surveys", "ratings", "rating_1", "rating_2",
                          "rating_3", "rating_4", "rating_5", "average", "response_rate",
                          "low_ratings", "low_followed_up", "low_follow_up_rate"})
        t.columns.push_back(c);
    struct G {
        std::int64_t n = 0, surveys = 0, ratings = 0, sum = 0, low = 0, followed = 0;
        std::array<std::int64_t, 5> by{};
    };
    // The first agent message or reopening after the rating, for the few low ratings only.
    // (substr, not LIKE: SQLite's LIKE ignores the case of ASCII letters, PostgreSQL's not.)
    const std::string next_sql =
        "SELECT min(at) FROM (SELECT min(created_at) AS at FROM messages"
        " WHERE conversation_id = ?1 AND direction = 'out' AND substr(author, 1, 6) ="
        " 'agent:' AND created_at > ?2 UNION ALL SELECT min(created_at) FROM"
        " events WHERE conversation_id = ?1 AND type = 'queued' AND " +
        db_.jsonField("data", "reason") + " = 'reopened' AND created_at > ?2) AS follow_up";
    std::map<Key, G> groups;
    for (const auto& c : convs_) {
        auto& g = groups[keyOf(c)];
        ++g.n;
        if (c.survey) ++g.surveys;
        if (c.rating && *c.rating >= 1 && *c.rating <= 5) {
            ++g.ratings;
            g.sum += *c.rating;
            ++g.by[static_cast<std::size_t>(*c.rating - 1)];
            if (*c.rating <= kLowRating) {
                ++g.low;
                if (!c.rating_at) continue;  // a rating without its event: nothing to measure from
                auto next = db_.query(next_sql, {c.id, *c.rating_at});
                if (next->next() && !next->isNull(0) &&
                    next->columnInt(0) <= *c.rating_at + kFollowUpMs)
                    ++g.followed;
            }
        }
    }
    for (const auto& [k, g] : groups) {
        std::vector<Cell> row(k.begin(), k.end());
        row.push_back(g.n);
        row.push_back(g.surveys);
        row.push_back(g.ratings);
        for (auto v : g.by) row.push_back(v);
        row.push_back(g.ratings ? Cell(std::round(1000.0 * static_cast<double>(g.sum) /
                                                  static_cast<double>(g.ratings)) / 1000.0)
                                : Cell(std::monostate{}));
        row.push_back(ratio(g.ratings, g.surveys));
        row.push_back(g.low);
        row.push_back(g.followed);
        row.push_back(ratio(g.followed, g.low));
        t.rows.push_back(std::move(row));
    }
}

void Run::agents(ReportTable& t) {
    for (const char* c : {"offers", "accepted", "missed_offers", "handled", "aht_median_s",
                          "aht_mean_s", "transfers_out"})
        t.columns.push_back(c);
    struct G {
        std::int64_t offers = 0, accepted = 0, missed = 0, transfers = 0;
        std::vector<double> handle;
    };
    std::map<Key, G> groups;
    std::map<std::pair<std::int64_t, std::string>, std::int64_t> holding;  // assigned at
    // b: a transfer's "from", an offer_revoked's "reason".
    forEvents("'offer', 'assigned', 'resolved', 'transfer', 'offer_revoked'", "agent",
              "from|reason",
              [&](Conversation& c, const std::string& type, std::int64_t at,
                  const std::string& agent, const std::string& b) {
                  const std::string& who = type == "transfer" ? b : agent;
                  if (who.empty()) return;
                  if (type == "offer_revoked" && b != "timeout" && b != "declined") return;
                  auto& g = groups[keyOf(c, &who)];
                  if (type == "offer") {
                      ++g.offers;
                  } else if (type == "offer_revoked") {
                      ++g.missed;
                  } else if (type == "assigned") {
                      ++g.accepted;
                      holding[{c.id, who}] = at;
                  } else if (type == "transfer") {
                      ++g.transfers;
                      holding.erase({c.id, who});
                  } else {
                      auto h = holding.find({c.id, who});
                      if (h == holding.end()) return;  // resolved without an assignment
                      g.handle.push_back(static_cast<double>(at - h->second));
                      holding.erase(h);
                  }
              });
    for (auto& [k, g] : groups) {
        std::vector<Cell> row(k.begin(), k.end());
        row.push_back(g.offers);
        row.push_back(g.accepted);
        row.push_back(g.missed);
        row.push_back(static_cast<std::int64_t>(g.handle.size()));
        std::vector<Cell> s;
        stats(g.handle, s);
        row.push_back(s[0]);
        row.push_back(s[2]);
        row.push_back(g.transfers);
        t.rows.push_back(std::move(row));
    }
}

void Run::quality(ReportTable& t) {
    for (const char* c : {"conversations", "resolved", "first_contact_resolved", "fcr_rate",
                          "resolved_ever", "reopened", "reopen_rate", "transfers",
                          "transfers_per_conversation", "complaints", "complaint_rate"})
        t.columns.push_back(c);
    forEvents("'resolved', 'queued', 'transfer'", "reason", "from",
              [](Conversation& c, const std::string& type, std::int64_t, const std::string& reason,
                 const std::string&) {
                  if (type == "resolved") ++c.resolutions;
                  else if (type == "transfer") ++c.transfers;
                  else if (reason == "reopened") ++c.reopens;
              });
    struct G {
        std::int64_t n = 0, resolved = 0, fcr = 0, ever = 0, reopened = 0, transfers = 0,
                     complaints = 0;
    };
    std::map<Key, G> groups;
    for (const auto& c : convs_) {
        auto& g = groups[keyOf(c)];
        ++g.n;
        if (c.resolved) ++g.resolved;
        if (c.resolved && c.reopens == 0 && c.transfers == 0) ++g.fcr;
        if (c.resolutions > 0) ++g.ever;
        if (c.reopens > 0) ++g.reopened;
        g.transfers += c.transfers;
        if (c.category == "complaint") ++g.complaints;
    }
    for (const auto& [k, g] : groups) {
        std::vector<Cell> row(k.begin(), k.end());
        row.push_back(g.n);
        row.push_back(g.resolved);
        row.push_back(g.fcr);
        row.push_back(ratio(g.fcr, g.resolved));
        row.push_back(g.ever);
        row.push_back(g.reopened);
        row.push_back(ratio(g.reopened, g.ever));
        row.push_back(g.transfers);
        row.push_back(ratio(g.transfers, g.n));
        row.push_back(g.complaints);
        row.push_back(ratio(g.complaints, g.n));
        t.rows.push_back(std::move(row));
    }
}

// Presence changes are engine actions (agent_state) stored without a conversation; each
// agent is offline until their first one. Every interval is cut to [from, min(to, now)) and
// at local midnights, so that a day (week, month) gets its own part. Occupancy is the part of
// the time not offline in which the agent held at least one conversation (holds()).
void Run::agentTime(ReportTable& t) {
    for (const char* c : {"available_s", "busy_s", "away_s", "wrap_up_s", "logged_in_s",
                          "occupied_s", "occupancy"})
        t.columns.push_back(c);
    const std::int64_t end = std::min(q_.to_ms, q_.now_ms);
    auto agent_filter = q_.filters.find(Dimension::Agent);
    auto wanted = [&](const std::string& agent) {
        return agent_filter == q_.filters.end() || agent == agent_filter->second;
    };
    constexpr std::size_t kOccupied = std::size(kPresences);
    std::map<Key, std::array<std::int64_t, kOccupied + 1>> groups;
    // Adds [a, b), cut to the range and at bucket starts, to column `col` of the agent's rows.
    auto add = [&](const std::string& agent, std::size_t col, std::int64_t a, std::int64_t b) {
        a = std::max(a, q_.from_ms);
        b = std::min(b, end);
        while (a < b) {
            std::int64_t cut = std::min(b, buckets_.nextStart(a));
            Key k;
            for (auto d : q_.group_by) k.push_back(d == Dimension::Agent ? agent : buckets_.label(d, a));
            groups[k][col] += cut - a;
            a = cut;
        }
    };
    // Each agent's time not offline, in order: [from, to) and the presence's column.
    struct Span {
        std::int64_t from, to;
        std::size_t col;
    };
    std::map<std::string, std::vector<Span>> online;
    auto presenceSpan = [&](const std::string& agent, const std::string& presence,
                            std::int64_t a, std::int64_t b) {
        auto p = std::find(std::begin(kPresences), std::end(kPresences), presence);
        if (p == std::end(kPresences) || a >= b) return;  // offline
        online[agent].push_back({a, b, static_cast<std::size_t>(p - std::begin(kPresences))});
    };
    std::map<std::string, std::pair<std::string, std::int64_t>> since;  // presence, from when
    auto rows = db_.query("SELECT created_at, " + db_.jsonField("data", "agent") + ", " +
                              db_.jsonField("data", "presence") +
                              " FROM events WHERE conversation_id IS NULL AND type ="
                              " 'agent_state' AND created_at < ?1 ORDER BY id",
                          {end});
    const ReportRows& st = *rows;
    while (rows->next()) {
        std::string agent = st.columnText(1);
        if (!wanted(agent)) continue;
        auto [it, fresh] = since.try_emplace(agent, "offline", st.columnInt(0));
        if (!fresh) presenceSpan(agent, it->second.first, it->second.second, st.columnInt(0));
        it->second = {st.columnText(2), st.columnInt(0)};
    }
    for (const auto& [agent, state] : since) presenceSpan(agent, state.first, state.second, end);

    const auto held = online.empty() ? decltype(holds(end)){} : holds(end);
    for (auto& [agent, spans] : online) {
        const auto h = held.find(agent);
        std::size_t i = 0;
        for (const auto& s : spans) {
            add(agent, s.col, s.from, s.to);
            if (h == held.end()) continue;
            // Both lists are in time order and neither overlaps itself: walk them together.
            const auto& hs = h->second;
            while (i < hs.size() && hs[i].second <= s.from) ++i;
            for (std::size_t j = i; j < hs.size() && hs[j].first < s.to; ++j)
                add(agent, kOccupied, std::max(s.from, hs[j].first), std::min(s.to, hs[j].second));
        }
    }
    for (const auto& [k, g] : groups) {
        std::vector<Cell> row(k.begin(), k.end());
        std::int64_t total = 0;
        for (std::size_t i = 0; i < kOccupied; ++i) {
            row.push_back(seconds(static_cast<double>(g[i])));
            total += g[i];
        }
        row.push_back(seconds(static_cast<double>(total)));
        row.push_back(seconds(static_cast<double>(g[kOccupied])));
        row.push_back(ratio(g[kOccupied], total));
        t.rows.push_back(std::move(row));
    }
}

// A conversation is held by an agent from its `assigned` event to the next event that takes
// it away: resolved, closed, queued (re-queued, transferred, reopened) or a transfer. Found
// through events_holds, the index of those events by time (kTypes is its condition, word for
// word: SQLite uses a partial index only for a query that repeats its condition):
//   - the events of the range, in time order, replayed per conversation;
//   - who held each of those conversations when the range began, for the few whose first
//     event in the range is not an assignment (one look-up each, before `from`);
//   - conversations with no event in the range but held all through it: opened before the
//     range (id below the first conversation opened in it) and with an event after it, or
//     open now with an agent.
// Holds are cut to [from, end), then merged per agent (several at once count once).
std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> Run::holds(
    std::int64_t end) {
    static const std::string kTypes =
        "(type = 'assigned' OR type = 'resolved' OR type = 'closed' OR type = 'queued'"
        " OR type = 'transfer')";
    static const std::string kAssigned = "CASE WHEN type = 'assigned' THEN 1 ELSE 0 END";
    const std::string agent_sql = db_.jsonField("data", "agent");
    auto agent_filter = q_.filters.find(Dimension::Agent);
    std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> out;
    auto hold = [&](const std::string& agent, std::int64_t a, std::int64_t b) {
        a = std::max(a, q_.from_ms);
        b = std::min(b, end);
        if (agent.empty() || a >= b) return;
        if (agent_filter != q_.filters.end() && agent != agent_filter->second) return;
        out[agent].emplace_back(a, b);
    };
    struct Step {
        std::int64_t at;
        std::string agent;  // assigned to; empty: taken away
    };
    std::unordered_map<std::int64_t, std::vector<Step>> steps;
    {
        auto st = db_.query("SELECT conversation_id, created_at, " + kAssigned + ", " +
                                agent_sql + " FROM events" + db_.indexedBy("events_holds") +
                                " WHERE " + kTypes + " AND created_at >= ?1 AND created_at < ?2"
                                " ORDER BY created_at, conversation_id, id",
                            {q_.from_ms, end});
        while (st->next()) {
            steps[st->columnInt(0)].push_back(
                {st->columnInt(1), st->columnInt(2) ? st->columnText(3) : std::string()});
        }
    }
    // Who held `id` when the range began ("" for nobody).
    const std::string before = "SELECT " + kAssigned + ", " + agent_sql +
                               " FROM events WHERE conversation_id = ?1 AND " + kTypes +
                               " AND created_at < ?2 ORDER BY id DESC LIMIT 1";
    auto holderAtFrom = [&](std::int64_t id) {
        auto st = db_.query(before, {id, q_.from_ms});
        return st->next() && st->columnInt(0) ? st->columnText(1) : std::string();
    };
    for (const auto& [id, list] : steps) {
        std::string holder;
        std::int64_t since = q_.from_ms;
        if (list.front().agent.empty()) holder = holderAtFrom(id);
        for (const auto& step : list) {
            hold(holder, since, step.at);
            holder = step.agent;
            since = step.at;
        }
        hold(holder, since, end);
    }
    std::vector<std::int64_t> across;
    {
        std::int64_t first_in_range = std::numeric_limits<std::int64_t>::max();
        auto first = db_.query("SELECT min(id) FROM conversations" +
                                   db_.indexedBy("conversations_by_created") +
                                   " WHERE created_at >= ?1",
                               {q_.from_ms});
        if (first->next() && !first->isNull(0)) first_in_range = first->columnInt(0);
        auto later = db_.query("SELECT DISTINCT conversation_id FROM events" +
                                   db_.indexedBy("events_holds") + " WHERE " + kTypes +
                                   " AND created_at >= ?1 AND conversation_id < ?2",
                               {end, first_in_range});
        while (later->next()) across.push_back(later->columnInt(0));
        auto open = db_.query("SELECT id FROM conversations WHERE status = 'open' AND agent IS"
                              " NOT NULL");
        while (open->next()) across.push_back(open->columnInt(0));
        std::sort(across.begin(), across.end());
        across.erase(std::unique(across.begin(), across.end()), across.end());
    }
    for (auto id : across) {
        if (!steps.count(id)) hold(holderAtFrom(id), q_.from_ms, end);
    }
    for (auto& [agent, spans] : out) {
        std::sort(spans.begin(), spans.end());
        std::size_t w = 0;
        for (const auto& s : spans) {
            if (w > 0 && s.first <= spans[w - 1].second)
                spans[w - 1].second = std::max(spans[w - 1].second, s.second);
            else
                spans[w++] = s;
        }
        spans.resize(w);
    }
    return out;
}

}  // namespace ccd::daemon::reports::detail
