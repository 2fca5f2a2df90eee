#include "daemon/store/postgres/pg_cases.hpp"

#define BOOST_TEST_MODULE pg_cases_itest
#include <boost/test/unit_test.hpp>

#include "daemon/store/sqlite/sqlite_cases.hpp"
#include "tests/support/store_pair.hpp"

// The case functions on both stores: each check runs SQLite's function on a migrated file and
// PostgreSQL's on a database of its own, then compares what they return and the rows written.

using namespace ccd;
using store::CaseListQuery;
using store::CaseRow;
using testing::StorePair;
namespace lite = store::sqlite;
namespace pg = store::postgres;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

std::string describe(const CaseRow& r) {
    std::string out = std::to_string(r.id) + "|" + std::to_string(r.contact_id) + "|" + r.type +
                      "|" + r.stage + "|" + r.owner + "|" + (r.closed ? "closed" : "open") + "|" +
                      r.product_sku + "|" + r.product_serial.value_or("-") + "|" +
                      (r.next_wakeup_ms ? std::to_string(*r.next_wakeup_ms) : "-") + "|" + r.body +
                      "|v" + std::to_string(r.version) + "|" + std::to_string(r.opened_at_ms) +
                      "|" + std::to_string(r.updated_at_ms) + "|conv";
    for (auto c : r.conversations) out += " " + std::to_string(c);
    return out;
}
std::string describe(const std::optional<CaseRow>& r) { return r ? describe(*r) : "none"; }
std::string describe(const std::vector<CaseRow>& rows) {
    std::string out;
    for (const auto& r : rows) out += describe(r) + "\n";
    return out;
}

void sameTables(StorePair& s) {
    s.sameRows(
        "SELECT id, contact_id, type, stage, owner, closed, product_sku, product_serial,"
        " next_wakeup, body, version, opened_at, updated_at FROM cases ORDER BY id");
    s.sameRows(
        "SELECT conversation_id, case_id FROM case_conversations ORDER BY case_id,"
        " conversation_id");
    s.sameRows(
        "SELECT id, contact_id, channel, channel_instance, status, locale, created_at,"
        " updated_at FROM conversations ORDER BY id");
}

// Two contacts, contact 1 with a product and two conversations (one held by an agent).
void seed(StorePair& s) {
    s.exec(
        "INSERT INTO contacts (external_id, name, tier, locale, attributes, created_at,"
        " updated_at) VALUES ('CRM-1', 'Ann', 'gold', 'en', '{\"account_manager\":\"bob\"}', 1, 1),"
        " (NULL, NULL, 'standard', NULL, '{}', 2, 2);"
        "INSERT INTO contact_products (contact_id, sku, name, serial) VALUES"
        " (1, 'WM-100', 'Washer', 'SN-1');"
        "INSERT INTO conversations (contact_id, channel, channel_instance, status, agent,"
        " created_at, updated_at) VALUES (1, 'telegram', 'tg-main', 'closed', 'alice', 3, 3),"
        " (1, 'email', 'mail-in', 'open', NULL, 4, 4)");
}

CaseRow row(std::int64_t contact, std::string type, std::string body) {
    CaseRow r;
    r.contact_id = contact;
    r.type = std::move(type);
    r.stage = "new";
    r.body = std::move(body);
    r.opened_at_ms = kT0;
    r.updated_at_ms = kT0;
    return r;
}

std::int64_t insert(StorePair& s, const CaseRow& r) {
    auto a = s.inLite([&](auto& db) { return lite::insertCase(db, r); });
    auto b = s.inPg([&](auto& db) { return pg::insertCase(db, r); });
    BOOST_TEST(a == b);
    return b;
}

std::string list(StorePair& s, const CaseListQuery& q) {
    auto a = lite::listCases(s.lite(), q);
    auto b = pg::listCases(s.pg(), q);
    return testing::sameResult(a, b, [](const auto& x) { return describe(x); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_case_is_inserted_with_its_conversations_and_read_back) {
    StorePair s;
    seed(s);
    auto r = row(1, "repair", "{\"warranty\":{\"in_warranty\":true}}");
    r.owner = "alice";
    r.product_sku = "WM-100";
    r.product_serial = "SN-1";
    r.next_wakeup_ms = kT0 + 5000;
    r.conversations = {2, 1, 2};  // a repeat is linked once
    BOOST_TEST(insert(s, r) == 1);
    auto bare = row(2, "complaint", "not json at all");
    BOOST_TEST(insert(s, bare) == 2);
    sameTables(s);
    auto shown = testing::sameResult(lite::readCase(s.lite(), 1), pg::readCase(s.pg(), 1),
                                     [](const auto& x) { return describe(x); });
    BOOST_TEST(shown.find("|conv 1 2") != std::string::npos);
    BOOST_TEST(describe(pg::readCase(s.pg(), 2)) == describe(lite::readCase(s.lite(), 2)));
    BOOST_TEST(describe(pg::readCase(s.pg(), 2)).find("|-|-|not json") != std::string::npos);
    BOOST_TEST(describe(pg::readCase(s.pg(), 9)) == "none");
}

BOOST_AUTO_TEST_CASE(an_update_needs_the_current_version) {
    StorePair s;
    seed(s);
    auto r = row(1, "repair", "{}");
    r.conversations = {1};
    insert(s, r);
    auto current = pg::readCase(s.pg(), 1).value();
    current.stage = "diagnosing";
    current.owner = "";  // nobody: NULL
    current.closed = true;
    current.next_wakeup_ms.reset();
    current.updated_at_ms = kT0 + 10;
    current.conversations = {1, 2};
    BOOST_TEST(s.inLite([&](auto& db) { return lite::updateCase(db, current); }));
    BOOST_TEST(s.inPg([&](auto& db) { return pg::updateCase(db, current); }));
    sameTables(s);
    BOOST_TEST(pg::readCase(s.pg(), 1)->version == 2);
    // The same version again: another writer's change came first; nothing is written.
    current.stage = "lost";
    current.conversations = {1, 2, 99};
    BOOST_TEST(!s.inLite([&](auto& db) { return lite::updateCase(db, current); }));
    BOOST_TEST(!s.inPg([&](auto& db) { return pg::updateCase(db, current); }));
    current.id = 42;
    BOOST_TEST(!s.inPg([&](auto& db) { return pg::updateCase(db, current); }));
    sameTables(s);
    BOOST_TEST(pg::readCase(s.pg(), 1)->stage == "diagnosing");
}

BOOST_AUTO_TEST_CASE(lists_by_every_filter_newest_first) {
    StorePair s;
    seed(s);
    // 130 cases: owners, open or closed, linked to conversation 1 or 2, and follow-ups in every
    // form the document may hold them (or not: a document that does not parse).
    const char* bodies[] = {
        "{\"follow_ups\":[{\"status\":\"done\"},{\"status\":\"scheduled\"}]}",
        "{\"follow_ups\":[{\"status\":\"done\"}]}",
        "{\"follow_ups\":{\"a\":{\"status\":\"offered\"}}}",
        "{\"follow_ups\":[]}",
        "{broken follow_ups",
        "{\"note\":\"no follow_ups here\"}",
        // Not objects are skipped (a string element would make SQLite's json_extract fail the
        // whole query: the daemon never writes one).
        "{\"follow_ups\":[3, null, {\"status\":\"offered\"}]}",
    };
    for (int i = 0; i < 130; ++i) {
        auto r = row(1 + i % 2, i % 3 ? "repair" : "complaint", bodies[i % 7]);
        r.owner = i % 4 ? "alice" : "";
        r.closed = i % 5 == 0;
        r.conversations = {1 + i % 2};
        insert(s, r);
    }
    for (std::size_t limit : {std::size_t{1}, std::size_t{7}, std::size_t{50}, std::size_t{200}}) {
        CaseListQuery q;
        q.limit = limit;
        list(s, q);
        q.contact_id = 1;
        list(s, q);
        q.open_only = true;
        list(s, q);
        q.contact_id.reset();
        q.owner = "alice";
        list(s, q);
        q.conversation_id = 2;
        list(s, q);
        CaseListQuery f;
        f.limit = limit;
        f.pending_follow_ups = true;
        auto shown = list(s, f);
        if (limit == 200) {
            // Three bodies of seven pending, more than one page of candidates.
            BOOST_TEST(std::count(shown.begin(), shown.end(), '\n') == 56);
        }
        f.owner = "alice";
        f.open_only = true;
        list(s, f);
    }
}

BOOST_AUTO_TEST_CASE(due_cases_soonest_first_and_the_next_wakeup) {
    StorePair s;
    seed(s);
    BOOST_TEST(!pg::nextCaseWakeup(s.pg()).has_value());
    BOOST_TEST(!lite::nextCaseWakeup(s.lite()).has_value());
    for (int i = 0; i < 12; ++i) {
        auto r = row(1, "repair", "{}");
        if (i % 4 != 3) r.next_wakeup_ms = kT0 + (i % 3) * 1000;  // ties
        r.closed = i == 5;
        insert(s, r);
    }
    BOOST_TEST(pg::nextCaseWakeup(s.pg()).value_or(0) == kT0);
    BOOST_TEST(lite::nextCaseWakeup(s.lite()).value_or(0) == kT0);
    for (std::int64_t now : {kT0 - 1, kT0, kT0 + 1000, kT0 + 9000}) {
        for (std::size_t limit : {std::size_t{2}, std::size_t{100}}) {
            testing::sameResult(lite::dueCases(s.lite(), now, limit),
                                pg::dueCases(s.pg(), now, limit),
                                [](const auto& x) { return describe(x); });
        }
    }
    BOOST_TEST(pg::dueCases(s.pg(), kT0 + 9000, 100).size() == 9u);
}

BOOST_AUTO_TEST_CASE(the_contact_a_case_is_opened_for) {
    StorePair s;
    seed(s);
    auto r = row(1, "repair", "{}");
    r.product_sku = "WM-100";
    insert(s, r);
    auto describeContact = [](const std::optional<store::CaseContact>& c) -> std::string {
        if (!c) return "none";
        const auto& p = c->profile;
        std::string out = c->key.value_or("-") + "|" + c->last_channel + "|" +
                          std::to_string(p.id) + "|" + p.name.value_or("-") + "|" + p.tier + "|" +
                          p.locale.value_or("-") + "|" + p.last_agent.value_or("-") + "|" +
                          p.account_manager.value_or("-");
        for (const auto& [k, v] : p.attributes) out += "|a:" + k + "=" + v;
        for (const auto& x : p.products) out += "|p:" + x.sku + "," + x.name;
        for (const auto& x : p.cases)
            out += "|c:" + std::to_string(x.id) + "," + x.type + "," + x.product_sku + "," +
                   (x.open ? "open" : "done");
        return out;
    };
    // The contact, its profile and its last channel in one round trip.
    auto trips = s.pg().ioStats().round_trips;
    pg::readCaseContact(s.pg(), 1);
    BOOST_TEST(s.pg().ioStats().round_trips == trips + 1);
    for (std::int64_t id : {1, 2, 3}) {
        auto shown = testing::sameResult(lite::readCaseContact(s.lite(), id),
                                         pg::readCaseContact(s.pg(), id), describeContact);
        if (id == 1)
            BOOST_TEST(shown ==
                       "CRM-1|mail-in|1|Ann|gold|en|alice|bob|a:account_manager=bob"
                       "|p:WM-100,Washer|c:1,repair,WM-100,open");
        if (id == 2) BOOST_TEST(shown == "-||2|-|standard|-|-|-");
        if (id == 3) BOOST_TEST(shown == "none");
    }
}

BOOST_AUTO_TEST_CASE(a_follow_up_joins_the_open_conversation_or_opens_one) {
    StorePair s;
    seed(s);
    auto both = [&](const store::FollowUpConversationRequest& r, std::int64_t now) {
        auto a = s.inLite([&](auto& db) { return lite::followUpConversation(db, r, now); });
        auto b = s.inPg([&](auto& db) { return pg::followUpConversation(db, r, now); });
        BOOST_TEST(a == b);
        return b;
    };
    // Contact 1's open conversation on mail-in.
    BOOST_TEST(both({1, "email", "mail-in", "en"}, kT0) == 2);
    // On tg-main its conversation is closed: a new one; then that one is joined.
    BOOST_TEST(both({1, "telegram", "tg-main", "zh-Hans"}, kT0) == 3);
    BOOST_TEST(both({1, "telegram", "tg-main", ""}, kT0 + 1) == 3);
    BOOST_TEST(both({2, "voice", "pbx", ""}, kT0 + 2) == 4);
    sameTables(s);
}
