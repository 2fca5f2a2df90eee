#pragma once
// A real, migrated SQLite store for the KPI report tests (docs/kpis.md), and helpers to write
// conversations, messages and engine events into it as the daemon stores them. Each test
// seeds its own conversations and works its expected figures out by hand.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "daemon/json_time.hpp"
#include "daemon/reports/report_engine.hpp"
#include "daemon/reports/report_format.hpp"
#include "daemon/routing_json.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "routing/business_hours.hpp"
#include "routing/engine.hpp"
#include "tests/support/temp_dir.hpp"

namespace ccd::testing::report_store {

namespace reports = ccd::daemon::reports;
namespace routing = ccd::routing;
using ccd::store::sqlite::Connection;
using ccd::store::sqlite::Statement;
using nlohmann::json;

inline std::int64_t ms(const char* rfc3339) {
    auto t = ccd::daemon::parseRfc3339(rfc3339);
    BOOST_REQUIRE(t);
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}
inline routing::TimePoint tp(const char* rfc3339) {
    return routing::TimePoint(std::chrono::milliseconds(ms(rfc3339)));
}

// Open every day 09:00-17:00 New York time; closed on Monday 2026-03-09 (a holiday).
inline routing::BusinessCalendar calendar() {
    routing::BusinessCalendar c;
    c.name = "ny";
    c.time_zone = "America/New_York";
    for (auto& day : c.week) day = {routing::DailyWindow{9 * 60, 17 * 60}};
    c.holidays = {routing::LocalDate{2026, 3, 9}};
    return c;
}

struct Conv {
    std::int64_t id;
    const char* created;
    const char* channel;
    const char* queue;
    const char* category;
    int priority;
    const char* agent;  // nullptr: none
    std::vector<routing::SlaDeadline> deadlines;
    const char* resolved;  // nullptr: not resolved
    std::optional<int> rating;
    const char* subtype = "";  // of the category; "": none
};

/// The store file; `now` is the reports' now.
struct ReportStore {
    explicit ReportStore(const char* now_rfc3339) : now(ms(now_rfc3339)) {
        // The store creates and migrates the file, as the daemon would.
        ccd::store::sqlite::SqliteStore({path}, nullptr).close();
        db = std::make_unique<Connection>(path, false);
    }
    void conversation(const Conv& c) {
        routing::ConversationSnapshot s;
        s.id = c.id;
        s.contact_id = c.id;
        s.category = c.category;
        s.subtype = c.subtype;
        s.priority = c.priority;
        s.queue = c.queue;
        s.deadlines = c.deadlines;
        s.opened_at = tp(c.created);
        if (c.resolved) s.resolved_at = tp(c.resolved);
        Statement st(db->handle(),
                     "INSERT INTO conversations (id, contact_id, channel, channel_instance, status,"
                     " created_at, updated_at, routing, category, priority, queue, agent, rating,"
                     " subtype) VALUES (?1, ?1, ?2, ?2, 'open', ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        st.bind(1, c.id).bind(2, std::string_view(c.channel)).bind(3, ms(c.created));
        st.bind(4, std::string_view(ccd::store::sqlite::snapshotToJson(s)))
            .bind(5, std::string_view(c.category))
            .bind(6, std::int64_t{c.priority})
            .bind(7, std::string_view(c.queue));
        if (c.agent) st.bind(8, std::string_view(c.agent)); else st.bindNull(8);
        if (c.rating) st.bind(9, std::int64_t{*c.rating}); else st.bindNull(9);
        st.bind(10, std::string_view(c.subtype));
        st.run();
    }

    void message(std::int64_t conv, const char* dir, const char* author, const char* at) {
        Statement st(db->handle(),
                     "INSERT INTO messages (conversation_id, direction, channel, author, body,"
                     " created_at) VALUES (?1, ?2, 'webchat', ?3, 'x', ?4)");
        st.bind(1, conv).bind(2, std::string_view(dir)).bind(3, std::string_view(author));
        st.bind(4, ms(at)).run();
    }

    // An engine action stored as the engine host stores it (type and JSON); conversation 0
    // (an agent's presence) is stored without one.
    void event(const routing::Action& a, std::int64_t conv, const char* at) {
        raw(conv, std::string(routing::actionName(a)), ccd::daemon::actionJson(a).dump(), at);
    }

    // Any event as stored (call.* events of the intake, transfer of the engine host).
    void raw(std::int64_t conv, const std::string& type, const std::string& data, const char* at) {
        Statement st(db->handle(), "INSERT INTO events (conversation_id, type, data, created_at)"
                                   " VALUES (?1, ?2, ?3, ?4)");
        if (conv > 0) st.bind(1, conv); else st.bindNull(1);
        st.bind(2, std::string_view(type)).bind(3, std::string_view(data)).bind(4, ms(at)).run();
    }

    static routing::SlaDeadline clock(routing::Milestone m, const char* started, const char* due,
                                      const char* met = nullptr) {
        routing::SlaDeadline d;
        d.milestone = m;
        d.started = d.warn_at = tp(started);
        d.due_at = tp(due);
        if (met) d.met_at = tp(met);
        return d;
    }

    json report(const std::string& name, std::map<std::string, std::string> params) {
        auto cal = calendar();
        auto out = reports::makeReport(db->handle(), name, params, &cal, now);
        BOOST_REQUIRE_MESSAGE(out.table, out.error);
        return reports::toJson(*out.table);
    }

    // The same report as CSV (`Accept: text/csv`).
    std::string csv(const std::string& name, std::map<std::string, std::string> params) {
        auto cal = calendar();
        auto out = reports::makeReport(db->handle(), name, params, &cal, now);
        BOOST_REQUIRE_MESSAGE(out.table, out.error);
        return reports::toCsv(*out.table);
    }

    ccd::testing::TempDir dir;
    std::string path = (dir.path() / "ccd.db").string();
    std::unique_ptr<Connection> db;
    std::int64_t now;
};

}  // namespace ccd::testing::report_store
