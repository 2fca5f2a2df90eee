#include "daemon/store/postgres/pg_store.hpp"

#define BOOST_TEST_MODULE pg_store_itest
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include <unistd.h>
#include <filesystem>

#include "daemon/metrics.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "tests/support/pg_test_db.hpp"
#include "tests/support/temp_dir.hpp"

// One suite on both stores (SqliteStore on a temporary file, PgStore on a database of the
// test's own): ingest, routing, the outbox, recovery after reopening. What only PostgreSQL has
// (several nodes on one outbox, a lost server) is checked on PgStore alone.

using namespace ccd;
using namespace std::chrono_literals;
using store::Store;
using store::StoreResult;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

// Runs an asynchronous store call and waits for its result.
template <class T>
StoreResult<T> wait(const std::function<void(std::function<void(StoreResult<T>)>)>& call) {
    auto promise = std::make_shared<std::promise<StoreResult<T>>>();
    auto future = promise->get_future();
    call([promise](StoreResult<T> r) { promise->set_value(std::move(r)); });
    if (future.wait_for(30s) != std::future_status::ready) throw std::runtime_error("timed out");
    return future.get();
}

template <class T>
T ok(StoreResult<T> r) {
    if (!r) throw std::runtime_error("store failed: " + r.error->message);
    return std::move(*r.value);
}

routing::InboundMessage message(const std::string& sender, const std::string& provider_id,
                                const std::string& text, std::int64_t at_ms = kT0) {
    routing::InboundMessage m;
    m.channel = routing::ChannelKind::Telegram;
    m.channel_instance = "support-bot";
    m.provider_id = provider_id;
    m.from.id = sender;
    m.from.name = "Customer " + sender;
    m.text = text;
    m.locale = "en";
    m.received_at = routing::TimePoint(std::chrono::milliseconds(at_ms));
    return m;
}

store::IngestResult ingest(Store& s, routing::InboundMessage m) {
    return ok(wait<store::IngestResult>([&](auto done) { s.ingest(std::move(m), done); }));
}

store::OutboundMessage reply(std::int64_t conversation, const std::string& key,
                             const std::string& text) {
    store::OutboundMessage o;
    o.conversation_id = conversation;
    o.author = "auto";
    o.text = text;
    o.template_id = "ack";
    o.locale = "en";
    o.idempotency_key = key;
    return o;
}

std::int64_t appendOutbound(Store& s, store::OutboundMessage o) {
    return ok(wait<std::int64_t>([&](auto done) { s.appendOutbound(std::move(o), done); }));
}

store::OutboxClaim claim(Store& s, std::size_t limit, std::int64_t now_ms = kT0 * 2) {
    return ok(wait<store::OutboxClaim>(
        [&](auto done) { s.claimOutbox("support-bot", limit, now_ms, done); }));
}

store::RoutingRecovery recovery(Store& s) {
    return ok(wait<store::RoutingRecovery>([&](auto done) { s.loadRouting(done); }));
}

// A store that can be closed and opened again on the same database.
class StoreMaker {
  public:
    virtual ~StoreMaker() = default;
    virtual std::string name() const = 0;
    virtual std::unique_ptr<Store> open() = 0;
};

class SqliteMaker : public StoreMaker {
  public:
    std::string name() const override { return "sqlite"; }
    std::unique_ptr<Store> open() override {
        return std::make_unique<store::sqlite::SqliteStore>(
            store::sqlite::SqliteStoreOptions{dir_.file("ccd.db"), 512, 2000ms}, nullptr);
    }

  private:
    testing::TempDir dir_;
};

class PgMaker : public StoreMaker {
  public:
    std::string name() const override { return "postgres"; }
    std::unique_ptr<Store> open() override { return std::make_unique<store::postgres::PgStore>(
            options(), nullptr); }
    store::postgres::PgStoreOptions options() const {
        store::postgres::PgStoreOptions o;
        o.connect = database_.options();
        o.connect.connect_timeout = 3s;
        return o;
    }
    testing::PgTestDatabase& database() { return database_; }

  private:
    testing::PgTestDatabase database_;
};

std::vector<std::unique_ptr<StoreMaker>> bothStores() {
    std::vector<std::unique_ptr<StoreMaker>> out;
    out.push_back(std::make_unique<SqliteMaker>());
    out.push_back(std::make_unique<PgMaker>());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ingest_route_send_and_recover_after_reopening) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto first = ingest(*s, message("1001", "u1", "My printer is broken"));
            BOOST_TEST(first.new_conversation);
            BOOST_TEST(first.contact.name.value_or("") == "Customer 1001");

            // Stored, not routed yet: what a restart hands the engine.
            auto before = recovery(*s);
            BOOST_TEST_REQUIRE(before.unrouted.size() == 1u);
            BOOST_TEST(before.unrouted[0].message_id == first.message_id);
            BOOST_TEST(before.unrouted[0].new_conversation);
            BOOST_TEST(before.unrouted[0].message.text == "My printer is broken");
            BOOST_TEST(before.unrouted[0].message.from.id == "1001");
            BOOST_TEST(before.unrouted[0].contact.id == first.contact_id);

            store::RoutingUpdate u;
            routing::ConversationSnapshot snap;
            snap.id = first.conversation_id;
            snap.contact_id = first.contact_id;
            snap.channel = routing::ChannelKind::Telegram;
            snap.channel_instance = "support-bot";
            snap.category = "fault";
            snap.priority = 2;
            snap.queue = "repairs";
            snap.opened_at = routing::TimePoint(std::chrono::milliseconds(kT0));
            u.conversations.push_back(snap);
            u.routed_upto.emplace_back(first.conversation_id, first.message_id);
            u.outbound.push_back(reply(first.conversation_id, "auto:1", "We are on it"));
            u.events.push_back({first.conversation_id, "routed", "{\"queue\":\"repairs\"}", kT0});
            u.read_back.push_back(first.conversation_id);
            auto applied = ok(wait<store::RoutingApplied>(
                [&](auto done) { s->applyRouting(std::move(u), done); }));
            BOOST_TEST_REQUIRE(applied.outbound_ids.size() == 1u);
            BOOST_TEST_REQUIRE(applied.conversations.size() == 1u);
            BOOST_TEST(applied.conversations[0].messages.size() == 2u);
            BOOST_TEST(applied.conversations[0].routing->queue == "repairs");

            // A repeated idempotency key stores nothing and answers the first message.
            BOOST_TEST(appendOutbound(*s, reply(first.conversation_id, "auto:1", "again")) ==
                       applied.outbound_ids[0]);
            // A message for no conversation fails alone, with a clear reason.
            auto orphan = wait<std::int64_t>(
                [&](auto done) { s->appendOutbound(reply(999999, "auto:x", "lost"), done); });
            BOOST_TEST(!orphan);
            BOOST_TEST(orphan.error->message.find("999999") != std::string::npos);

            auto claimed = claim(*s, 10);
            BOOST_TEST_REQUIRE(claimed.items.size() == 1u);
            const auto& item = claimed.items[0];
            BOOST_TEST(item.message_id == applied.outbound_ids[0]);
            BOOST_TEST(item.text == "We are on it");
            BOOST_TEST(item.to == "1001");
            BOOST_TEST(item.attempt == 1);
            BOOST_TEST(item.customer_message_id.value_or("") == "u1");
            BOOST_TEST(claim(*s, 10).items.empty());  // taken: not claimed twice
            auto counts = ok(wait<std::map<std::string, store::OutboxCounts>>(
                [&](auto done) { s->outboxCounts(done); }));
            BOOST_TEST(counts["support-bot"].sending == 1u);

            store::OutboxResult sent;
            sent.outbox_id = item.outbox_id;
            sent.provider_message_id = "tg-77";
            auto changes = ok(wait<std::vector<store::DeliveryChange>>(
                [&](auto done) { s->completeOutbox({sent}, done); }));
            BOOST_TEST_REQUIRE(changes.size() == 1u);
            BOOST_TEST(changes[0].message_id == item.message_id);
            BOOST_TEST(changes[0].author == "auto");

            auto conv = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(first.conversation_id, done); }));
            BOOST_TEST_REQUIRE(conv.has_value());
            BOOST_TEST_REQUIRE(conv->messages.size() == 2u);
            BOOST_TEST(conv->messages[1].delivery.value_or("") == "sent");
            BOOST_TEST(conv->messages[1].provider_ref.value_or("") == "tg-77");
            auto target = ok(wait<std::optional<store::DeliveryTarget>>(
                [&](auto done) { s->deliveryTarget(first.conversation_id, done); }));
            BOOST_TEST(target->channel_instance == "support-bot");
            BOOST_TEST(target->to == "1001");

            // A second message, stored but not routed, and a reply left in flight by a crash.
            auto second = ingest(*s, message("1001", "u2", "Still broken", kT0 + 1000));
            appendOutbound(*s, reply(first.conversation_id, "auto:2", "Looking"));
            BOOST_TEST(claim(*s, 10).items.size() == 1u);
            s->close();
            s.reset();

            auto reopened = maker->open();
            auto after = recovery(*reopened);
            BOOST_TEST_REQUIRE(after.conversations.size() == 1u);
            BOOST_TEST(after.conversations[0].id == first.conversation_id);
            BOOST_TEST(after.conversations[0].queue == "repairs");
            BOOST_TEST(after.conversations[0].priority == 2);
            BOOST_TEST_REQUIRE(after.unrouted.size() == 1u);
            BOOST_TEST(after.unrouted[0].message_id == second.message_id);
            BOOST_TEST(!after.unrouted[0].new_conversation);
            BOOST_TEST(ok(wait<std::size_t>([&](auto done) {
                           reopened->resumeOutbox(done);
                       })) == 1u);
            auto again = claim(*reopened, 10);
            BOOST_TEST_REQUIRE(again.items.size() == 1u);
            BOOST_TEST(again.items[0].attempt == 2);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_conversation_s_messages_are_claimed_one_at_a_time_in_order) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto in = ingest(*s, message("2002", "v1", "hello"));
            auto a = appendOutbound(*s, reply(in.conversation_id, "k:a", "first"));
            appendOutbound(*s, reply(in.conversation_id, "k:b", "second"));
            auto c = claim(*s, 10);
            BOOST_TEST_REQUIRE(c.items.size() == 1u);
            BOOST_TEST(c.items[0].message_id == a);
            store::OutboxResult retry;
            retry.outbox_id = c.items[0].outbox_id;
            retry.kind = store::OutboxResult::Kind::Retry;
            retry.next_attempt_ms = kT0 * 3;
            retry.reason = "429";
            ok(wait<std::vector<store::DeliveryChange>>(
                [&](auto done) { s->completeOutbox({retry}, done); }));
            auto later = claim(*s, 10);
            BOOST_TEST(later.items.empty());  // the second waits behind the first's retry
            BOOST_TEST(later.next_due_ms.has_value());
        }
    }
}

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
    auto b = maker.open();
    auto woken = std::make_shared<std::promise<void>>();
    auto once = std::make_shared<std::once_flag>();
    b->setOutboxListener([woken, once] { std::call_once(*once, [&] { woken->set_value(); }); });
    auto in = ingest(*a, message("3003", "w1", "hi"));
    // b's listener may fire once at start (LISTEN begins); wait until it has, then for a's.
    std::this_thread::sleep_for(300ms);
    auto woken2 = std::make_shared<std::promise<void>>();
    b->setOutboxListener([woken2, once = std::make_shared<std::once_flag>()] {
        std::call_once(*once, [&] { woken2->set_value(); });
    });
    appendOutbound(*a, reply(in.conversation_id, "n1", "ok"));
    BOOST_TEST((woken2->get_future().wait_for(10s) == std::future_status::ready));
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
        run("bash " CCD_SOURCE_DIR "/tests/support/pg_cluster.sh start " + dir_.path().string());
        dsn_ = line(dir_.path() / "dsn");
        data_ = line(dir_.path() / "datadir");
        port_ = dsn_.substr(dsn_.rfind(':') + 1);
        port_ = port_.substr(0, port_.find('/'));
    }
    ~OwnCluster() {
        std::system(("bash " CCD_SOURCE_DIR "/tests/support/pg_cluster.sh stop " +
                     dir_.path().string() + " >/dev/null 2>&1")
                        .c_str());
    }
    const std::string& dsn() const { return dsn_; }
    void stop() { pgCtl("-m fast -w stop"); }
    void start() {
        pgCtl("-l " + data_ + "/server.log -w -t 60 -o \"-c listen_addresses=127.0.0.1 -c port=" +
              port_ + " -c unix_socket_directories=''\" start");
    }

  private:
    static void run(const std::string& command) {
        if (std::system((command + " >/dev/null").c_str()) != 0)
            throw std::runtime_error("failed: " + command);
    }
    static std::string line(const std::filesystem::path& file) {
        std::ifstream in(file);
        std::string s;
        std::getline(in, s);
        return s;
    }
    void pgCtl(const std::string& args) {
        std::string ctl = "/usr/lib/postgresql/15/bin/pg_ctl -D " + data_ + "/db " + args;
        run(::geteuid() == 0 ? "cd / && runuser -u postgres -- " + ctl : ctl);
    }
    testing::TempDir dir_;
    std::string dsn_, data_, port_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_stopped_server_fails_operations_clearly_and_a_restarted_one_serves_again) {
    OwnCluster cluster;
    store::postgres::PgStoreOptions options;
    options.connect = testing::pgOptions(cluster.dsn());
    options.connect.connect_timeout = 3s;
    store::postgres::PgStore s(options, nullptr);
    auto first = ingest(s, message("5005", "y1", "before"));

    cluster.stop();
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
    BOOST_TEST(redactDsn("postgresql://ccd:s3cret@db:5432/ccd") == "postgresql://ccd:***@db:5432/ccd");
    BOOST_TEST(redactDsn("host=db password='a b' user=ccd") == "host=db password=*** user=ccd");
    BOOST_TEST(redactDsn("postgresql://db/ccd?password=x&sslmode=require") ==
               "postgresql://db/ccd?password=***&sslmode=require");
}

BOOST_AUTO_TEST_CASE(what_is_not_yet_available_fails_clearly) {
    PgMaker maker;
    auto s = maker.open();
    auto contact = wait<std::optional<store::ContactDetails>>(
        [&](auto done) { s->getContact("crm-1", done); });
    BOOST_TEST_REQUIRE(!contact);
    BOOST_TEST(contact.error->message == "getContact is not yet available on PostgreSQL");
    auto cases = wait<std::vector<store::CaseRow>>(
        [&](auto done) { dynamic_cast<store::CaseStore&>(*s).dueCases(kT0, 10, done); });
    BOOST_TEST_REQUIRE(!cases);
    BOOST_TEST(cases.error->message == "dueCases is not yet available on PostgreSQL");
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

BOOST_AUTO_TEST_CASE(a_batch_s_edits_reports_contact_events_and_calls_apply_once) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto m = message("9009", "q1", "original");
            m.provider_ref = "chat:55";
            auto in = ingest(*s, m);
            appendOutbound(*s, reply(in.conversation_id, "e:1", "our answer"));
            auto c = claim(*s, 10);
            BOOST_TEST_REQUIRE(c.items.size() == 1u);
            store::OutboxResult sent;
            sent.outbox_id = c.items[0].outbox_id;
            sent.provider_message_id = "out-1";
            ok(wait<std::vector<store::DeliveryChange>>(
                [&](auto done) { s->completeOutbox({sent}, done); }));

            store::InboundBatch batch;
            batch.channel_instance = "support-bot";
            channels::InboundEdit edit;
            edit.provider_id = "e1";
            edit.provider_ref = "chat:55";
            edit.channel = routing::ChannelKind::Telegram;
            edit.sender = "9009";
            edit.text = "edited";
            edit.edited_at = routing::TimePoint(std::chrono::milliseconds(kT0 + 5));
            batch.edits.push_back(edit);
            channels::DeliveryReport delivered;
            delivered.provider_message_id = "out-1";
            delivered.state = routing::DeliveryState::Delivered;
            delivered.at = routing::TimePoint(std::chrono::milliseconds(kT0 + 6));
            auto read = delivered;
            read.state = routing::DeliveryState::Read;
            batch.reports = {read, delivered};  // out of order: delivered comes too late
            channels::ContactEvent subscribe;
            subscribe.provider_id = "ce1";
            subscribe.type = "subscribe";
            subscribe.from.id = "9009";
            batch.contact_events.push_back(subscribe);
            channels::CallEvent call;
            call.provider_id = "call-9:hangup";
            call.call_id = "call-9";
            call.type = "call.hangup";
            batch.calls.push_back(call);

            auto r = ok(wait<store::BatchIngested>([&](auto done) { s->ingestBatch(batch, done); }));
            BOOST_TEST(r.edits_applied == 1u);
            BOOST_TEST_REQUIRE(r.deliveries.size() == 1u);
            BOOST_TEST((r.deliveries[0].state == routing::DeliveryState::Read));
            BOOST_TEST(r.events_stored == 2u);
            BOOST_TEST_REQUIRE(r.calls.size() == 1u);
            BOOST_TEST(!r.calls[0].conversation_id.has_value());
            BOOST_TEST(!r.calls[0].duplicate);

            auto again = ok(wait<store::BatchIngested>([&](auto done) { s->ingestBatch(batch, done); }));
            BOOST_TEST(again.edits_applied == 0u);
            BOOST_TEST(again.deliveries.empty());
            BOOST_TEST(again.events_stored == 0u);
            BOOST_TEST(again.calls[0].duplicate);

            auto conv = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(in.conversation_id, done); }));
            BOOST_TEST_REQUIRE(conv->messages.size() == 2u);
            BOOST_TEST(conv->messages[0].text == "edited");
            BOOST_TEST(conv->messages[0].original_text.value_or("") == "original");
            BOOST_TEST(conv->messages[1].delivery.value_or("") == "read");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_batch_stores_its_messages_attachments_and_channel_state_together) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            store::InboundBatch batch;
            batch.channel_instance = "support-bot";
            auto m = message("7007", "b1", "a photo");
            routing::Attachment photo;
            photo.kind = "photo";
            photo.provider_file_id = "AgAC";
            photo.stored = true;
            m.attachments.push_back(photo);
            batch.messages.push_back(m);
            batch.messages.push_back(message("7008", "b2", "text only"));
            batch.attachment_contents.push_back({0, 1, std::string("\x89PNG\0\x01", 6)});
            batch.channel_state.emplace_back("last_update", "42");
            auto r = ok(wait<store::BatchIngested>(
                [&](auto done) { s->ingestBatch(batch, done); }));
            BOOST_TEST_REQUIRE(r.messages.size() == 2u);
            auto file = ok(wait<std::optional<store::AttachmentFile>>([&](auto done) {
                s->getAttachment(r.messages[0].conversation_id, r.messages[0].message_id, 1,
                                 done);
            }));
            BOOST_TEST_REQUIRE(file.has_value());
            BOOST_TEST(file->bytes.value_or("") == std::string("\x89PNG\0\x01", 6));
            auto state = ok(wait<std::map<std::string, std::string>>(
                [&](auto done) { s->readChannelState("support-bot", done); }));
            BOOST_TEST(state["last_update"] == "42");
            // The same request again: answered as repeats, stored once.
            auto again = ok(wait<store::BatchIngested>(
                [&](auto done) { s->ingestBatch(batch, done); }));
            BOOST_TEST(again.messages[0].duplicate);
            BOOST_TEST(again.messages[0].message_id == r.messages[0].message_id);
        }
    }
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
    auto counts = ok(wait<std::map<std::string, store::OutboxCounts>>(
        [&](auto done) { s.outboxCounts(done); }));
    BOOST_TEST(counts["support-bot"].pending == 50u);
}
