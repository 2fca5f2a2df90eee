// Several active nodes (daemon/leader_link.hpp), on the throwaway cluster: a follower's
// notifications reach the leader with the messages it stored and its delivery states; the
// leader's first sweep finds what was stored before it listened; payloads stay under
// PostgreSQL's 8,000 bytes however many ids they carry.
#include "daemon/leader_link.hpp"

#define BOOST_TEST_MODULE pg_leader_link_itest

#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <mutex>
#include <set>

#include "tests/support/store_makers.hpp"

using namespace ccd;
using namespace ccd::testing;
using namespace std::chrono_literals;

namespace {

// What a LeaderInbox handed over, waited for.
struct Received {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<store::UnroutedMessage> messages;
    std::vector<store::DeliveryChange> changes;

    bool waitFor(std::function<bool()> enough, std::chrono::milliseconds limit = 10s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, limit, enough);
    }
    std::set<std::int64_t> ids() {
        std::set<std::int64_t> out;
        for (const auto& m : messages) out.insert(m.message_id);
        return out;
    }
};

// The test database's options without the DSN's application_name, which would win over the
// link's own ("ccd leader"), by which the test finds its session.
store::postgres::ConnectOptions linkOptions(PgMaker& maker) {
    auto o = maker.database().options();
    const std::string name = "application_name='" + o.application_name + "' ";
    if (auto at = o.dsn.find(name); at != std::string::npos) o.dsn.erase(at, name.size());
    return o;
}

std::unique_ptr<daemon::LeaderInbox> inboxFor(PgMaker& maker, Received& r,
                                              std::chrono::milliseconds sweep = 30s) {
    return std::make_unique<daemon::LeaderInbox>(
        linkOptions(maker),
        [&r](std::vector<store::UnroutedMessage> m) {
            std::lock_guard lock(r.mutex);
            for (auto& x : m) r.messages.push_back(std::move(x));
            r.cv.notify_all();
        },
        [&r](std::vector<store::DeliveryChange> d) {
            std::lock_guard lock(r.mutex);
            for (auto& x : d) r.changes.push_back(std::move(x));
            r.cv.notify_all();
        },
        sweep);
}

// A store with one message stored before the leader listens, and the leader listening, once
// its first sweep has handed that message over.
struct Listening {
    PgMaker maker;
    std::unique_ptr<store::Store> store = maker.open();
    store::IngestResult early = ingest(*store, message("c-early", "p-early", "hello"));
    Received r;
    std::unique_ptr<daemon::LeaderInbox> inbox = inboxFor(maker, r);

    Listening() {
        inbox->start();
        BOOST_REQUIRE(r.waitFor([&] { return r.ids().count(early.message_id) > 0; }));
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(payloads_stay_under_the_limit_and_read_back) {
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 0; i < 2000; ++i) ids.push_back(9'000'000'000'000 + i);
    std::vector<store::DeliveryChange> changes(300);
    for (std::size_t i = 0; i < changes.size(); ++i) {
        changes[i].conversation_id = static_cast<std::int64_t>(i);
        changes[i].message_id = static_cast<std::int64_t>(i) + 1;
        changes[i].state = routing::DeliveryState::Failed;
        changes[i].reason = i == 7 ? std::string(20000, 'x') : "the provider said \"no\"";
        changes[i].author = "agent-" + std::to_string(i);
    }
    auto payloads = daemon::leaderPayloads(ids, changes);
    BOOST_TEST(payloads.size() > 1u);
    std::vector<std::int64_t> back_ids;
    std::vector<store::DeliveryChange> back_changes;
    for (const auto& p : payloads) {
        BOOST_TEST(p.size() < 8000u);
        BOOST_TEST(daemon::readLeaderPayload(p, back_ids, back_changes));
    }
    BOOST_TEST(back_ids == ids);
    BOOST_REQUIRE_EQUAL(back_changes.size(), changes.size());
    BOOST_TEST(back_changes[3].reason == changes[3].reason);
    BOOST_TEST(back_changes[7].reason.size() == 1000u);  // cut, not dropped
    BOOST_TEST(back_changes[299].author == "agent-299");
    BOOST_TEST((back_changes[5].state == routing::DeliveryState::Failed));
    std::vector<std::int64_t> none;
    std::vector<store::DeliveryChange> no_changes;
    BOOST_TEST(!daemon::readLeaderPayload("not json", none, no_changes));
    BOOST_TEST(!daemon::readLeaderPayload(R"({"d":[{"c":1,"m":2,"s":"lost"}]})", none,
                                          no_changes));
}

BOOST_AUTO_TEST_CASE(a_follower_s_messages_and_states_reach_the_leader) {
    Listening l;  // the message stored before the leader listened: its first sweep routes it
    auto& maker = l.maker;
    auto& store = l.store;
    auto& early = l.early;
    auto& r = l.r;
    {
        std::lock_guard lock(r.mutex);
        BOOST_TEST(r.messages.front().new_conversation);
        BOOST_TEST(r.messages.front().message.text == "hello");
    }
    daemon::LeaderForwarder follower(maker.database().options());
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(ingest(*store, message("c" + std::to_string(i), "p" + std::to_string(i),
                                             "message " + std::to_string(i)))
                          .message_id);
    follower.messages(ids);
    store::DeliveryChange change;
    change.conversation_id = early.conversation_id;
    change.message_id = 77;
    change.state = routing::DeliveryState::Delivered;
    follower.deliveries({change});
    BOOST_REQUIRE(r.waitFor([&] {
        auto got = r.ids();
        for (auto id : ids)
            if (!got.count(id)) return false;
        return !r.changes.empty();
    }));
    std::lock_guard lock(r.mutex);
    BOOST_TEST(r.changes.front().message_id == 77);
    BOOST_TEST((r.changes.front().state == routing::DeliveryState::Delivered));
    BOOST_TEST(r.messages.size() == ids.size() + 1);  // each once: notified, not swept again
}

BOOST_AUTO_TEST_CASE(the_leader_listens_again_after_its_session_ends) {
    Listening l;
    auto& maker = l.maker;
    auto& store = l.store;
    auto& r = l.r;
    // Stored, never notified (its follower killed before its NOTIFY): not routed yet...
    auto missed = ingest(*store, message("c-missed", "p-missed", "never notified"));
    BOOST_TEST(!r.waitFor([&] { return r.ids().count(missed.message_id) > 0; }, 300ms));
    // ... until the leader's listening session ends (a restart, an administrator): the sweep
    // at its reconnection finds it.
    auto ended = maker.database().admin().queryValue(
        "WITH s AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = $1"
        " AND application_name = 'ccd leader')"
        " SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM s",
        {maker.database().name()});
    BOOST_TEST(ended.value_or("none") == "1");
    BOOST_TEST(r.waitFor([&] { return r.ids().count(missed.message_id) > 0; }));
}
