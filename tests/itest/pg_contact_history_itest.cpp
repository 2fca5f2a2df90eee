#include "daemon/store/postgres/pg_contact_history.hpp"

#define BOOST_TEST_MODULE pg_contact_history_itest
#include <boost/test/unit_test.hpp>

#include "daemon/store/postgres/pg_read.hpp"
#include "daemon/store/sqlite/sqlite_contact_history.hpp"
#include "tests/support/store_pair.hpp"

// The customer archive on both stores: the same rows in an SQLite file and a PostgreSQL
// database, and every query's ContactHistory compared field by field — routing states and
// events whose JSON is odd or broken included (SQLite reads them in SQL, PostgreSQL in C++).

using namespace ccd;
using store::ContactHistoryQuery;
using testing::StorePair;
namespace lite = store::sqlite;
namespace pg = store::postgres;

namespace {

template <class T>
std::string opt(const std::optional<T>& v) {
    if (!v) return "-";
    if constexpr (std::is_same_v<T, std::string>) {
        return *v;
    } else {
        return std::to_string(*v);
    }
}

std::string describe(const std::optional<store::ContactHistory>& h) {
    if (!h) return "none";
    std::string out = std::to_string(h->contact_id) + " key " + opt(h->key) + " total " +
                      std::to_string(h->conversations_total) + " complaints " +
                      std::to_string(h->complaints) + " ratings " + std::to_string(h->ratings) +
                      "/" + std::to_string(h->rating_sum) + " cases " +
                      std::to_string(h->cases_total) + "/" + std::to_string(h->open_cases) + "\n";
    for (const auto& p : h->products)
        out += "product " + p.sku + "," + p.name + "," + opt(p.serial) + "\n";
    for (const auto& c : h->conversations)
        out += "conv " + std::to_string(c.id) + "|" + c.channel + "|" + c.channel_instance + "|" +
               c.status + "|" + std::to_string(c.created_at_ms) + "|" + opt(c.resolved_at_ms) +
               "|" + opt(c.closed_at_ms) + "|" + opt(c.category) + "|" + opt(c.subtype) + "|" +
               opt(c.priority) + "|" + opt(c.agent) + "|" + opt(c.disposition) + "|" +
               opt(c.rating) + "|" + (c.complaint ? "complaint" : "-") + "|" + opt(c.subject) +
               "\n";
    for (const auto& c : h->cases)
        out += "case " + std::to_string(c.id) + "|" + c.type + "|" + c.stage + "|" +
               (c.closed ? "closed" : "open") + "|" + c.product_sku + "|" +
               (c.in_warranty ? "warranty" : "-") + "|" + opt(c.repeat_of) + "|" +
               std::to_string(c.opened_at_ms) + "|" + std::to_string(c.updated_at_ms) + "\n";
    return out;
}

std::string q(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

// Contact 1 (keyed, products, 14 conversations, 25 cases), contact 2 (keyless, one
// conversation), contact 3 (nothing).
void seed(StorePair& s) {
    s.exec(
        "INSERT INTO contacts (external_id, name, tier, attributes, created_at, updated_at)"
        " VALUES ('CRM-1', 'Ann', 'gold', '{}', 1, 1), (NULL, 'Bo', 'standard', '{}', 2, 2),"
        " ('CRM-3', NULL, 'standard', '{}', 3, 3);"
        "INSERT INTO contact_products (contact_id, sku, name, serial) VALUES"
        " (1, 'WM-100', 'Washer', 'SN-1'), (1, 'DR-7', NULL, NULL)");
    // Routing states: tagged in every form JSON allows, resolved_at as a number or a string,
    // broken documents, none.
    const char* routings[] = {
        "{\"tags\":[\"vip\",\"complaint\"],\"resolved_at\":1700000005000}",
        "{\"tags\":{\"a\":\"complaint\"}}",
        "{\"tags\":\"complaint\",\"resolved_at\":\"1700000006000\"}",
        "{\"tags\":[\"complaint-ish\"],\"resolved_at\":null}",
        "{not json complaint",
        nullptr,
        "{\"tags\":[],\"resolved_at\":1700000007000.9}",
    };
    const char* categories[] = {"complaint", "", "fault", nullptr, "billing", "complaint", "usage"};
    const char* firsts[] = {
        "short",
        "a long\nfirst message\twith 王 and ü: "
        "0123456789012345678901234567890123456789012345678901234567890123456789"
        "0123456789012345678901234567890123456789012345678901234567890123456789",
        "exactly",
        nullptr,  // no customer message (a call)
    };
    for (int i = 1; i <= 15; ++i) {
        int contact = i == 15 ? 2 : 1;
        const char* routing = routings[i % 7];
        const char* category = categories[i % 7];
        std::string sql =
            "INSERT INTO conversations (id, contact_id, channel, channel_instance, status,"
            " created_at, updated_at, closed_at, routing, category, subtype, priority, agent,"
            " rating) VALUES (" +
            std::to_string(i) + ", " + std::to_string(contact) + ", " +
            (i % 3 ? "'telegram'" : "'email'") + ", " +
            (i % 4 ? "'inst-" + std::to_string(i) + "'" : std::string("NULL")) + ", " +
            (i % 5 ? "'closed'" : "'open'") + ", " + std::to_string(1000 * i) + ", " +
            std::to_string(1000 * i + 1) + ", " + (i % 5 ? std::to_string(1000 * i + 2) : "NULL") +
            ", " + (routing ? q(routing) : "NULL") + ", " + (category ? q(category) : "NULL") +
            ", " + (i % 2 ? "'leak'" : "''") + ", " + (i % 3 ? std::to_string(i % 4) : "NULL") +
            ", " + (i % 2 ? "'alice'" : "NULL") + ", " +
            (i % 4 ? std::to_string(1 + i % 5) : "NULL") + ")";
        s.exec(sql);
        const char* first = firsts[i % 4];
        s.exec(
            "INSERT INTO messages (conversation_id, direction, channel, author, body, subject,"
            " created_at) VALUES (" +
            std::to_string(i) + ", 'out', 'telegram', 'auto', 'hello', NULL, 1)");
        if (first)
            s.exec(
                "INSERT INTO messages (conversation_id, direction, channel, author, body,"
                " subject, created_at) VALUES (" +
                std::to_string(i) + ", 'in', 'telegram', 'c', " + q(first) + ", " +
                (i % 6 == 0   ? "'Re: order'"
                 : i % 6 == 1 ? "''"
                              : "NULL") +
                ", 2)");
        // Resolves and wrap-ups: the newest with a disposition wins; odd ones are skipped.
        const char* events[] = {
            "{\"disposition\":\"fixed\"}",   "{\"disposition\":\"\"}",
            "{\"note\":\"no disposition\"}", "{broken disposition",
            "{\"disposition\":42}",          "{\"disposition\":true}",
            "{\"disposition\":null}",
        };
        for (int k = 0; k < i % 4; ++k) {
            s.exec("INSERT INTO events (conversation_id, type, data, created_at) VALUES (" +
                   std::to_string(i) + ", " + (k % 2 ? "'wrap_up'" : "'resolved'") + ", " +
                   q(events[(i + k) % 7]) + ", " + std::to_string(k) + ")");
        }
        s.exec("INSERT INTO events (conversation_id, type, data, created_at) VALUES (" +
               std::to_string(i) + ", 'note', '{\"disposition\":\"not a resolve\"}', 9)");
    }
    const char* bodies[] = {"{\"warranty\":{\"in_warranty\":true},\"repeat_of\":3}",
                            "{\"warranty\":{\"in_warranty\":\"yes\"}}", "broken", "{}"};
    for (int i = 1; i <= 25; ++i) {
        s.exec(
            "INSERT INTO cases (contact_id, type, stage, closed, product_sku, body, opened_at,"
            " updated_at) VALUES (1, " +
            std::string(i % 2 ? "'repair'" : "'complaint'") + ", " +
            (i % 3 ? "'diagnosing'" : "'closed'") + ", " + (i % 3 ? "0" : "1") + ", " +
            (i % 4 ? "'WM-100'" : "NULL") + ", " + q(bodies[i % 4]) + ", " +
            std::to_string(i * 10) + ", " + std::to_string(i * 10 + 1) + ")");
    }
}

std::string history(StorePair& s, const ContactHistoryQuery& query) {
    return testing::sameResult(lite::readContactHistory(s.lite(), query),
                               pg::readContactHistory(s.pg(), query),
                               [](const auto& h) { return describe(h); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_same_archive_from_both_stores) {
    StorePair s;
    seed(s);
    for (std::size_t limit : {std::size_t{1}, std::size_t{5}, std::size_t{20}}) {
        for (std::optional<std::int64_t> excluded :
             {std::optional<std::int64_t>(), std::optional<std::int64_t>(14),
              std::optional<std::int64_t>(3), std::optional<std::int64_t>(99)}) {
            ContactHistoryQuery by_key;
            by_key.key = "CRM-1";
            by_key.limit = limit;
            by_key.exclude_conversation = excluded;
            auto shown = history(s, by_key);
            ContactHistoryQuery by_id = by_key;
            by_id.key.reset();
            by_id.contact_id = 1;
            BOOST_TEST(history(s, by_id) == shown);
        }
    }
    ContactHistoryQuery all;
    all.key = "CRM-1";
    auto shown = history(s, all);
    BOOST_TEST_MESSAGE(shown);
    // A few answers checked outright, not only against SQLite's.
    BOOST_TEST(shown.rfind("1 key CRM-1 total 14 ", 0) == 0);
    BOOST_TEST(shown.find("cases 25/17") != std::string::npos);
    BOOST_TEST(shown.find("…") != std::string::npos);
    BOOST_TEST(shown.find("|42|") != std::string::npos);
    BOOST_TEST(std::count(shown.begin(), shown.end(), '\n') == 1 + 2 + 14 + 20);

    ContactHistoryQuery keyless;
    keyless.contact_id = 2;
    BOOST_TEST(history(s, keyless).rfind("2 key - total 1 ", 0) == 0);
    ContactHistoryQuery empty;
    empty.key = "CRM-3";
    BOOST_TEST(history(s, empty) == "3 key CRM-3 total 0 complaints 0 ratings 0/0 cases 0/0\n");
    ContactHistoryQuery unknown;
    unknown.key = "CRM-404";
    BOOST_TEST(history(s, unknown) == "none");
    unknown.key.reset();
    unknown.contact_id = 404;
    BOOST_TEST(history(s, unknown) == "none");
}

BOOST_AUTO_TEST_CASE(postgres_reads_in_the_callers_transaction_or_in_one_round_trip) {
    StorePair s;
    seed(s);
    ContactHistoryQuery query;
    query.key = "CRM-1";
    auto before = s.pg().ioStats().round_trips;
    auto outside = describe(pg::readContactHistory(s.pg(), query));
    BOOST_TEST(s.pg().ioStats().round_trips == before + 1);
    BOOST_TEST(!pg::inTransaction(s.pg()));
    // The writer's transaction sees its own new conversation.
    s.inPg([&](auto& db) {
        db.exec(
            "INSERT INTO conversations (id, contact_id, channel, status, created_at,"
            " updated_at, category) VALUES (100, 1, 'voice', 'open', 5, 5, 'complaint')");
        auto inside = describe(pg::readContactHistory(db, query));
        BOOST_TEST(inside != outside);
        BOOST_TEST(inside.find("conv 100|voice|voice|open|5|-|-|complaint|") != std::string::npos);
        db.exec("ROLLBACK; BEGIN");
    });
    BOOST_TEST(describe(pg::readContactHistory(s.pg(), query)) == outside);
}

BOOST_AUTO_TEST_CASE(previews_cut_at_characters) {
    BOOST_TEST(store::previewText("abc", 3) == "abc");
    BOOST_TEST(store::previewText("abcd", 3) == "abc…");
    BOOST_TEST(store::previewText("王王王王", 3) == "王王王…");
    BOOST_TEST(store::previewText("a\nb\tc\r", 9) == "a b c ");
    BOOST_TEST(lite::previewText("abcd", 3) == "abc…");
}
