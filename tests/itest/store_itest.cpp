#include "daemon/store/sqlite/sqlite_store.hpp"

#define BOOST_TEST_MODULE store_itest
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <set>
#include <future>
#include <thread>

#include "daemon/metrics.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/wal_buffer.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
using store::IngestResult;
using store::StoreResult;
using store::sqlite::SqliteStore;
using store::sqlite::SqliteStoreOptions;

namespace {

routing::InboundMessage message(std::string from, std::string text, std::string provider_id = {}) {
    routing::InboundMessage m;
    m.channel = routing::ChannelKind::Api;
    m.from.id = std::move(from);
    m.text = std::move(text);
    m.provider_id = std::move(provider_id);
    m.received_at = routing::Clock::now();
    return m;
}

IngestResult ingestSync(store::Store& s, routing::InboundMessage m) {
    std::promise<StoreResult<IngestResult>> p;
    s.ingest(std::move(m), [&p](StoreResult<IngestResult> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    BOOST_REQUIRE_MESSAGE(r.value.has_value(), (r.error ? r.error->message : ""));
    return *r.value;
}

// Counts rows through a connection of its own: it sees only what was committed.
long long countRows(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    BOOST_REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

// The text of the first column of the first row, through a connection of its own.
std::string textOf(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    BOOST_REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const auto* text = sqlite3_column_text(st, 0);
    std::string out = text ? reinterpret_cast<const char*>(text) : "<null>";
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

void applySync(store::Store& s, store::RoutingUpdate u) {
    std::promise<StoreResult<store::RoutingApplied>> p;
    s.applyRouting(std::move(u), [&p](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    BOOST_REQUIRE_MESSAGE(r.value.has_value(), (r.error ? r.error->message : ""));
}

std::optional<store::ConversationRecord> conversationSync(store::Store& s, std::int64_t id) {
    std::promise<StoreResult<std::optional<store::ConversationRecord>>> p;
    s.getConversation(id, [&p](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    BOOST_REQUIRE(r.value.has_value());
    return std::move(*r.value);
}

// The engine's view of conversation `id` after classification.
routing::ConversationSnapshot classified(std::int64_t id, std::string category,
                                         std::string subtype) {
    routing::ConversationSnapshot snap;
    snap.id = id;
    snap.category = std::move(category);
    snap.subtype = std::move(subtype);
    return snap;
}

SqliteStoreOptions options(const testing::TempDir& dir) {
    return SqliteStoreOptions{dir.file("sub/ccd.db"), 512, std::chrono::milliseconds(2000)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(ingest_creates_contact_conversation_and_message_committed_before_callback) {
    testing::TempDir dir;
    SqliteStore s(options(dir), nullptr);
    auto r = ingestSync(s, message("c1", "my printer is broken", "ext-1"));
    BOOST_TEST(r.message_id > 0);
    BOOST_TEST(r.conversation_id > 0);
    BOOST_TEST(r.new_conversation);
    BOOST_TEST(!r.duplicate);
    // Another connection sees it already: the callback came after COMMIT.
    BOOST_TEST(countRows(dir.file("sub/ccd.db"), "SELECT count(*) FROM messages") == 1);
    BOOST_TEST(countRows(dir.file("sub/ccd.db"),
                         "SELECT count(*) FROM events WHERE type = 'conversation.opened'") == 1);
}

BOOST_AUTO_TEST_CASE(same_sender_joins_the_open_conversation_others_get_their_own) {
    testing::TempDir dir;
    SqliteStore s(options(dir), nullptr);
    auto a1 = ingestSync(s, message("alice", "hello"));
    auto a2 = ingestSync(s, message("alice", "are you there?"));
    auto b1 = ingestSync(s, message("bob", "hi"));
    BOOST_TEST(a1.conversation_id == a2.conversation_id);
    BOOST_TEST(!a2.new_conversation);
    BOOST_TEST(a1.contact_id == a2.contact_id);
    BOOST_TEST(b1.conversation_id != a1.conversation_id);
    BOOST_TEST(b1.contact_id != a1.contact_id);
}

// A contact made by the message is handed to the engine without reading it back: the profile
// must be the one a read gives (the next message's, which reads it).
BOOST_AUTO_TEST_CASE(a_new_contacts_profile_is_what_reading_it_gives) {
    testing::TempDir dir;
    SqliteStore s(options(dir), nullptr);
    for (bool named : {true, false}) {
        const std::string from = named ? "zhang" : "anonymous";
        auto m = message(from, "打印机坏了");
        if (named) {
            m.from.name = "张伟";
            m.locale = "zh-Hans";
        }
        auto first = ingestSync(s, m);
        auto again = ingestSync(s, m);
        BOOST_TEST(first.contact_id == again.contact_id);
        BOOST_TEST(!again.new_conversation);
        const auto& a = first.contact;
        const auto& b = again.contact;
        BOOST_TEST(a.id == b.id);
        BOOST_TEST(a.name.value_or("<none>") == b.name.value_or("<none>"));
        BOOST_TEST(a.name.has_value() == named);
        BOOST_TEST(a.tier == b.tier);
        BOOST_TEST(a.locale.value_or("<none>") == b.locale.value_or("<none>"));
        BOOST_TEST((a.attributes == b.attributes));
        BOOST_TEST(a.products.size() == b.products.size());
        BOOST_TEST(a.last_agent.value_or("<none>") == b.last_agent.value_or("<none>"));
        BOOST_TEST(a.account_manager.value_or("<none>") == b.account_manager.value_or("<none>"));
        BOOST_TEST(a.cases.size() == b.cases.size());
    }
}

BOOST_AUTO_TEST_CASE(repeated_provider_id_returns_original_ids_and_stores_once) {
    testing::TempDir dir;
    SqliteStore s(options(dir), nullptr);
    auto first = ingestSync(s, message("c1", "text", "dup-1"));
    auto again = ingestSync(s, message("c1", "text", "dup-1"));
    BOOST_TEST(again.duplicate);
    BOOST_TEST(again.message_id == first.message_id);
    BOOST_TEST(again.conversation_id == first.conversation_id);
    BOOST_TEST(countRows(dir.file("sub/ccd.db"), "SELECT count(*) FROM messages") == 1);
}

BOOST_AUTO_TEST_CASE(concurrent_writes_are_grouped_and_duplicates_in_one_batch_stored_once) {
    testing::TempDir dir;
    daemon::Metrics metrics;
    SqliteStore s(options(dir), &metrics);
    constexpr int kThreads = 8, kPerThread = 200;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    std::mutex ids_mutex;
    std::set<std::int64_t> dup_ids;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::future<StoreResult<IngestResult>>> futures;
            std::vector<std::shared_ptr<std::promise<StoreResult<IngestResult>>>> promises;
            for (int i = 0; i < kPerThread; ++i) {
                auto p = std::make_shared<std::promise<StoreResult<IngestResult>>>();
                futures.push_back(p->get_future());
                // Every thread also sends the same "shared-N" ids: duplicates race each other.
                std::string id = i % 10 == 0 ? "shared-" + std::to_string(i)
                                             : "t" + std::to_string(t) + "-" + std::to_string(i);
                s.ingest(message("user-" + std::to_string(i % 50), "m", id),
                         [p](StoreResult<IngestResult> r) { p->set_value(std::move(r)); });
            }
            for (int i = 0; i < kPerThread; ++i) {
                auto r = futures[static_cast<std::size_t>(i)].get();
                if (!r.value) {
                    ++failures;
                    continue;
                }
                if (i == 0) {
                    std::lock_guard lock(ids_mutex);
                    dup_ids.insert(r.value->message_id);
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    BOOST_TEST(failures.load() == 0);
    BOOST_TEST(dup_ids.size() == 1u);  // every thread got the same id for "shared-0"
    const long long unique = kThreads * (kPerThread - kPerThread / 10) + kPerThread / 10;
    BOOST_TEST(countRows(dir.file("sub/ccd.db"), "SELECT count(*) FROM messages") == unique);
    // Group commit: fewer commits than writes.
    BOOST_TEST(metrics.store_commit_seconds.count() < static_cast<std::uint64_t>(kThreads * kPerThread));
    BOOST_TEST(metrics.messages_deduplicated.load() ==
               static_cast<std::uint64_t>(kThreads * kPerThread - unique));
}

BOOST_AUTO_TEST_CASE(reopening_keeps_everything) {
    testing::TempDir dir;
    std::int64_t conv = 0;
    {
        SqliteStore s(options(dir), nullptr);
        for (int i = 0; i < 20; ++i) conv = ingestSync(s, message("same", "m" + std::to_string(i))).conversation_id;
    }
    SqliteStore s(options(dir), nullptr);
    std::promise<StoreResult<std::optional<store::ConversationRecord>>> p;
    s.getConversation(conv, [&p](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    BOOST_REQUIRE(r.value.has_value());
    BOOST_REQUIRE(r.value->has_value());
    const auto& c = **r.value;
    BOOST_TEST(c.messages.size() == 20u);
    BOOST_TEST(c.messages.front().text == "m0");
    BOOST_TEST(c.messages.back().text == "m19");
    BOOST_TEST(c.status == "open");
    // A joined message continues the same conversation after the restart.
    BOOST_TEST(ingestSync(s, message("same", "after restart")).conversation_id == conv);

    std::promise<StoreResult<std::optional<store::ConversationRecord>>> missing;
    s.getConversation(999999, [&missing](auto res) { missing.set_value(std::move(res)); });
    auto m = missing.get_future().get();
    BOOST_REQUIRE(m.value.has_value());
    BOOST_TEST(!m.value->has_value());
}

// The classifier's subtype is kept beside the category: in its own column (reports group by it)
// and in the saved routing state, read back by the API and after a restart.
BOOST_AUTO_TEST_CASE(the_subtype_is_stored_beside_the_category_and_read_back) {
    testing::TempDir dir;
    std::int64_t leak = 0, plain = 0;
    {
        SqliteStore s(options(dir), nullptr);
        leak = ingestSync(s, message("leaky", "water all over the floor")).conversation_id;
        plain = ingestSync(s, message("vague", "hello")).conversation_id;
        store::RoutingUpdate u;
        u.conversations.push_back(classified(leak, "fault", "leak"));
        u.conversations.push_back(classified(plain, "other", ""));
        applySync(s, std::move(u));
    }
    const auto path = dir.file("sub/ccd.db");
    BOOST_TEST(textOf(path, "SELECT category || '/' || subtype FROM conversations WHERE id = " +
                                std::to_string(leak)) == "fault/leak");
    BOOST_TEST(textOf(path, "SELECT subtype FROM conversations WHERE id = " +
                                std::to_string(plain)) == "");

    SqliteStore s(options(dir), nullptr);
    auto c = conversationSync(s, leak);
    BOOST_REQUIRE(c);
    BOOST_REQUIRE(c->routing);
    BOOST_TEST(c->routing->category == "fault");
    BOOST_TEST(c->routing->subtype == "leak");
    auto none = conversationSync(s, plain);
    BOOST_REQUIRE(none && none->routing);
    BOOST_TEST(none->routing->subtype == "");

    std::promise<StoreResult<store::RoutingRecovery>> p;
    s.loadRouting([&p](auto r) { p.set_value(std::move(r)); });
    auto recovery = p.get_future().get();
    BOOST_REQUIRE(recovery.value.has_value());
    BOOST_REQUIRE(recovery.value->conversations.size() == 2u);
    BOOST_TEST(recovery.value->conversations[0].id == leak);
    BOOST_TEST(recovery.value->conversations[0].subtype == "leak");
}

// A file from before subtypes (schema 10) gains the column when the store opens it; its
// conversations have none until they are routed again.
BOOST_AUTO_TEST_CASE(a_schema_10_file_is_migrated_to_keep_subtypes) {
    testing::TempDir dir;
    std::int64_t conv = 0;
    {
        SqliteStore s(options(dir), nullptr);
        conv = ingestSync(s, message("old", "from before")).conversation_id;
    }
    const auto path = dir.file("sub/ccd.db");
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    BOOST_REQUIRE(sqlite3_exec(db,
                               "ALTER TABLE conversations DROP COLUMN subtype;"
                               " DROP INDEX events_holds; DROP INDEX cases_by_opened;"
                               " ALTER TABLE outbox DROP COLUMN claimed_by;"
                               " ALTER TABLE outbox DROP COLUMN claimed_at;"
                               " DROP TABLE console_sessions;"
                               " PRAGMA user_version = 10",
                               nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    BOOST_REQUIRE(countRows(path,
                            "SELECT count(*) FROM pragma_table_info('conversations')"
                            " WHERE name = 'subtype'") == 0);

    SqliteStore s(options(dir), nullptr);
    BOOST_TEST(countRows(path, "PRAGMA user_version") == store::sqlite::latestSchemaVersion());
    BOOST_TEST(store::sqlite::latestSchemaVersion() == 16);
    BOOST_TEST(countRows(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
                               " ('events_holds', 'cases_by_opened', 'console_sessions')") == 3);
    BOOST_TEST(textOf(path, "SELECT subtype FROM conversations WHERE id = " +
                                std::to_string(conv)) == "<null>");
    store::RoutingUpdate u;
    u.conversations.push_back(classified(conv, "delivery", "address_change"));
    applySync(s, std::move(u));
    BOOST_TEST(textOf(path, "SELECT subtype FROM conversations WHERE id = " +
                                std::to_string(conv)) == "address_change");
}

// The rows of `prefix sql` (EXPLAIN or EXPLAIN QUERY PLAN) on the file at `path`: column
// `column` of each (EXPLAIN's opcode is column 1, the plan's detail column 3).
std::vector<std::string> explain(const std::string& path, const std::string& prefix,
                                 const std::string& sql, int column) {
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    BOOST_REQUIRE_MESSAGE(
        sqlite3_prepare_v2(db, (prefix + " " + sql).c_str(), -1, &st, nullptr) == SQLITE_OK,
        sqlite3_errmsg(db));
    std::vector<std::string> rows;
    while (sqlite3_step(st) == SQLITE_ROW)
        rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, column)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

// SQLite tests an IN list of more than two constants against a B-tree it builds each time the
// statement runs (OpenEphemeral): no write the store makes for every message may need one.
BOOST_AUTO_TEST_CASE(the_writes_of_every_message_build_no_temporary_btree) {
    testing::TempDir dir;
    { SqliteStore s(options(dir), nullptr); }
    const auto path = dir.file("sub/ccd.db");
    for (const std::string sql :
         {"INSERT INTO events (conversation_id, type, data, created_at) VALUES (1, 'queued', '{}', 1)",
          "INSERT INTO outbox (conversation_id, message_id, channel, idempotency_key, payload,"
          " status, next_attempt_at, created_at) VALUES (1, 1, 'api', 'k', '{}', 'sent', 1, 1)",
          "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = 1",
          "INSERT INTO messages (conversation_id, direction, channel, author, body, created_at)"
          " VALUES (1, 'in', 'api', 'customer', 'x', 1)",
          "UPDATE conversations SET status = 'closed' WHERE id = 1"}) {
        auto ops = explain(path, "EXPLAIN", sql, 1);
        BOOST_TEST(!ops.empty());
        BOOST_TEST(std::count(ops.begin(), ops.end(), "OpenEphemeral") == 0, sql);
    }
    // The agent_time report's query still finds the holds through their partial index.
    auto plan = explain(path, "EXPLAIN QUERY PLAN",
                        "SELECT id FROM events INDEXED BY events_holds WHERE (type = 'assigned' OR"
                        " type = 'resolved' OR type = 'closed' OR type = 'queued' OR"
                        " type = 'transfer') AND created_at >= 0 AND created_at < 10",
                        3);
    BOOST_REQUIRE(plan.size() == 1);
    BOOST_TEST(plan[0].find("USING INDEX events_holds") != std::string::npos, plan[0]);
}

// Migration 16 rebuilds the outbox to spell its CHECK without an IN list: its rows, ids and
// columns are kept, and a status outside the four is still refused.
BOOST_AUTO_TEST_CASE(a_schema_15_outbox_keeps_its_rows_and_its_check) {
    testing::TempDir dir;
    const auto path = dir.file("sub/ccd.db");
    {
        SqliteStore s(options(dir), nullptr);
        auto conv = ingestSync(s, message("old", "from before")).conversation_id;
        store::RoutingUpdate u;
        store::OutboundMessage out;
        out.conversation_id = conv;
        out.author = "agent";
        out.text = "an answer";
        out.idempotency_key = "before-16";
        u.outbound.push_back(out);
        applySync(s, std::move(u));
    }
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    // Back to schema 15: the index and the outbox as migrations 1-15 left them.
    BOOST_REQUIRE(sqlite3_exec(db,
                               "DROP INDEX events_holds;"
                               " CREATE INDEX events_holds ON events(created_at, conversation_id)"
                               " WHERE type IN ('assigned', 'resolved', 'closed', 'queued',"
                               " 'transfer');"
                               " PRAGMA user_version = 15",
                               nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const std::string row =
        "SELECT id || '|' || conversation_id || '|' || message_id || '|' || channel || '|' ||"
        " idempotency_key || '|' || payload || '|' || status || '|' || kind FROM outbox";
    const auto before = textOf(path, row);

    SqliteStore s(options(dir), nullptr);
    BOOST_TEST(countRows(path, "PRAGMA user_version") == 16);
    BOOST_TEST(textOf(path, row) == before);
    BOOST_TEST(countRows(path, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'outbox'"
                               " AND type = 'index' AND name LIKE 'outbox_%'") == 3);
    BOOST_TEST(textOf(path, "SELECT sql FROM sqlite_master WHERE name = 'outbox'").find(" IN (") ==
               std::string::npos);
    s.close();
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    BOOST_TEST(sqlite3_exec(db, "UPDATE outbox SET status = 'lost'", nullptr, nullptr, nullptr) ==
               SQLITE_CONSTRAINT);
    BOOST_TEST(sqlite3_exec(db, "UPDATE outbox SET status = 'failed'", nullptr, nullptr,
                            nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

// A commit's WAL frames reach the file in one write (wal_buffer.hpp), and each commit is seen
// at once by a connection of its own (which does not use the buffering VFS).
BOOST_AUTO_TEST_CASE(each_commit_writes_its_wal_frames_at_once_and_is_seen_at_once) {
    testing::TempDir dir;
    SqliteStore s(options(dir), nullptr);
    const auto path = dir.file("sub/ccd.db");
    const auto before = store::sqlite::walBufferStats();
    constexpr int kCommits = 40;
    for (int i = 0; i < kCommits; ++i) {
        ingestSync(s, message("sender-" + std::to_string(i), "message " + std::to_string(i)));
        BOOST_TEST(countRows(path, "SELECT count(*) FROM messages") == i + 1);
    }
    const auto after = store::sqlite::walBufferStats();
    const auto writes = after.writes - before.writes, flushes = after.flushes - before.flushes;
    BOOST_TEST_MESSAGE("WAL writes " << writes << ", pwrite calls " << flushes);
    // A new conversation's commit has several pages, each a frame header and a page.
    BOOST_TEST(writes >= 8u * kCommits);
    BOOST_TEST(flushes >= static_cast<std::uint64_t>(kCommits));
    BOOST_TEST(flushes <= static_cast<std::uint64_t>(kCommits) + 4u);
}

// A commit larger than one write of the unix VFS (128 KiB) and than the buffer (4 MiB) is
// written whole: its rows are there, read back by a connection without the buffering VFS.
BOOST_AUTO_TEST_CASE(a_commit_of_megabytes_goes_through_the_wal_buffer_whole) {
    testing::TempDir dir;
    const auto path = dir.file("big.db");
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                  store::sqlite::walBufferVfs()) == SQLITE_OK);
    BOOST_REQUIRE(sqlite3_exec(db,
                               "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                               " CREATE TABLE t (id INTEGER PRIMARY KEY, blob BLOB NOT NULL)",
                               nullptr, nullptr, nullptr) == SQLITE_OK);
    for (int rows : {40, 1500}) {  // about 160 KiB, then about 6 MiB in one commit
        BOOST_REQUIRE(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK);
        for (int i = 0; i < rows; ++i) {
            BOOST_REQUIRE(sqlite3_exec(db, "INSERT INTO t (blob) VALUES (randomblob(4000))",
                                       nullptr, nullptr, nullptr) == SQLITE_OK);
        }
        BOOST_TEST(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK,
                   sqlite3_errmsg(db));
    }
    BOOST_TEST(countRows(path, "SELECT count(*) FROM t WHERE length(blob) = 4000") == 1540);
    sqlite3_close(db);
}

BOOST_AUTO_TEST_CASE(a_second_store_on_the_same_file_is_refused_as_locked) {
    testing::TempDir dir;
    SqliteStore first(options(dir), nullptr);
    try {
        SqliteStore second(options(dir), nullptr);
        BOOST_FAIL("a second store opened a locked database");
    } catch (const store::sqlite::StoreOpenError& e) {
        BOOST_TEST(std::string(e.what()).find("locked") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find(std::to_string(::getpid())) != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_corrupt_file_is_refused_with_a_clear_error) {
    testing::TempDir dir;
    std::filesystem::create_directories(dir.file("sub"));
    {
        std::ofstream f(dir.file("sub/ccd.db"), std::ios::binary);
        for (int i = 0; i < 1000; ++i) f << "this is not a database ";
    }
    try {
        SqliteStore s(options(dir), nullptr);
        BOOST_FAIL("a corrupt database was opened");
    } catch (const store::sqlite::StoreOpenError& e) {
        BOOST_TEST(std::string(e.what()).find("corrupt") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_newer_schema_is_refused) {
    testing::TempDir dir;
    { SqliteStore s(options(dir), nullptr); }
    sqlite3* db = nullptr;
    sqlite3_open(dir.file("sub/ccd.db").c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    try {
        SqliteStore s(options(dir), nullptr);
        BOOST_FAIL("a newer schema was opened");
    } catch (const store::sqlite::StoreOpenError& e) {
        BOOST_TEST(std::string(e.what()).find("newer") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(ingest_after_close_fails_instead_of_hanging) {
    testing::TempDir dir;
    SqliteStore s(options(dir), nullptr);
    s.close();
    bool failed = false;
    s.ingest(message("c", "late"), [&](StoreResult<IngestResult> r) { failed = !r.value; });
    BOOST_TEST(failed);
    BOOST_TEST(!s.status().healthy);
}

BOOST_AUTO_TEST_CASE(the_wal_stays_bounded_under_continuous_writes) {
    testing::TempDir dir;
    auto opts = options(dir);
    opts.checkpoint_pages = 50;
    SqliteStore s(opts, nullptr);
    // Keep the writer busy without pause: the WAL must still be reused, not grow with the data.
    std::vector<std::shared_ptr<std::promise<void>>> waits;
    for (int i = 0; i < 6000; ++i) {
        auto p = std::make_shared<std::promise<void>>();
        waits.push_back(p);
        s.ingest(message("w" + std::to_string(i % 300), std::string(300, 'x'), "w-" + std::to_string(i)),
                 [p](StoreResult<IngestResult>) { p->set_value(); });
    }
    for (auto& p : waits) p->get_future().wait();
    auto wal = std::filesystem::file_size(dir.file("sub/ccd.db-wal"));
    auto db = std::filesystem::file_size(dir.file("sub/ccd.db"));
    BOOST_TEST_MESSAGE("wal " << wal << " bytes, database " << db << " bytes");
    BOOST_TEST(wal < 4u * 1024 * 1024);
    BOOST_TEST(countRows(dir.file("sub/ccd.db"), "SELECT count(*) FROM messages") == 6000);
}

BOOST_AUTO_TEST_CASE(attachment_bytes_are_stored_with_their_message_once_and_read_back) {
    testing::TempDir dir;
    SqliteStore s(options(dir), nullptr);
    auto batch = [] {
        store::InboundBatch b;
        b.channel_instance = "api";
        auto m = message("c1", "photo attached", "mail-1");
        routing::Attachment kept;
        kept.kind = "image";
        kept.provider_file_id = "email:mail-1#1";
        kept.mime_type = "image/png";
        kept.stored = true;
        routing::Attachment described = kept;
        described.provider_file_id = "email:mail-1#2";
        described.stored = false;
        m.attachments = {kept, described};
        b.messages.push_back(std::move(m));
        std::string bytes("\x89PNG\0\x01\xff", 7);  // binary, with a NUL
        b.attachment_contents = {{0, 1, bytes},
                                 {0, 2, "not kept: the attachment says so"},
                                 {0, 3, "no such attachment"},
                                 {1, 1, "no such message"}};
        return b;
    };
    auto ingest = [&s](store::InboundBatch b) {
        std::promise<StoreResult<store::BatchIngested>> p;
        s.ingestBatch(std::move(b), [&p](auto r) { p.set_value(std::move(r)); });
        auto r = p.get_future().get();
        BOOST_REQUIRE(r.value.has_value());
        return *r.value;
    };
    auto first = ingest(batch());
    auto again = ingest(batch());
    BOOST_TEST(again.messages[0].duplicate);
    const std::string db = dir.file("sub/ccd.db");
    BOOST_TEST(countRows(db, "SELECT count(*) FROM attachment_content") == 1);

    auto read = [&s](std::int64_t c, std::int64_t m, std::size_t n) {
        std::promise<StoreResult<std::optional<store::AttachmentFile>>> p;
        s.getAttachment(c, m, n, [&p](auto r) { p.set_value(std::move(r)); });
        auto r = p.get_future().get();
        BOOST_REQUIRE(r.value.has_value());
        return *r.value;
    };
    const auto& ids = first.messages[0];
    auto kept = read(ids.conversation_id, ids.message_id, 1);
    BOOST_REQUIRE(kept);
    BOOST_REQUIRE(kept->bytes);
    BOOST_TEST(*kept->bytes == std::string("\x89PNG\0\x01\xff", 7));
    BOOST_TEST(kept->sha256.size() == 64u);
    BOOST_TEST(*kept->attachment.mime_type == "image/png");
    auto described = read(ids.conversation_id, ids.message_id, 2);
    BOOST_REQUIRE(described);
    BOOST_TEST(!described->bytes);
    BOOST_TEST(!read(ids.conversation_id, ids.message_id, 3));
    BOOST_TEST(!read(ids.conversation_id + 1, ids.message_id, 1));  // another conversation's
    BOOST_TEST(!read(ids.conversation_id, ids.message_id + 1, 1));
}
