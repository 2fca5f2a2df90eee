#pragma once
// A real, migrated store for the KPI report tests (docs/kpis.md), and helpers to write
// conversations, messages and engine events into it as the daemon stores them. Each test
// seeds its own conversations and works its expected figures out by hand. The store is an
// SQLite file, or a PostgreSQL database of the test's own when the test binary's first argument
// is "postgres" (tests/postgres.cmake runs the report suites so again, on the pg_cluster
// fixture's server): the same suite, the same figures, on both.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "daemon/json_time.hpp"
#include "daemon/reports/pg_report_db.hpp"
#include "daemon/reports/report_engine.hpp"
#include "daemon/reports/report_format.hpp"
#include "daemon/reports/sqlite_report_db.hpp"
#include "daemon/routing_json.hpp"
#include "daemon/store/postgres/pg_schema.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "routing/business_hours.hpp"
#include "routing/engine_types.hpp"
#include "tests/support/pg_test_db.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_argument.hpp"

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

/// A statement parameter of ReportStore::write.
using Value = std::variant<std::nullptr_t, std::int64_t, std::string>;
inline Value text(const char* s) { return s ? Value(std::string(s)) : Value(nullptr); }

/// The store; `now` is the reports' now.
struct ReportStore {
    explicit ReportStore(const char* now_rfc3339) : now(ms(now_rfc3339)) {
        if (ccd::testing::argument(1, "sqlite") == "postgres") {
            pg_db = std::make_unique<ccd::testing::PgTestDatabase>();
            pg = std::make_unique<ccd::store::postgres::Connection>(pg_db->options());
            ccd::store::postgres::migrate(*pg);
            db_reader = std::make_unique<reports::PgReportDb>(*pg);
            return;
        }
        // The store creates and migrates the file, as the daemon would.
        ccd::store::sqlite::SqliteStore({path}, nullptr).close();
        db = std::make_unique<Connection>(path, false);
        db_reader = std::make_unique<reports::SqliteReportDb>(db->handle());
    }

    /// What the reports read.
    reports::ReportDb& reader() { return *db_reader; }

    /// SQL that both dialects accept, without parameters.
    void exec(const std::string& sql) {
        if (pg) pg->exec(sql);
        else db->exec(sql);
    }

    /// One statement with parameters ?1, ?2, ...
    void write(const std::string& sql, const std::vector<Value>& values) {
        if (pg) {
            std::vector<ccd::store::postgres::Param> params;
            for (const auto& v : values) {
                if (const auto* n = std::get_if<std::int64_t>(&v)) params.emplace_back(*n);
                else if (const auto* t = std::get_if<std::string>(&v)) params.emplace_back(*t);
                else params.emplace_back(nullptr);
            }
            pg->execute(reports::dollarParameters(sql), params);
            return;
        }
        Statement st(db->handle(), sql);
        for (std::size_t i = 0; i < values.size(); ++i) {
            const int at = static_cast<int>(i + 1);
            if (const auto* n = std::get_if<std::int64_t>(&values[i])) st.bind(at, *n);
            else if (const auto* t = std::get_if<std::string>(&values[i]))
                st.bind(at, std::string_view(*t));
            else st.bindNull(at);
        }
        st.run();
    }

    /// The contact `id`, unless there is one (PostgreSQL enforces the foreign keys).
    void contact(std::int64_t id) {
        write("INSERT INTO contacts (id, created_at, updated_at) VALUES (?1, 0, 0)"
              " ON CONFLICT (id) DO NOTHING",
              {id});
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
        contact(c.id);
        write("INSERT INTO conversations (id, contact_id, channel, channel_instance, status,"
              " created_at, updated_at, routing, category, priority, queue, agent, rating,"
              " subtype) VALUES (?1, ?1, ?2, ?2, 'open', ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
              {c.id, text(c.channel), ms(c.created), ccd::store::sqlite::snapshotToJson(s),
               text(c.category), std::int64_t{c.priority}, text(c.queue), text(c.agent),
               c.rating ? Value(std::int64_t{*c.rating}) : Value(nullptr), text(c.subtype)});
    }

    void message(std::int64_t conv, const char* dir, const char* author, const char* at) {
        write("INSERT INTO messages (conversation_id, direction, channel, author, body,"
              " created_at) VALUES (?1, ?2, 'webchat', ?3, 'x', ?4)",
              {conv, text(dir), text(author), ms(at)});
    }

    // An engine action stored as the engine host stores it (type and JSON); conversation 0
    // (an agent's presence) is stored without one.
    void event(const routing::Action& a, std::int64_t conv, const char* at) {
        raw(conv, std::string(routing::actionName(a)), ccd::daemon::actionJson(a).dump(), at);
    }

    // Any event as stored (call.* events of the intake, transfer of the engine host).
    void raw(std::int64_t conv, const std::string& type, const std::string& data, const char* at) {
        write("INSERT INTO events (conversation_id, type, data, created_at)"
              " VALUES (?1, ?2, ?3, ?4)",
              {conv > 0 ? Value(conv) : Value(nullptr), type, data, ms(at)});
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
        auto out = reports::makeReport(reader(), name, params, &cal, now);
        BOOST_REQUIRE_MESSAGE(out.table, out.error);
        return reports::toJson(*out.table);
    }

    // The same report as CSV (`Accept: text/csv`).
    std::string csv(const std::string& name, std::map<std::string, std::string> params) {
        auto cal = calendar();
        auto out = reports::makeReport(reader(), name, params, &cal, now);
        BOOST_REQUIRE_MESSAGE(out.table, out.error);
        return reports::toCsv(*out.table);
    }

    ccd::testing::TempDir dir;
    std::string path = (dir.path() / "ccd.db").string();
    std::unique_ptr<Connection> db;  // SQLite
    std::unique_ptr<ccd::testing::PgTestDatabase> pg_db;
    std::unique_ptr<ccd::store::postgres::Connection> pg;  // PostgreSQL
    std::unique_ptr<reports::ReportDb> db_reader;
    std::int64_t now;
};

}  // namespace ccd::testing::report_store
