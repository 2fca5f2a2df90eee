#include "daemon/store/postgres/pg_audit.hpp"

#define BOOST_TEST_MODULE pg_audit_itest
#include <boost/test/unit_test.hpp>

#include "daemon/store/sqlite/sqlite_audit.hpp"
#include "tests/support/store_pair.hpp"

// The audit log's functions on both stores: each check runs SQLite's function on a migrated
// file and PostgreSQL's on a database of its own, then compares results and rows.

using namespace ccd;
using store::AuditQuery;
using store::AuditRecord;
using testing::StorePair;
namespace lite = store::sqlite;
namespace pg = store::postgres;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

std::string describe(const store::AuditPage& page) {
    std::string out;
    for (const auto& e : page.entries)
        out += std::to_string(e.id) + "|" + std::to_string(e.at_ms) + "|" + e.actor_kind + "|" +
               e.actor + "|" + e.action + "|" + e.object_kind + "|" + e.object_id + "|" +
               e.detail_json + "|" + e.remote + "|" + e.outcome + "\n";
    return out + "next " + (page.next_before_id ? std::to_string(*page.next_before_id) : "-");
}

void sameTable(StorePair& s) {
    s.sameRows(
        "SELECT id, at, actor_kind, actor, action, object_kind, object_id, detail, remote,"
        " outcome FROM audit_log ORDER BY id");
    s.sameRows("SELECT id, before FROM audit_purge");
}

// 60 entries over a few actors, actions (with look-alike prefixes) and objects; every few
// share a time.
void seed(StorePair& s) {
    const char* actions[] = {"contact.read", "contact.erase",     "contactx.read", "contact",
                             "auth.login",   "conversation.read", "contact/odd"};
    for (int i = 0; i < 60; ++i) {
        AuditRecord e;
        e.at_ms = kT0 + (i / 3) * 1000;
        e.actor_kind = i % 2 ? "account" : "api_key";
        e.actor = i % 3 ? "alice" : "k_123";
        e.action = actions[i % 7];
        e.object_kind = i % 5 ? "contact" : "";
        e.object_id = i % 5 ? "CRM-" + std::to_string(i % 4) : "";
        e.detail_json = i % 6 ? "{\"n\":" + std::to_string(i) + ",\"t\":\"王 \\\"q\\\"\"}" : "";
        e.remote = i % 4 ? "203.0.113.7" : "";
        e.outcome = i % 8 ? "ok" : "denied";
        auto a = s.inLite([&](auto& db) { return lite::insertAudit(db, e); });
        auto b = s.inPg([&](auto& db) { return pg::insertAudit(db, e); });
        BOOST_TEST(a == b);
    }
}

std::string page(StorePair& s, const AuditQuery& q) {
    return testing::sameResult(lite::readAudit(s.lite(), q), pg::readAudit(s.pg(), q),
                               [](const auto& p) { return describe(p); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(entries_are_appended_as_given) {
    StorePair s;
    seed(s);
    sameTable(s);
    // Empty fields are NULL, an empty detail is {} (entry 0 has all three).
    BOOST_TEST(s.pgRows("SELECT count(*) FROM audit_log WHERE object_kind IS NULL AND remote"
                        " IS NULL AND detail = '{}'")
                   .at(0)
                   .at(0)
                   .value_or("") == "1");
}

BOOST_AUTO_TEST_CASE(pages_by_every_filter_newest_first) {
    StorePair s;
    seed(s);
    for (std::size_t limit : {std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
        AuditQuery q;
        q.limit = limit;
        page(s, q);
        for (const char* action : {"contact.", "contact", "contact.read", "auth.", "nothing."}) {
            AuditQuery a = q;
            a.action = action;
            page(s, a);
        }
        AuditQuery f = q;
        f.actor = "alice";
        f.object_kind = "contact";
        f.object_id = "CRM-1";
        page(s, f);
        AuditQuery t = q;
        t.since_ms = kT0 + 3000;
        t.until_ms = kT0 + 9000;
        t.actor = "k_123";
        page(s, t);
    }
    // Walking the cursor pages through everything once.
    AuditQuery q;
    q.limit = 8;
    q.action = "contact.";
    std::size_t seen = 0;
    for (int pages = 0; pages < 20; ++pages) {
        auto p = pg::readAudit(s.pg(), q);
        BOOST_TEST(describe(p) == describe(lite::readAudit(s.lite(), q)));
        seen += p.entries.size();
        if (!p.next_before_id) break;
        q.before_id = p.next_before_id;
    }
    // contact.read and contact.erase only: 9 + 9 of 60.
    BOOST_TEST(seen == 18u);
}

BOOST_AUTO_TEST_CASE(only_the_retention_removes_entries_oldest_first) {
    StorePair s;
    seed(s);
    // The triggers refuse any other change, on both.
    BOOST_CHECK_THROW(s.lite().exec("DELETE FROM audit_log WHERE id = 1"), std::exception);
    BOOST_CHECK_THROW(s.pg().exec("DELETE FROM audit_log WHERE id = 1"), std::exception);
    BOOST_CHECK_THROW(s.pg().exec("UPDATE audit_log SET actor = 'x'"), std::exception);

    const std::int64_t cut = kT0 + 10'000;  // 30 entries are older
    BOOST_TEST(lite::countAuditBefore(s.lite(), cut) == 30u);
    BOOST_TEST(pg::countAuditBefore(s.pg(), cut) == 30u);
    // In batches of 7, ties on the time split across batches alike; the last one is short.
    std::vector<std::size_t> removed_lite, removed_pg;
    for (int i = 0; i < 5; ++i) {
        removed_lite.push_back(s.inLite([&](auto& db) { return lite::purgeAudit(db, cut, 7); }));
        removed_pg.push_back(s.inPg([&](auto& db) { return pg::purgeAudit(db, cut, 7); }));
        sameTable(s);
    }
    BOOST_TEST(removed_lite == removed_pg);
    BOOST_TEST(removed_pg.back() == 2u);
    // Without a transaction of the caller's: one of its own, and the cut-off closed after.
    BOOST_TEST(pg::purgeAudit(s.pg(), kT0 + 20'000, 100) == 30u);
    BOOST_TEST(s.pgRows("SELECT before FROM audit_purge").at(0).at(0).value_or("") == "0");
    BOOST_TEST(pg::countAuditBefore(s.pg(), kT0 + 1'000'000) == 0u);
    // The cut-off closed: a new entry cannot be deleted.
    AuditRecord e;
    e.at_ms = kT0;
    e.actor_kind = "cli";
    e.actor = "root";
    e.action = "audit.test";
    pg::insertAudit(s.pg(), e);
    BOOST_CHECK_THROW(s.pg().exec("DELETE FROM audit_log"), std::exception);
}
