#include "daemon/store/postgres/pg_retention.hpp"

#define BOOST_TEST_MODULE pg_retention_itest
#include <boost/test/unit_test.hpp>

#include "daemon/store/sqlite/sqlite_retention.hpp"
#include "tests/support/store_pair.hpp"

// Retention on both stores: the same rows in an SQLite file and a PostgreSQL database, a whole
// run batch by batch with SQLite's retentionStep on one and PostgreSQL's on the other (dry, then
// for real), the reports and every row compared.

using namespace ccd;
using store::RetentionCursor;
using store::RetentionReport;
using store::RetentionRequest;
using testing::StorePair;
namespace lite = store::sqlite;
namespace pg = store::postgres;

namespace {

std::string describe(const RetentionReport& r) {
    return "texts " + std::to_string(r.message_texts) + " attachments " +
           std::to_string(r.attachments) + " recordings " + std::to_string(r.recordings) +
           " outbox " + std::to_string(r.outbox) + " contacts " + std::to_string(r.contacts) +
           " audit " + std::to_string(r.audit) + " batches " + std::to_string(r.commits);
}

std::string q(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

void sameTables(StorePair& s) {
    s.sameRows(
        "SELECT id, name, email, phone, attributes, updated_at, erased_at FROM contacts"
        " ORDER BY id");
    s.sameRows("SELECT channel, address, contact_id FROM contact_addresses ORDER BY 1, 2");
    s.sameRows(
        "SELECT id, body, subject, attachments, sender, redacted_at FROM messages"
        " ORDER BY id");
    s.sameRows("SELECT message_id, position FROM attachment_content ORDER BY 1, 2");
    s.sameRows("SELECT id, status, payload FROM outbox ORDER BY id");
    s.sameRows("SELECT id, conversation_id, type, data FROM events ORDER BY id");
    s.sameRows("SELECT id, at, action FROM audit_log ORDER BY id");
}

// 12 contacts, each with a conversation (closed but every fourth) on one of three instances,
// messages of several ages with attachments and recordings, outbox copies, call steps, audit.
// (No call step whose JSON does not parse: SQLite's run would fail on it.)
void seed(StorePair& s) {
    for (int c = 1; c <= 12; ++c) {
        std::string id = std::to_string(c);
        std::string at = std::to_string(1000 * c);
        const char* instance = c % 3 == 0 ? "tg" : c % 3 == 1 ? "pbx" : "mail";
        bool open = c % 4 == 0;
        s.exec(
            "INSERT INTO contacts (id, name, email, tier, attributes, created_at, updated_at)"
            " VALUES (" +
            id + ", 'n" + id + "', 'e" + id + "@x', 'standard', '{}', 1, " + at +
            ");"
            "INSERT INTO contact_addresses (channel, address, contact_id) VALUES ('email', 'e" +
            id + "@x', " + id +
            ");"
            "INSERT INTO conversations (id, contact_id, channel, channel_instance, status,"
            " created_at, updated_at, closed_at, last_inbound_at) VALUES (" +
            id + ", " + id + ", '" + instance + "', '" + instance + "', " +
            (open ? "'open'" : "'closed'") + ", " + at + ", " + at + ", " + (open ? "NULL" : at) +
            ", " + at + ")");
        for (int m = 0; m < 3; ++m) {
            std::string mid = std::to_string(c * 10 + m);
            std::string attachments =
                m == 0   ? "NULL"
                : m == 1 ? q("[{\"kind\":\"photo\",\"stored\":true},{\"kind\":\"voice\"}]")
                         : q("[{\"kind\":\"audio\",\"stored\":true}]");
            s.exec(
                "INSERT INTO messages (id, conversation_id, direction, channel, author, body,"
                " attachments, created_at) VALUES (" +
                mid + ", " + id + ", " + (m == 2 ? "'out'" : "'in'") + ", '" + instance +
                "', 'c', 'text " + mid + "', " + attachments + ", " +
                std::to_string(1000 * c + 100 * m) + ")");
            if (m > 0)
                s.exec(
                    "INSERT INTO attachment_content (message_id, position, size, sha256, data)"
                    " VALUES (" +
                    mid + ", 1, 1, 'h', 'x')");
            if (m == 2)
                s.exec(
                    "INSERT INTO outbox (conversation_id, message_id, channel, idempotency_key,"
                    " payload, status, next_attempt_at, created_at) VALUES (" +
                    id + ", " + mid + ", 'x', 'k" + mid + "', '{\"text\":\"text " + mid +
                    "\",\"to\":\"e\"}', " + (c % 5 ? "'sent'" : "'pending'") + ", 0, 1)");
        }
        s.exec("INSERT INTO events (conversation_id, type, data, created_at) VALUES (" + id +
               ", 'call.voicemail', " +
               q(c % 2 ? "{\"recording_url\":\"https://r/" + id + "\",\"text\":\"vm\",\"n\":1}"
                       : "{\"text\":\"[expired]\",\"recording_url\":null}") +
               ", " + at + "), (" + id + ", 'call.ended', '{\"duration\":3,\"text\":null}', " + at +
               "), (" + id + ", 'note', '{\"text\":\"keep\"}', " + at + ")");
        s.exec("INSERT INTO audit_log (at, actor_kind, actor, action, outcome) VALUES (" + at +
               ", 'cli', 'root', 'x.y', 'ok'), (" + at + ", 'cli', 'root', 'x.z', 'ok')");
    }
}

RetentionRequest request(bool dry, std::size_t batch) {
    RetentionRequest r;
    r.now_ms = 99'000;
    r.defaults.message_text = 6000;
    r.defaults.recordings = 9000;
    r.channels["mail"].message_text = 12'000;
    r.channels["mail"].attachments = 4000;
    r.channels["tg"].recordings = 3500;
    r.contacts = 5000;
    r.audit = 7000;
    r.batch = batch;
    r.dry_run = dry;
    return r;
}

template <class Step, class InTransaction>
RetentionReport run(const RetentionRequest& r, Step step, InTransaction in) {
    RetentionReport report;
    RetentionCursor cursor;
    while (cursor.phase != RetentionCursor::Phase::Done && report.commits < 1000) {
        in([&](auto& db) { step(db, r, cursor, report); });
        ++report.commits;
    }
    return report;
}

std::string both(StorePair& s, const RetentionRequest& r) {
    auto a = run(
        r, [](auto& db, auto&... args) { lite::retentionStep(db, args...); },
        [&](auto f) { s.inLite(f); });
    auto b = run(
        r, [](auto& db, auto&... args) { pg::retentionStep(db, args...); },
        [&](auto f) { s.inPg(f); });
    return testing::sameResult(a, b, [](const auto& x) { return describe(x); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_run_in_small_batches_dry_then_for_real) {
    StorePair s;
    seed(s);
    auto dry = both(s, request(true, 7));
    sameTables(s);  // nothing written
    auto real = both(s, request(false, 7));
    BOOST_TEST_MESSAGE("dry: " << dry << "\nreal: " << real);
    sameTables(s);
    BOOST_TEST(real.find("texts 0 ") == std::string::npos);
    BOOST_TEST(dry.find("attachments 0 ") == std::string::npos);
    BOOST_TEST(real.find("contacts 0 ") == std::string::npos);
    // Again: nothing left to remove but what a new run finds the same on both.
    both(s, request(false, 500));
    sameTables(s);
}

BOOST_AUTO_TEST_CASE(a_run_in_one_batch) {
    StorePair s;
    seed(s);
    auto real = both(s, request(false, 500));
    sameTables(s);
    BOOST_TEST(real.find("audit 12 ") != std::string::npos);
}
