// pg_ingest_itest, continued: PostgreSQL's ingest beside another node's session on the same
// database (another node's insert of the same customer, the conversations' row locks).
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "tests/support/ingest_drivers.hpp"

using namespace ccd;
using testing::message;
using testing::PgIngestDriver;

BOOST_AUTO_TEST_CASE(another_nodes_concurrent_insert_of_the_same_customer_is_retried_not_failed) {
    PgIngestDriver d;
    // Another ccd node on the same database stores customer x and has not committed yet.
    store::postgres::Connection other(d.options());
    other.exec("BEGIN");
    auto id = std::stoll(other
                             .queryValue("INSERT INTO contacts (name, created_at, updated_at)"
                                         " VALUES ('from the other node', 1, 1) RETURNING id")
                             .value());
    other.execute(
        "INSERT INTO contact_addresses (channel, address, contact_id)"
        " VALUES ('telegram', 'x', $1)",
        {std::int64_t{id}});
    const std::int64_t pid = d.db().backendPid();
    std::vector<routing::InboundMessage> group{message("x", "1", "hello"), message("y", "2", "hi")};
    auto done = std::async(std::launch::async, [&] { return d.group(group); });
    // Our insert of x's address waits on the other node's row: then it commits.
    store::postgres::Connection watch(d.options());
    while (watch.queryValue("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", {pid})
               .value_or("") != "Lock") {
        BOOST_REQUIRE(done.wait_for(std::chrono::seconds(0)) != std::future_status::ready);
    }
    other.exec("COMMIT");
    auto out = done.get();
    BOOST_REQUIRE(out[0].value.has_value());
    BOOST_REQUIRE(out[1].value.has_value());
    BOOST_TEST(out[0].value->contact_id == id);  // the other node's contact
    BOOST_TEST(out[0].value->contact.name.value_or("") == "Customer x");
    BOOST_TEST(d.writer().lastGroup().retries == 1u);
    BOOST_TEST(d.writer().lastGroup().replays == 0u);
    BOOST_TEST(d.count("contacts") == 2);
    BOOST_TEST(d.count("messages") == 2);
}

// The leader stores its own intake message by message in a transaction that then locks every
// conversation it updates, in id order, as other nodes' groups do: ingest() with `deferred`
// leaves the joined conversations unlocked until then (pg_store.cpp, a deadlock otherwise).
BOOST_AUTO_TEST_CASE(deferred_touches_leave_the_joined_conversations_unlocked) {
    PgIngestDriver d;
    auto a = d.ingest(message("a", "1", "first of a", 1000));
    auto b = d.ingest(message("b", "2", "first of b", 2000));
    store::postgres::Connection other(d.options());
    // Whether another session can lock both conversations without waiting now.
    auto lockable = [&] {
        other.exec("BEGIN");
        bool ok = true;
        try {
            other.query("SELECT id FROM conversations ORDER BY id FOR NO KEY UPDATE NOWAIT");
        } catch (const store::postgres::PgError& e) {
            BOOST_TEST(e.sqlstate() == "55P03");  // lock_not_available
            ok = false;
        }
        other.exec("ROLLBACK");
        return ok;
    };
    std::vector<store::postgres::ConversationTouch> touches;
    d.db().transaction([&](store::postgres::Connection& db) {
        d.writer().ingest(message("b", "3", "again b", 3000), &touches);
        d.writer().ingest(message("a", "4", "again a", 4000), &touches);
        BOOST_TEST(lockable());
        for (const auto& t : touches) {
            auto [sql, params] = store::postgres::touchStatement(t);
            db.execute(sql, params);
        }
        BOOST_TEST(!lockable());  // the touches lock them, as ingest() without `deferred` does
    });
    BOOST_REQUIRE(touches.size() == 2u);
    BOOST_TEST(touches[0].conversation_id == b.conversation_id);
    BOOST_TEST(touches[0].at == 3000);
    BOOST_TEST(touches[1].conversation_id == a.conversation_id);
    BOOST_TEST(touches[1].reply_to == "a");
    BOOST_TEST(d.value("SELECT string_agg(last_inbound_at::text, ' ' ORDER BY id) FROM"
                       " conversations").value_or("") == "4000 3000");
    d.db().transaction([&](store::postgres::Connection&) {
        d.writer().ingest(message("a", "5", "a third time", 5000));
        BOOST_TEST(!lockable());
    });
}
