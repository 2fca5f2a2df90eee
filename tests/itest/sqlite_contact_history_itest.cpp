#include "daemon/store/sqlite/sqlite_contact_history.hpp"

#define BOOST_TEST_MODULE sqlite_contact_history_itest
#include <boost/test/unit_test.hpp>

#include "daemon/contact_history_json.hpp"
#include "daemon/json_time.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/sqlite_cases.hpp"
#include "daemon/store/sqlite/sqlite_contacts.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
using store::ContactHistoryQuery;
using store::sqlite::Connection;
using store::sqlite::readContactHistory;

namespace {

/// A real database file in a temp folder, with the store's own migrations applied.
struct Db {
    Db() : conn(dir.file("ccd.db"), /*create=*/true) {
        conn.exec("PRAGMA foreign_keys = ON");
        store::sqlite::migrate(conn);
    }
    std::string text(const std::string& sql) { return conn.queryText(sql).value_or(""); }

    testing::TempDir dir;
    Connection conn;
};

// A conversation of `contact` opened at `created` (ms), with one customer message.
void conversation(Db& db, int id, int contact, const std::string& channel, long long created,
                  const std::string& extra_columns = "", const std::string& extra_values = "",
                  const std::string& first_message = "hello") {
    db.conn.exec(
        "INSERT INTO conversations (id, contact_id, channel, channel_instance, status,"
        " created_at, updated_at" +
        extra_columns + ") VALUES (" + std::to_string(id) + ", " + std::to_string(contact) + ", '" +
        channel + "', '" + channel + "-main', " + "'closed', " + std::to_string(created) + ", " +
        std::to_string(created) + extra_values + ")");
    db.conn.exec(
        "INSERT INTO messages (conversation_id, direction, channel, author, body,"
        " created_at) VALUES (" +
        std::to_string(id) + ", 'out', '" + channel + "', 'auto', 'we got your message', " +
        std::to_string(created + 1) + ")");
    db.conn.exec(
        "INSERT INTO messages (conversation_id, direction, channel, author, body,"
        " created_at) VALUES (" +
        std::to_string(id) + ", 'in', '" + channel + "', 'c', '" + first_message + "', " +
        std::to_string(created) + ")");
    db.conn.exec(
        "INSERT INTO messages (conversation_id, direction, channel, author, body,"
        " created_at) VALUES (" +
        std::to_string(id) + ", 'in', '" + channel + "', 'c', 'a later message', " +
        std::to_string(created + 2) + ")");
}

void contacts(Db& db) {
    db.conn.exec(
        "INSERT INTO contacts (id, external_id, name, created_at, updated_at) VALUES"
        " (1, 'CRM-1', 'Ann', 1, 1), (2, 'CRM-2', 'Bob', 1, 1), (3, NULL, 'tg user', 1, 1);"
        "INSERT INTO contact_products (contact_id, sku, name, purchased_on, warranty_until)"
        " VALUES (1, 'P-1', 'Printer', '2024-03-01', '2026-03-01'),"
        " (1, 'P-2', NULL, '2020-01-01', '2021-01-01')");
}

}  // namespace

BOOST_AUTO_TEST_CASE(earlier_conversations_on_every_channel_newest_first_with_their_facts) {
    Db db;
    contacts(db);
    conversation(db, 10, 1, "email", 1000,
                 ", category, subtype, priority, rating, agent, closed_at",
                 ", 'fault', 'no_power', 2, 5, 'alice', 1500");
    // A complaint by its category, rated 1, resolved with a disposition (the last one counts).
    conversation(db, 11, 1, "telegram", 2000, ", category, subtype, rating, routing",
                 ", 'complaint', '', 1, '{\"resolved_at\":2500}'");
    db.conn.exec(
        "INSERT INTO events (conversation_id, type, data, created_at) VALUES"
        " (11, 'resolved', '{\"disposition\":\"refund\"}', 2400),"
        " (11, 'wrap_up', '{\"agent\":\"bob\",\"disposition\":\"replaced\"}', 2450),"
        " (11, 'wrap_up', '{\"agent\":\"bob\",\"disposition\":\"\"}', 2460),"
        " (11, 'note', '{\"disposition\":\"not this\"}', 2470)");
    // A complaint by a rule's tag; its routing JSON otherwise ordinary.
    conversation(db, 12, 1, "voice", 3000, ", category, routing",
                 ", 'billing', '{\"tags\":[\"vip\",\"complaint\"],\"category\":\"billing\"}'");
    // Malformed routing JSON is no complaint and no error.
    conversation(db, 13, 1, "webchat", 4000, ", routing", ", '{not json'");
    // Somebody else's.
    conversation(db, 20, 2, "email", 3500);

    auto h = readContactHistory(db.conn, ContactHistoryQuery{std::string("CRM-1"), 0, {}, 20});
    BOOST_REQUIRE(h);
    BOOST_TEST(h->contact_id == 1);
    BOOST_TEST(*h->key == "CRM-1");
    BOOST_REQUIRE(h->conversations.size() == 4u);
    std::vector<std::int64_t> ids;
    for (const auto& c : h->conversations) ids.push_back(c.id);
    BOOST_TEST(ids == (std::vector<std::int64_t>{13, 12, 11, 10}));
    BOOST_TEST(h->conversations_total == 4u);
    BOOST_TEST(h->complaints == 2u);
    BOOST_TEST(h->ratings == 2u);
    BOOST_TEST(h->rating_sum == 6);

    const auto& email = h->conversations[3];
    BOOST_TEST(email.channel == "email");
    BOOST_TEST(email.channel_instance == "email-main");
    BOOST_TEST(email.status == "closed");
    BOOST_TEST(email.created_at_ms == 1000);
    BOOST_TEST(*email.closed_at_ms == 1500);
    BOOST_TEST(!email.resolved_at_ms);
    BOOST_TEST(*email.category == "fault");
    BOOST_TEST(email.subtype.value_or("<none>") == "no_power");
    BOOST_TEST(*email.priority == 2);
    BOOST_TEST(*email.agent == "alice");
    BOOST_TEST(*email.rating == 5);
    BOOST_TEST(!email.complaint);
    BOOST_TEST(!email.disposition);
    BOOST_TEST(*email.subject == "hello");  // the first customer message, not ours

    const auto& complaint = h->conversations[2];
    BOOST_TEST(complaint.complaint);
    BOOST_TEST(*complaint.resolved_at_ms == 2500);
    BOOST_TEST(*complaint.disposition == "replaced");
    BOOST_TEST(*complaint.rating == 1);
    BOOST_TEST(!complaint.subtype);              // stored empty: none
    BOOST_TEST(h->conversations[1].complaint);   // tagged
    BOOST_TEST(!h->conversations[0].complaint);  // malformed routing
    BOOST_TEST(!h->conversations[0].category);
    BOOST_TEST(!h->conversations[0].subtype);  // never routed: NULL

    BOOST_REQUIRE(h->products.size() == 2u);
    BOOST_TEST(h->products[0].sku == "P-1");
    BOOST_TEST(h->products[1].name.empty());

    BOOST_TEST(!readContactHistory(db.conn, ContactHistoryQuery{std::string("CRM-9"), 0, {}, 20}));
    BOOST_TEST(!readContactHistory(db.conn, ContactHistoryQuery{std::nullopt, 99, {}, 20}));
}

BOOST_AUTO_TEST_CASE(the_list_is_bounded_and_leaves_the_current_conversation_out) {
    Db db;
    contacts(db);
    for (int i = 0; i < 30; ++i)
        conversation(db, 100 + i, 3, "telegram", 1000 + i * 10, ", rating",
                     ", " + std::to_string(1 + i % 5));
    ContactHistoryQuery q;
    q.contact_id = 3;  // a contact without a key: the console asks by id
    q.exclude_conversation = 129;
    q.limit = 20;
    auto h = readContactHistory(db.conn, q);
    BOOST_REQUIRE(h);
    BOOST_TEST(!h->key);
    BOOST_TEST(h->conversations.size() == 20u);
    BOOST_TEST(h->conversations.front().id == 128);  // 129 is the one being offered
    BOOST_TEST(h->conversations.back().id == 109);
    BOOST_TEST(h->conversations_total == 29u);  // the counts cover all, not only those listed
    BOOST_TEST(h->ratings == 29u);
    BOOST_TEST(h->products.empty());

    // Inside the writer's open transaction (an offer read back), it does not nest.
    db.conn.exec("BEGIN IMMEDIATE");
    conversation(db, 200, 3, "email", 9000);
    q.exclude_conversation = 200;
    auto inside = readContactHistory(db.conn, q);
    db.conn.exec("COMMIT");
    BOOST_REQUIRE(inside);
    BOOST_TEST(inside->conversations.front().id == 129);
}

BOOST_AUTO_TEST_CASE(a_long_first_message_is_cut_to_a_one_line_preview) {
    Db db;
    contacts(db);
    std::string long_text;
    for (int i = 0; i < 100; ++i) long_text += "打印机";  // 300 characters, 3 bytes each
    conversation(db, 1, 1, "webchat", 1000, "", "", "line one\nline two");
    conversation(db, 2, 1, "webchat", 2000, "", "", long_text);
    // An email's subject is the better title.
    conversation(db, 3, 1, "email", 3000);
    db.conn.exec("UPDATE messages SET subject = 'Paper jam' WHERE conversation_id = 3");
    auto h = readContactHistory(db.conn, ContactHistoryQuery{std::string("CRM-1"), 0, {}, 20});
    BOOST_REQUIRE(h);
    BOOST_REQUIRE(h->conversations.size() == 3u);
    BOOST_TEST(*h->conversations[0].subject == "Paper jam");
    BOOST_TEST(*h->conversations[1].subject == long_text.substr(0, 160 * 3) + "…");
    BOOST_TEST(*h->conversations[2].subject == "line one line two");
    BOOST_TEST(store::sqlite::previewText("abc", 3) == "abc");
    BOOST_TEST(store::sqlite::previewText("abcd", 3) == "abc…");
}

BOOST_AUTO_TEST_CASE(the_json_shows_warranty_on_the_boundary_day_and_the_average_rating) {
    Db db;
    contacts(db);
    conversation(db, 10, 1, "email", 1000, ", rating", ", 5");
    conversation(db, 11, 1, "email", 2000, ", rating, category", ", 4, 'complaint'");
    conversation(db, 12, 1, "email", 3000, ", rating, category, subtype",
                 ", 4, 'delivery', 'late'");
    auto h = readContactHistory(db.conn, ContactHistoryQuery{std::string("CRM-1"), 0, {}, 2});
    BOOST_REQUIRE(h);
    auto on = [&](const char* day) {
        return daemon::contactHistoryJson(*h,
                                          *daemon::parseRfc3339(std::string(day) + "T23:59:59Z"));
    };
    auto last_day = on("2026-03-01");  // warranty_until is inclusive
    BOOST_TEST(last_day["products"][0]["in_warranty"] == true);
    BOOST_TEST(last_day["products"][1]["in_warranty"] == false);
    BOOST_TEST(last_day["in_warranty"] == true);
    auto day_after = on("2026-03-02");
    BOOST_TEST(day_after["products"][0]["in_warranty"] == false);
    BOOST_TEST(day_after["in_warranty"] == false);
    BOOST_TEST(day_after["products"][1]["name"].is_null());

    BOOST_TEST(last_day["summary"]["conversations"] == 3);
    BOOST_TEST(last_day["summary"]["listed"] == 2);
    BOOST_TEST(last_day["summary"]["complaints"] == 1);
    BOOST_TEST(last_day["summary"]["ratings"] == 3);
    BOOST_TEST(last_day["summary"]["average_rating"].get<double>() == 4.3);
    BOOST_TEST(last_day["conversations"][0]["id"] == 12);
    BOOST_TEST(last_day["conversations"][0]["category"] == "delivery");
    BOOST_TEST(last_day["conversations"][0]["subtype"] == "late");
    BOOST_TEST(last_day["conversations"][1]["subtype"].is_null());
    BOOST_TEST(last_day["conversations"][1]["complaint"] == true);
    BOOST_TEST(last_day["conversations"][1]["created_at"] == "1970-01-01T00:00:02.000Z");
    BOOST_TEST(last_day["conversations"][1]["resolved_at"].is_null());
    BOOST_TEST(last_day["cases"] == nlohmann::json::array());
    BOOST_TEST(last_day["summary"]["cases"] == 0);
    BOOST_TEST(last_day["summary"]["open_cases"] == 0);
}

namespace {

std::int64_t serviceCase(Db& db, int contact, const std::string& type, const std::string& stage,
                         bool closed, const std::string& sku, const std::string& body,
                         std::int64_t opened) {
    store::CaseRow row;
    row.contact_id = contact;
    row.type = type;
    row.stage = stage;
    row.closed = closed;
    row.product_sku = sku;
    row.body = body;
    row.opened_at_ms = opened;
    row.updated_at_ms = opened + 500;
    return store::sqlite::insertCase(db.conn, row);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_archive_lists_the_contacts_service_cases_newest_first_with_counts) {
    Db db;
    contacts(db);
    conversation(db, 10, 1, "email", 1000);
    auto first = serviceCase(db, 1, "repair", "closed", true, "P-1",
                             R"({"warranty":{"in_warranty":true,"basis":"warranty_until"}})", 1000);
    auto repeat = serviceCase(
        db, 1, "repair", "diagnosing", false, "P-1",
        R"({"warranty":{"in_warranty":false},"repeat_of":)" + std::to_string(first) + "}", 2000);
    auto complaint = serviceCase(db, 1, "complaint", "registered", false, "", "{not json", 3000);
    serviceCase(db, 2, "return", "registered", false, "P-9", "{}", 4000);  // Bob's

    auto h = readContactHistory(db.conn, ContactHistoryQuery{std::string("CRM-1"), 0, {}, 20});
    BOOST_REQUIRE(h);
    BOOST_REQUIRE(h->cases.size() == 3u);
    BOOST_TEST(h->cases_total == 3u);
    BOOST_TEST(h->open_cases == 2u);
    BOOST_TEST(h->cases[0].id == complaint);
    BOOST_TEST(h->cases[1].id == repeat);
    BOOST_TEST(h->cases[2].id == first);

    const auto& r = h->cases[1];
    BOOST_TEST(r.type == "repair");
    BOOST_TEST(r.stage == "diagnosing");
    BOOST_TEST(!r.closed);
    BOOST_TEST(r.product_sku == "P-1");
    BOOST_TEST(!r.in_warranty);
    BOOST_REQUIRE(r.repeat_of);
    BOOST_TEST(*r.repeat_of == first);
    BOOST_TEST(r.opened_at_ms == 2000);
    BOOST_TEST(r.updated_at_ms == 2500);
    BOOST_TEST(h->cases[2].closed);
    BOOST_TEST(h->cases[2].in_warranty);
    BOOST_TEST(!h->cases[2].repeat_of);
    // A document that does not parse: the case is listed all the same, without those facts.
    BOOST_TEST(h->cases[0].type == "complaint");
    BOOST_TEST(h->cases[0].product_sku.empty());
    BOOST_TEST(!h->cases[0].in_warranty);
    BOOST_TEST(!h->cases[0].repeat_of);

    auto j = daemon::contactHistoryJson(*h, *daemon::parseRfc3339("2026-01-01T00:00:00Z"));
    BOOST_TEST(j["summary"]["cases"] == 3);
    BOOST_TEST(j["summary"]["open_cases"] == 2);
    BOOST_REQUIRE(j["cases"].size() == 3u);
    const auto& rj = j["cases"][1];
    BOOST_TEST(rj["id"] == repeat);
    BOOST_TEST(rj["type"] == "repair");
    BOOST_TEST(rj["stage"] == "diagnosing");
    BOOST_TEST(rj["closed"] == false);
    BOOST_TEST(rj["product_sku"] == "P-1");
    BOOST_TEST(rj["in_warranty"] == false);
    BOOST_TEST(rj["repeat_of"] == first);
    BOOST_TEST(rj["opened_at"] == "1970-01-01T00:00:02.000Z");
    BOOST_TEST(rj["updated_at"] == "1970-01-01T00:00:02.500Z");
    BOOST_TEST(j["cases"][0]["product_sku"].is_null());
    BOOST_TEST(j["cases"][0]["repeat_of"].is_null());
    BOOST_TEST(j["cases"][2]["closed"] == true);
    BOOST_TEST(j["cases"][2]["in_warranty"] == true);

    // At most kHistoryCases listed; the counts cover them all.
    for (int i = 0; i < 25; ++i)
        serviceCase(db, 2, "repair", "closed", true, "P-9", "{}", 5000 + i);
    auto bob = readContactHistory(db.conn, ContactHistoryQuery{std::string("CRM-2"), 0, {}, 20});
    BOOST_REQUIRE(bob);
    BOOST_TEST(bob->cases.size() == store::kHistoryCases);
    BOOST_TEST(bob->cases_total == 26u);
    BOOST_TEST(bob->open_cases == 1u);
    BOOST_TEST(bob->cases.front().opened_at_ms == 5024);
}

// GET /v1/follow-ups reads the cases with a follow-up still to do, however many newer cases
// there are, closed ones included, and a case whose document does not parse is passed over.
BOOST_AUTO_TEST_CASE(cases_with_follow_ups_to_do_are_found_among_many) {
    Db db;
    contacts(db);
    auto followUps = [](const std::string& statuses) {
        std::string list;
        for (char s : statuses) {
            const char* status = s == 's' ? "scheduled" : s == 'o' ? "offered" : "done";
            list += std::string(list.empty() ? "" : ",") + R"({"id":1,"status":")" + status +
                    R"("})";
        }
        return R"({"follow_ups":[)" + list + "]}";
    };
    auto old_closed = serviceCase(db, 1, "repair", "closed", true, "P-1", followUps("ds"), 1000);
    auto offered = serviceCase(db, 2, "return", "registered", false, "", followUps("o"), 2000);
    serviceCase(db, 1, "repair", "closed", true, "P-1", followUps("dd"), 3000);
    serviceCase(db, 1, "complaint", "registered", false, "", "{not json", 4000);
    for (int i = 0; i < 300; ++i)
        serviceCase(db, 2, "repair", "diagnosing", false, "", "{}", 5000 + i);

    store::CaseListQuery q;
    q.pending_follow_ups = true;
    q.limit = 5000;
    auto rows = store::sqlite::listCases(db.conn, q);
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].id == offered);
    BOOST_TEST(rows[1].id == old_closed);
    BOOST_TEST(rows[1].closed);

    q.pending_follow_ups = false;
    q.limit = 200;
    BOOST_TEST(store::sqlite::listCases(db.conn, q).size() == 200u);
}
