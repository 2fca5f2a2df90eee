#include "daemon/store/postgres/pg_store.hpp"

#define BOOST_TEST_MODULE pg_store_nodes_itest

#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "daemon/metrics.hpp"
#include "tests/support/store_makers.hpp"

// What only the PostgreSQL store has: several nodes on one database (the outbox drained by two,
// NOTIFY between them), connections the server ends, a server stopped and started again (a
// cluster of the test's own), the round trips of a group, what is not yet available.

using namespace ccd;
using namespace ccd::testing;

BOOST_AUTO_TEST_CASE(two_nodes_claim_one_outbox_each_message_once) {
    PgMaker maker;
    auto a = maker.open();
    auto b = maker.open();
    constexpr int kMessages = 60;
    std::vector<std::promise<void>> stored(kMessages);
    for (int i = 0; i < kMessages; ++i) {
        auto in = ingest(*a, message("c" + std::to_string(i), "p" + std::to_string(i), "hi"));
        appendOutbound(i % 2 ? *a : *b, reply(in.conversation_id, "r" + std::to_string(i), "ok"));
    }
    auto drain = [](Store& s) {
        std::vector<std::int64_t> ids;
        for (;;) {
            auto c = claim(s, 3);
            if (c.items.empty()) return ids;
            for (const auto& item : c.items) ids.push_back(item.outbox_id);
        }
    };
    auto fa = std::async(std::launch::async, [&] { return drain(*a); });
    auto fb = std::async(std::launch::async, [&] { return drain(*b); });
    auto ida = fa.get();
    auto idb = fb.get();
    std::multiset<std::int64_t> all(ida.begin(), ida.end());
    all.insert(idb.begin(), idb.end());
    BOOST_TEST(all.size() == static_cast<std::size_t>(kMessages));
    BOOST_TEST(std::set<std::int64_t>(all.begin(), all.end()).size() == all.size());
    BOOST_TEST_MESSAGE("node a claimed " << ida.size() << ", node b " << idb.size());
}

BOOST_AUTO_TEST_CASE(another_node_s_outbound_message_wakes_this_node) {
    PgMaker maker;
    auto a = maker.open();
    auto in = ingest(*a, message("3003", "w1", "hi"));
    auto b = maker.open();
    struct Wakes {
        std::mutex mutex;
        std::condition_variable cv;
        int count = 0;
    };
    auto wakes = std::make_shared<Wakes>();
    b->setOutboxListener([wakes] {
        std::lock_guard lock(wakes->mutex);
        ++wakes->count;
        wakes->cv.notify_all();
    });
    // Both stores LISTEN (their listening sessions have run it).
    bool listening_both = false;
    for (int i = 0; i < 500 && !listening_both; ++i) {
        auto listening = maker.database().admin().queryValue(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
            " AND query = 'LISTEN ccd_outbox' AND state = 'idle'",
            {maker.database().name()});
        listening_both = listening == std::optional<std::string>("2");
        if (!listening_both) std::this_thread::sleep_for(10ms);
    }
    BOOST_TEST_REQUIRE(listening_both);
    // b's listener also runs once when it starts listening (what was queued before): two of
    // a's replies must wake it at least twice, so at least once through a's NOTIFY.
    appendOutbound(*a, reply(in.conversation_id, "n1", "ok"));
    appendOutbound(*a, reply(in.conversation_id, "n2", "ok"));
    std::unique_lock lock(wakes->mutex);
    BOOST_TEST(wakes->cv.wait_for(lock, 10s, [&] { return wakes->count >= 2; }));
}

BOOST_AUTO_TEST_CASE(a_lost_connection_is_replaced_by_the_pool) {
    PgMaker maker;
    auto s = maker.open();
    ingest(*s, message("4004", "x1", "before"));
    // Every session of the store's database ends (as a server restart ends them).
    maker.database().admin().exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
        maker.database().name() + "' AND pid <> pg_backend_pid()");
    std::this_thread::sleep_for(200ms);
    auto after = wait<store::IngestResult>(
        [&](auto done) { s->ingest(message("4004", "x2", "after"), done); });
    if (!after) {  // at most the write that met the dead connection fails, clearly
        BOOST_TEST_MESSAGE("first write after the loss: " << after.error->message);
        after = wait<store::IngestResult>(
            [&](auto done) { s->ingest(message("4004", "x2", "after"), done); });
    }
    BOOST_TEST(static_cast<bool>(after));
    auto conv = ok(wait<std::optional<store::ConversationRecord>>(
        [&](auto done) { s->getConversation(after.value->conversation_id, done); }));
    BOOST_TEST(conv->messages.size() == 2u);
    BOOST_TEST(s->status().healthy);
}

namespace {

// A cluster of this test's own (tests/support/pg_cluster.sh), stopped and started again by the
// test while a store uses it.
class OwnCluster {
  public:
    OwnCluster() {
        script("start");
        std::ifstream in(dir_.path() / "dsn");
        std::getline(in, dsn_);
    }
    ~OwnCluster() {
        std::system(("bash " CCD_SOURCE_DIR "/tests/support/pg_cluster.sh stop " +
                     dir_.path().string() + " >/dev/null 2>&1")
                        .c_str());
    }
    const std::string& dsn() const { return dsn_; }
    void stop() { script("stop-server", " fast"); }
    void start() { script("start-server"); }

  private:
    void script(const std::string& action, const std::string& mode = "") {
        const std::string command = "bash " CCD_SOURCE_DIR "/tests/support/pg_cluster.sh " +
                                    action + " " + dir_.path().string() + mode + " >/dev/null";
        if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    }
    testing::TempDir dir_;
    std::string dsn_;
};

// Waits up to 10 s until the store's health is `healthy`, without giving it any work.
bool becomes(const store::postgres::PgStore& s, bool healthy) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
        if (s.status().healthy == healthy) return true;
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_stopped_server_fails_operations_clearly_and_a_restarted_one_serves_again) {
    OwnCluster cluster;
    store::postgres::PgStoreOptions options;
    options.connect = testing::pgOptions(cluster.dsn());
    options.connect.connect_timeout = 3s;
    store::postgres::PgStore s(options, nullptr);
    auto first = ingest(s, message("5005", "y1", "before"));

    cluster.stop();
    // Idle, the store finds the server gone by itself (/healthz follows it without traffic).
    BOOST_TEST(becomes(s, false));
    auto lost = wait<store::IngestResult>(
        [&](auto done) { s.ingest(message("5005", "y2", "while stopped"), done); });
    BOOST_TEST_REQUIRE(!lost);
    BOOST_TEST(lost.error->message.find("not stored") == 0u);
    auto event = wait<bool>([&](auto done) {
        s.appendEvents({{first.conversation_id, "note", "{}", kT0}}, done);
    });
    BOOST_TEST(!event);
    auto read = wait<std::optional<store::ConversationRecord>>(
        [&](auto done) { s.getConversation(first.conversation_id, done); });
    BOOST_TEST_REQUIRE(!read);
    BOOST_TEST(read.error->message.find("read failed") == 0u);
    BOOST_TEST(!s.status().healthy);
    BOOST_TEST(!s.status().last_error.empty());

    cluster.start();
    BOOST_TEST(becomes(s, true));  // and back, before any write succeeds
    auto back = wait<store::IngestResult>(
        [&](auto done) { s.ingest(message("5005", "y2", "after the restart"), done); });
    BOOST_TEST_REQUIRE(static_cast<bool>(back));
    BOOST_TEST(!back.value->duplicate);  // the failed attempt stored nothing
    BOOST_TEST(s.status().healthy);
    auto conv = ok(wait<std::optional<store::ConversationRecord>>(
        [&](auto done) { s.getConversation(first.conversation_id, done); }));
    BOOST_TEST_REQUIRE(conv->messages.size() == 2u);
    BOOST_TEST(conv->messages[1].text == "after the restart");
    BOOST_TEST(s.status().location.find("127.0.0.1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_dsn_is_shown_without_its_password) {
    using store::postgres::redactDsn;
    BOOST_TEST(redactDsn("postgresql://ccd:s3cret@db:5432/ccd") ==
               "postgresql://ccd:***@db:5432/ccd");
    BOOST_TEST(redactDsn("host=db password='a b' user=ccd") == "host=db password=*** user=ccd");
    BOOST_TEST(redactDsn("postgresql://db/ccd?password=x&sslmode=require") ==
               "postgresql://db/ccd?password=***&sslmode=require");
}

BOOST_AUTO_TEST_CASE(text_postgresql_cannot_hold_fails_a_batch_clearly) {
    PgMaker maker;
    auto s = maker.open();
    // Text PostgreSQL cannot hold fails the whole batch before anything is written.
    store::InboundBatch batch;
    batch.channel_instance = "support-bot";
    batch.messages.push_back(message("6006", "z1", "fine"));
    batch.messages.push_back(message("6007", "z2", std::string("a NUL \0 here", 12)));
    auto b = wait<store::BatchIngested>([&](auto done) { s->ingestBatch(batch, done); });
    BOOST_TEST_REQUIRE(!b);
    BOOST_TEST(b.error->message == "not stored: message 2: text: a NUL byte");
    BOOST_TEST(recovery(*s).unrouted.empty());
}

BOOST_AUTO_TEST_CASE(a_group_of_writes_costs_two_round_trips_whatever_its_size) {
    PgMaker maker;
    daemon::Metrics metrics;
    store::postgres::PgStore s(maker.options(), &metrics);
    auto in = ingest(s, message("8008", "g1", "hi"));
    BOOST_TEST(metrics.messages_ingested.load() == 1u);
    // Queued at once: the writer groups whatever is waiting when it is free.
    constexpr int kWrites = 100;
    std::vector<std::future<StoreResult<std::int64_t>>> results;
    for (int i = 0; i < kWrites; ++i) {
        auto p = std::make_shared<std::promise<StoreResult<std::int64_t>>>();
        results.push_back(p->get_future());
        s.appendOutbound(reply(in.conversation_id, "g:" + std::to_string(i % 50), "ok"),
                         [p](StoreResult<std::int64_t> r) { p->set_value(std::move(r)); });
    }
    std::map<std::string, std::int64_t> by_key;
    for (int i = 0; i < kWrites; ++i) {
        auto r = results[i].get();
        BOOST_TEST_REQUIRE(static_cast<bool>(r));
        auto [it, fresh] = by_key.emplace("g:" + std::to_string(i % 50), *r.value);
        BOOST_TEST(it->second == *r.value);  // a repeated key answers the first message
    }
    BOOST_TEST(s.lastGroupRoundTrips() == 2u);
    BOOST_TEST(metrics.store_batch_size.count() < static_cast<std::uint64_t>(kWrites));
    auto counts = ok(
        wait<std::map<std::string, store::OutboxCounts>>([&](auto done) { s.outboxCounts(done); }));
    BOOST_TEST(counts["support-bot"].pending == 50u);
}
