#include "daemon/store/postgres/pg_node.hpp"

#define BOOST_TEST_MODULE pg_outbox_nodes_itest
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "daemon/metrics.hpp"
#include "tests/support/store_makers.hpp"

// Two nodes drain one outbox and each knows which rows the other claimed (outbox.claimed_by):
// a node that starts leaves the rows another live node is sending; a node that is gone (its
// store closed without completing, its session terminated) has its rows taken back by the
// other's claims within a bounded time; and the outcome it reports late is not recorded over
// the new claimer's.

using namespace ccd;
using namespace ccd::testing;
using store::OutboxClaim;
using store::OutboxResult;
using store::postgres::PgStore;

namespace {

// One reply waiting in each of `n` conversations (each its own, so that all are due at once).
std::vector<std::int64_t> queueReplies(Store& s, int n, const std::string& tag) {
    std::vector<std::int64_t> conversations;
    for (int i = 0; i < n; ++i) {
        auto in =
            ingest(s, message(tag + std::to_string(i), tag + "-in-" + std::to_string(i), "hi"));
        appendOutbound(s, reply(in.conversation_id, tag + "-out-" + std::to_string(i), "ok"));
        conversations.push_back(in.conversation_id);
    }
    return conversations;
}

std::set<std::int64_t> ids(const OutboxClaim& c) {
    std::set<std::int64_t> out;
    for (const auto& item : c.items) out.insert(item.outbox_id);
    return out;
}

// Claims on `s` until it has claimed `want` rows or 10 s have passed (the bound within which a
// gone node's rows must come back: the other node's next claim).
std::set<std::int64_t> claimUntil(Store& s, std::size_t want) {
    std::set<std::int64_t> got;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
        auto more = ids(claim(s, 10));
        got.insert(more.begin(), more.end());
        if (got.size() < want) std::this_thread::sleep_for(20ms);
    }
    return got;
}

std::vector<store::DeliveryChange> complete(Store& s, std::vector<OutboxResult> results) {
    return ok(wait<std::vector<store::DeliveryChange>>(
        [&](auto done) { s.completeOutbox(std::move(results), done); }));
}

OutboxResult outcome(std::int64_t outbox_id, OutboxResult::Kind kind, const std::string& ref) {
    OutboxResult r;
    r.outbox_id = outbox_id;
    r.kind = kind;
    r.provider_message_id = ref;
    r.reason = "because " + ref;
    r.next_attempt_ms = kT0;
    return r;
}

std::string sql(PgMaker& maker, const std::string& query) {
    store::postgres::Connection db(maker.database().options());
    return db.queryValue(query).value_or("<null>");
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_starting_node_leaves_the_rows_another_live_node_is_sending) {
    PgMaker maker;
    auto a = maker.open();
    queueReplies(*a, 3, "s");
    auto claimed = claim(*a, 10);
    BOOST_TEST_REQUIRE(claimed.items.size() == 3u);

    auto b = maker.open();
    BOOST_TEST(ok(wait<std::size_t>([&](auto done) { b->resumeOutbox(done); })) == 0u);
    BOOST_TEST(claim(*b, 10).items.empty());
    BOOST_TEST(sql(maker, "SELECT count(*) FROM outbox WHERE status = 'sending'") == "3");
    BOOST_TEST(sql(maker, "SELECT count(DISTINCT claimed_by) FROM outbox") == "1");

    // a's sends end, and their outcomes are a's to record.
    std::vector<OutboxResult> sent;
    for (const auto& item : claimed.items)
        sent.push_back(outcome(item.outbox_id, OutboxResult::Kind::Sent, "a"));
    BOOST_TEST(complete(*a, sent).size() == 3u);
    BOOST_TEST(sql(maker, "SELECT count(*) FROM outbox WHERE status = 'sent'") == "3");
}

BOOST_AUTO_TEST_CASE(a_node_that_stopped_without_completing_has_its_rows_taken_back) {
    PgMaker maker;
    auto a = maker.open();
    queueReplies(*a, 2, "d");
    auto claimed = ids(claim(*a, 10));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);

    daemon::Metrics metrics;
    PgStore b(maker.options(), &metrics);
    BOOST_TEST(claim(b, 10).items.empty());  // a is alive: its rows are its own

    a->close();  // as a process that dies: nothing completed, its session ends
    a.reset();
    BOOST_TEST((claimUntil(b, 2) == claimed));
    auto& duplicates =
        metrics.labeled("ccd_outbox_possible_duplicates_total", "", "counter", "cause");
    BOOST_TEST(duplicates.at("node_gone").load() == 2);
    BOOST_TEST(sql(maker, "SELECT string_agg(DISTINCT attempts::text, ',') FROM outbox") == "2");
}

BOOST_AUTO_TEST_CASE(a_node_whose_session_ended_is_gone_and_its_late_outcomes_are_refused) {
    PgMaker maker;
    auto options = maker.options();
    options.node_interval = 1h;  // a does not notice its loss, nor take its session again
    PgStore a(options, nullptr);
    auto conversations = queueReplies(a, 3, "t");
    auto claimed = claim(a, 10);
    BOOST_TEST_REQUIRE(claimed.items.size() == 3u);
    auto b = maker.open();

    // a's session that shows it alive ends (a network partition, a server that ended it).
    const std::string node = sql(maker, "SELECT DISTINCT claimed_by FROM outbox");
    maker.database().admin().exec(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
        " AND classid = " +
        std::to_string(store::postgres::kNodeLockSpace) + " AND objid = " + node);
    BOOST_TEST((claimUntil(*b, 3) == ids(claimed)));

    // a's sends end after b took their rows: sent, to be retried, failed; none is recorded.
    BOOST_TEST(complete(a, {outcome(claimed.items[0].outbox_id, OutboxResult::Kind::Sent, "a0"),
                            outcome(claimed.items[1].outbox_id, OutboxResult::Kind::Retry, "a1"),
                            outcome(claimed.items[2].outbox_id, OutboxResult::Kind::Failed, "a2")})
                   .empty());
    BOOST_TEST(
        sql(maker, "SELECT count(*) FROM outbox WHERE status = 'sending' AND claimed_by <> " +
                       node) == "3");
    BOOST_TEST(sql(maker,
                   "SELECT count(*) FROM messages WHERE direction = 'out'"
                   " AND COALESCE(delivery, 'queued') <> 'queued'") == "0");

    // b's outcomes are recorded.
    std::vector<OutboxResult> sent;
    for (const auto& item : claimed.items)
        sent.push_back(outcome(item.outbox_id, OutboxResult::Kind::Sent, "b"));
    BOOST_TEST(complete(*b, sent).size() == 3u);
    auto conv = ok(wait<std::optional<store::ConversationRecord>>(
        [&](auto done) { b->getConversation(conversations[0], done); }));
    BOOST_TEST_REQUIRE(conv->messages.size() == 2u);
    BOOST_TEST(conv->messages[1].provider_ref.value_or("") == "b");

    // a, not alive, claims nothing, and says why.
    queueReplies(a, 1, "u");
    auto refused =
        wait<OutboxClaim>([&](auto done) { a.claimOutbox("support-bot", 10, kT0 * 2, done); });
    BOOST_TEST_REQUIRE(!refused);
    BOOST_TEST(refused.error->message.find("not alive") != std::string::npos);
    BOOST_TEST(claim(*b, 10).items.size() == 1u);
}
