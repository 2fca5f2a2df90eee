// The service-case reports: cases (opened, open, closed, cancelled, time to close, repeat
// repairs) and case_stages (stays in each stage and their length). The population is the
// cases opened in the range, found through cases_by_opened. Definitions: docs/kpis.md.
#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include "daemon/json_time.hpp"
#include "daemon/reports/report_run.hpp"

namespace ccd::daemon::reports::detail {

namespace {

// The terminal stage that is not a closing (the shipped name; docs/cases.md).
constexpr const char* kCancelled = "cancelled";

std::optional<std::int64_t> millisOf(const nlohmann::json& at) {
    if (!at.is_string()) return std::nullopt;
    auto t = parseRfc3339(at.get<std::string>());
    if (!t) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

}  // namespace

struct Run::ServiceCaseRow {
    struct Stay {
        std::string stage;
        std::int64_t from = 0;
        std::optional<std::int64_t> to;  // none: the case is in it now
    };
    Key key;  // the time unit of the opening, if grouped by one, then the type
    std::int64_t opened = 0;
    std::string stage;
    bool terminal = false;
    bool repeat = false;
    std::vector<Stay> stays;
};

// A case enters its first stage when it opens, and every history entry "stage"
// ("diagnosing -> plan_proposed: note") leaves one stage for the next.
std::vector<Run::ServiceCaseRow> Run::loadCases() {
    std::vector<ServiceCaseRow> out;
    auto rows = db_.query("SELECT opened_at, type, stage, closed, body FROM cases" +
                              db_.indexedBy("cases_by_opened") +
                              " WHERE opened_at >= ?1 AND opened_at < ?2 ORDER BY id",
                          {q_.from_ms, q_.to_ms});
    const ReportRows& st = *rows;
    while (rows->next()) {
        ServiceCaseRow c;
        c.opened = st.columnInt(0);
        for (auto d : q_.group_by) c.key.push_back(buckets_.label(d, c.opened));
        c.key.push_back(st.columnText(1));
        c.stage = st.columnText(2);
        c.terminal = st.columnInt(3) != 0;
        auto body = nlohmann::json::parse(st.columnText(4), nullptr, false);
        if (body.is_discarded() || !body.is_object()) body = nlohmann::json::object();
        c.repeat = body.contains("repeat_of") && body["repeat_of"].is_number_integer();
        std::vector<std::pair<std::int64_t, std::string>> moves;  // when, to which stage
        std::string first;
        if (auto h = body.find("history"); h != body.end() && h->is_array()) {
            for (const auto& entry : *h) {
                if (!entry.is_object() || entry.value("what", "") != "stage") continue;
                const std::string detail = entry.value("detail", "");
                const auto arrow = detail.find(" -> ");
                auto at = millisOf(entry.value("at", nlohmann::json()));
                if (arrow == std::string::npos || !at) continue;
                std::string to = detail.substr(arrow + 4);
                to = to.substr(0, to.find(':'));
                if (first.empty()) first = detail.substr(0, arrow);
                moves.emplace_back(*at, to);
            }
        }
        c.stays.push_back({first.empty() ? c.stage : first, c.opened, std::nullopt});
        for (const auto& [at, to] : moves) {
            c.stays.back().to = at;
            c.stays.push_back({to, at, std::nullopt});
        }
        out.push_back(std::move(c));
    }
    return out;
}

void Run::cases(ReportTable& t) {
    t.group_by.push_back("case_type");
    t.columns = t.group_by;
    for (const char* c : {"opened", "open_now", "closed", "cancelled", "close_median_s",
                          "close_p90_s", "close_mean_s", "repeats", "repeat_rate"})
        t.columns.push_back(c);
    struct G {
        std::int64_t opened = 0, open = 0, closed = 0, cancelled = 0, repeats = 0;
        std::vector<double> to_close;
    };
    std::map<Key, G> groups;
    for (const auto& c : loadCases()) {
        auto& g = groups[c.key];
        ++g.opened;
        if (c.repeat) ++g.repeats;
        if (!c.terminal) {
            ++g.open;
        } else if (c.stage == kCancelled) {
            ++g.cancelled;
        } else {
            ++g.closed;
            g.to_close.push_back(static_cast<double>(c.stays.back().from - c.opened));
        }
    }
    for (const auto& [k, g] : groups) {
        std::vector<Cell> row(k.begin(), k.end());
        for (auto v : {g.opened, g.open, g.closed, g.cancelled}) row.push_back(v);
        stats(g.to_close, row);
        row.push_back(g.repeats);
        row.push_back(ratio(g.repeats, g.opened));
        t.rows.push_back(std::move(row));
    }
}

void Run::caseStages(ReportTable& t) {
    t.group_by.push_back("case_type");
    t.group_by.push_back("stage");
    t.columns = t.group_by;
    for (const char* c : {"entered", "in_stage_now", "left", "time_median_s", "time_p90_s",
                          "time_mean_s"})
        t.columns.push_back(c);
    struct G {
        std::int64_t entered = 0, now = 0;
        std::vector<double> stays;
    };
    std::map<Key, G> groups;
    for (const auto& c : loadCases()) {
        for (const auto& stay : c.stays) {
            Key k = c.key;
            k.push_back(stay.stage);
            auto& g = groups[k];
            ++g.entered;
            if (stay.to) g.stays.push_back(static_cast<double>(*stay.to - stay.from));
            else ++g.now;
        }
    }
    for (const auto& [k, g] : groups) {
        std::vector<Cell> row(k.begin(), k.end());
        row.push_back(g.entered);
        row.push_back(g.now);
        row.push_back(static_cast<std::int64_t>(g.stays.size()));
        stats(g.stays, row);
        t.rows.push_back(std::move(row));
    }
}

}  // namespace ccd::daemon::reports::detail
