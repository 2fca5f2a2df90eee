#include "daemon/store/postgres/pg_privacy.hpp"

#define BOOST_TEST_MODULE pg_privacy_itest
#include <boost/test/unit_test.hpp>

#include "daemon/store/erasure_json.hpp"
#include "daemon/store/sqlite/sqlite_privacy.hpp"
#include "tests/support/store_pair.hpp"

// Erasure and redaction on both stores: the same rows in an SQLite file and a PostgreSQL
// database, SQLite's functions on one and PostgreSQL's on the other, then the results and every
// row they may touch compared.

using namespace ccd;
using testing::StorePair;
namespace lite = store::sqlite;
namespace pg = store::postgres;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

std::string q(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string describe(const std::optional<store::ErasureResult>& r) {
    if (!r) return "none";
    return std::to_string(r->contact_id) + (r->already_erased ? " already " : " ") +
           store::erasureCountsJson(r->counts).dump();
}

void sameTables(StorePair& s) {
    s.sameRows(
        "SELECT id, external_id, name, email, phone, tier, locale, attributes, created_at,"
        " updated_at, erased_at FROM contacts ORDER BY id");
    s.sameRows("SELECT channel, address, contact_id FROM contact_addresses ORDER BY 1, 2");
    s.sameRows("SELECT id, contact_id, sku FROM contact_products ORDER BY id");
    s.sameRows(
        "SELECT id, contact_id, channel_ref, reply_address, continue_via, continue_to,"
        " status, category FROM conversations ORDER BY id");
    s.sameRows(
        "SELECT id, conversation_id, direction, body, subject, html, original_text,"
        " classify_text, thread_refs, attachments, sender, delivery, delivery_reason,"
        " delivery_at, redacted_at FROM messages ORDER BY id");
    s.sameRows("SELECT message_id, position, size, sha256 FROM attachment_content ORDER BY 1, 2");
    s.sameRows(
        "SELECT id, conversation_id, message_id, status, last_error, payload FROM outbox"
        " ORDER BY id");
    s.sameRows("SELECT id, conversation_id, type, data FROM events ORDER BY id");
    s.sameRows("SELECT channel_instance, key, value FROM channel_state ORDER BY 1, 2");
}

// Contact 1 (CRM-1) with two conversations of everything erasure touches; contact 2 shares
// nothing and must keep everything.
void seed(StorePair& s) {
    s.exec(
        "INSERT INTO contacts (external_id, name, email, phone, tier, attributes, created_at,"
        " updated_at) VALUES ('CRM-1', 'Ann', 'ann@example.com', '+1555', 'gold',"
        " '{\"vip\":\"yes\"}', 1, 1), ('CRM-2', 'Bo', 'bo@example.com', NULL, 'standard', '{}',"
        " 2, 2);"
        "INSERT INTO contact_addresses (channel, address, contact_id) VALUES"
        " ('email', 'ann@example.com', 1), ('voice', '+1555', 1), ('webchat', 'w-ann', 1),"
        " ('email', 'bo@example.com', 2);"
        "INSERT INTO contact_products (contact_id, sku) VALUES (1, 'WM-100'), (2, 'DR-7');"
        "INSERT INTO conversations (id, contact_id, channel, channel_instance, channel_ref,"
        " reply_address, continue_via, continue_to, status, category, created_at, updated_at)"
        " VALUES (1, 1, 'webchat', 'chat', 'ref-1', 'ann@example.com', 'mail', 'ann@example.com',"
        " 'closed', 'fault', 10, 10), (2, 1, 'voice', 'pbx', NULL, NULL, NULL, NULL, 'open',"
        " NULL, 20, 20), (3, 2, 'email', 'mail', NULL, 'bo@example.com', NULL, NULL, 'open',"
        " NULL, 30, 30)");
    const char* attachments[] = {
        nullptr,
        "[{\"kind\":\"photo\",\"file_name\":\"a.jpg\",\"stored\":true},"
        "{\"kind\":\"voice\",\"url\":\"https://x/v.ogg\"},{\"kind\":\"removed\",\"removed\":true}]",
        "[{\"kind\":\"recording\",\"stored\":true}]",
        "not json",
    };
    for (int i = 1; i <= 9; ++i) {
        int conversation = 1 + (i - 1) % 3;
        const char* a = attachments[i % 4];
        s.exec(
            "INSERT INTO messages (id, conversation_id, direction, channel, author, body,"
            " subject, html, original_text, classify_text, thread_refs, attachments, sender,"
            " delivery, created_at, redacted_at) VALUES (" +
            std::to_string(i) + ", " + std::to_string(conversation) + ", " +
            (i % 2 ? "'in'" : "'out'") + ", 'x', 'c', " + q("text " + std::to_string(i) + " 王") +
            ", 'subj', '<p>h</p>', 'orig', 'cls', '<a@b> <c@d>', " + (a ? q(a) : "NULL") + ", " +
            (i % 2 ? "'ann@example.com'" : "NULL") + ", " + (i % 2 ? "NULL" : "'queued'") + ", " +
            std::to_string(100 + i) + ", " + (i == 7 ? "5" : "NULL") + ")");
        if (a && std::string(a).find("stored") != std::string::npos)
            s.exec(
                "INSERT INTO attachment_content (message_id, position, size, sha256, data)"
                " VALUES (" +
                std::to_string(i) + ", 1, 3, 'abc', 'x')");
    }
    // Outbox entries in every state, one without a message, one scrubbed already.
    const char* statuses[] = {"pending", "sending", "sent", "failed", "pending", "sent"};
    for (int i = 0; i < 6; ++i) {
        std::string payload = i == 5 ? "{\"text\":\"[erased]\",\"x\":1}"
                                     : "{\"to\":\"ann@example.com\",\"text\":\"hi " +
                                           std::to_string(i) +
                                           "\",\"subject\":\"s\",\"html\":\"<b>\",\"kind\":\"m\"}";
        int conversation = i == 4 ? 3 : 1 + i % 2;
        std::string message = i == 3 ? "NULL" : std::to_string(2 + 2 * (i % 3));
        if (conversation == 3) message = "NULL";
        s.exec(
            "INSERT INTO outbox (conversation_id, message_id, channel, idempotency_key,"
            " payload, status, next_attempt_at, created_at) VALUES (" +
            std::to_string(conversation) + ", " + message + ", 'x', 'k" + std::to_string(i) +
            "', " + q(payload) + ", '" + statuses[i] + "', 0, " + std::to_string(200 + i) + ")");
    }
    s.exec(
        "INSERT INTO events (conversation_id, type, data, created_at) VALUES"
        " (1, 'note', '{\"text\":\"call her\",\"agent\":\"alice\"}', 1),"
        " (1, 'wrap_up', '{\"disposition\":\"fixed\", \"agent\": \"alice\"}', 2),"
        " (1, 'routed', '{\"queue\":\"q\"}', 3),"
        " (1, 'routed', '{\"queue\": \"spaced\"}', 4),"
        " (2, 'call.answered', '{\"from\":\"+1555\",\"to\":\"+1800\",\"recording_url\":\"u\","
        "\"text\":\"hi\",\"agent\":\"bob\"}', 5),"
        " (2, 'call.ended', '{\"duration\":3}', 6),"
        " (NULL, 'contact.subscribed', '{\"address\":\"w-ann\",\"note\":\"n\"}', 7),"
        " (NULL, 'call.refused', '{\"customer\":\"+1555\",\"from\":\"+1555\",\"x\":1}', 8),"
        " (NULL, 'contact.subscribed', '{\"address\":\"bo@example.com\"}', 9),"
        " (3, 'note', '{\"text\":\"keep\"}', 10);"
        "INSERT INTO channel_state (channel_instance, key, value, updated_at) VALUES"
        " ('chat', 'session:1', '{\"sender\":\"w-ann\",\"name\":\"Ann\"}', 1),"
        " ('chat', 'session:2', '{\"sender\":\"w-other\",\"name\":\"w-ann\"}', 1),"
        " ('chat', 'cursor', '{\"sender\":\"w-ann\"}', 1)");
}

std::string erase(StorePair& s, const std::string& key, std::int64_t now) {
    auto a = s.inLite([&](auto& db) { return lite::eraseContactByKey(db, key, now); });
    auto b = s.inPg([&](auto& db) { return pg::eraseContactByKey(db, key, now); });
    return testing::sameResult(a, b, [](const auto& r) { return describe(r); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(erasure_leaves_the_same_rows) {
    StorePair s;
    seed(s);
    sameTables(s);
    // Every read in one round trip, every write in the next (after the key's lookup).
    s.pg().exec("BEGIN");
    auto trips = s.pg().ioStats().round_trips;
    pg::eraseContactData(s.pg(), 2, store::kErasedMarker, kT0);
    BOOST_TEST(s.pg().ioStats().round_trips == trips + 2);
    s.pg().exec("ROLLBACK");
    auto first = erase(s, "CRM-1", kT0);
    BOOST_TEST_MESSAGE(first);
    BOOST_TEST(first.rfind("1 {", 0) == 0);
    BOOST_TEST(first.find("\"messages\":5") != std::string::npos);
    sameTables(s);
    // Again: nothing personal was left.
    auto again = erase(s, "CRM-1", kT0 + 1);
    BOOST_TEST(again.rfind("1 already ", 0) == 0);
    sameTables(s);
    BOOST_TEST(erase(s, "CRM-404", kT0) == "none");
    // Contact 2 kept everything.
    BOOST_TEST(s.pgRows("SELECT count(*) FROM contact_addresses WHERE contact_id = 2")
                   .at(0)
                   .at(0)
                   .value_or("") == "1");
}

BOOST_AUTO_TEST_CASE(redacting_messages_as_retention_does) {
    StorePair s;
    seed(s);
    s.exec("UPDATE outbox SET status = 'sent' WHERE status = 'pending'");
    struct Plan {
        std::int64_t id;
        store::Redaction what;
    };
    std::vector<Plan> plans = {{1, {true, false, false}}, {2, {false, true, false}},
                               {5, {false, false, true}}, {6, {true, true, true}},
                               {7, {true, false, false}}, {9, {false, true, true}}};
    std::vector<pg::MessageToRedact> batch;
    store::Redacted lite_total;
    s.inLite([&](auto& db) {
        lite::MessageRedactor redactor(db);
        for (const auto& p : plans) {
            auto rows =
                s.liteRows("SELECT redacted_at IS NULL, attachments FROM messages WHERE id = " +
                           std::to_string(p.id));
            bool intact = rows.at(0).at(0) == std::optional<std::string>("1");
            batch.push_back({p.id, intact, rows.at(0).at(1), p.what});
            auto r =
                redactor.redact(p.id, intact, rows.at(0).at(1), p.what, store::kExpiredMarker, kT0);
            lite_total.text = lite_total.text || r.text;
            lite_total.attachments += r.attachments;
            lite_total.recordings += r.recordings;
            lite_total.outbox += r.outbox;
        }
    });
    auto pg_total =
        s.inPg([&](auto& db) { return pg::redactMessages(db, batch, store::kExpiredMarker, kT0); });
    BOOST_TEST(pg_total.text == lite_total.text);
    BOOST_TEST(pg_total.attachments == lite_total.attachments);
    BOOST_TEST(pg_total.recordings == lite_total.recordings);
    BOOST_TEST(pg_total.outbox == lite_total.outbox);
    BOOST_TEST(pg_total.attachments + pg_total.recordings > 0u);
    sameTables(s);
    BOOST_CHECK_THROW(pg::redactMessages(s.pg(), batch, store::kExpiredMarker, kT0),
                      std::logic_error);
}
