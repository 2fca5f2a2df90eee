// The engine's lease among nodes (daemon/store/postgres/pg_lease.hpp), on the throwaway
// cluster: one holder at a time; the holder's end (its session terminated, its process killed
// with SIGKILL) frees the lease for another at once; a fence refuses the writes of a holder
// that lost its session; a LeaseKeeper hands over within a few of its intervals.
#include "daemon/store/postgres/pg_lease.hpp"

#define BOOST_TEST_MODULE pg_lease_itest
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "daemon/store/postgres/pg_schema.hpp"
#include "tests/support/pg_test_db.hpp"

using namespace ccd;
using namespace std::chrono_literals;
using store::postgres::checkFence;
using store::postgres::Connection;
using store::postgres::Fence;
using store::postgres::Lease;
using store::postgres::LeaseKeeper;
using store::postgres::LeaseLost;
using store::postgres::LeaseOptions;
using testing::PgTestDatabase;

namespace {

LeaseOptions leaseOn(const PgTestDatabase& db, std::int64_t key = 42) {
    LeaseOptions o;
    o.connect = db.options();
    o.key = key;
    return o;
}

bool fenceHolds(Connection& db, const Fence& fence) {
    try {
        checkFence(db, fence);
        return true;
    } catch (const LeaseLost&) {
        return false;
    }
}

template <class F>
std::chrono::milliseconds waitUntil(F condition, std::chrono::milliseconds limit = 10s) {
    auto start = std::chrono::steady_clock::now();
    while (!condition() && std::chrono::steady_clock::now() - start < limit)
        std::this_thread::sleep_for(10ms);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_holder_at_a_time_and_release_hands_over) {
    PgTestDatabase db;
    Lease a(leaseOn(db)), b(leaseOn(db)), other_key(leaseOn(db, 43));
    BOOST_TEST(a.tryAcquire());
    BOOST_TEST(a.held());
    BOOST_TEST(a.tryAcquire());  // again: still held, verified
    BOOST_TEST(!b.tryAcquire());
    BOOST_TEST(b.lastError() == "held by another session");
    BOOST_TEST(other_key.tryAcquire());  // another lease is another lock

    Connection writer(db.options());
    BOOST_REQUIRE(a.fence());
    BOOST_TEST(a.fence()->pid > 0);
    BOOST_TEST(fenceHolds(writer, *a.fence()));
    // A fence made up from another session's pid does not pass.
    Fence forged = *a.fence();
    forged.pid = writer.backendPid();
    BOOST_TEST(!fenceHolds(writer, forged));
    // Nor the right pid with another start (a pid reused by a later session).
    forged = *a.fence();
    forged.backend_start = "2001-01-01 00:00:00+00";
    BOOST_TEST(!fenceHolds(writer, forged));

    const Fence old = *a.fence();
    a.release();
    BOOST_TEST(!a.held());
    BOOST_TEST(!fenceHolds(writer, old));
    BOOST_TEST(b.tryAcquire());
    BOOST_TEST(fenceHolds(writer, *b.fence()));
    BOOST_TEST(!a.tryAcquire());
}

// The holder's session ended by the server (pg_terminate_backend: what a network partition or
// a server restart does): another node acquires at once, the old fence refuses writes, and the
// old holder finds out at its next verify.
BOOST_AUTO_TEST_CASE(a_terminated_session_frees_the_lease_and_fences_its_writes) {
    PgTestDatabase db;
    Lease a(leaseOn(db)), b(leaseOn(db));
    BOOST_REQUIRE(a.tryAcquire());
    const Fence old = *a.fence();
    Connection writer(db.options());
    BOOST_TEST(db.admin().queryValue("SELECT pg_terminate_backend($1::int)", {old.pid}).value_or("") == "t");
    auto took = waitUntil([&] { return b.tryAcquire(); });
    BOOST_TEST(b.held());
    BOOST_TEST_MESSAGE("the other node acquired " << took.count() << " ms after the termination");
    BOOST_TEST(took.count() < 2000);
    BOOST_CHECK_THROW(checkFence(writer, old), LeaseLost);
    // A leader-only transaction under the old fence is refused, and writes nothing.
    writer.exec("CREATE TABLE decisions (id BIGINT)");
    BOOST_CHECK_THROW(writer.transaction([&](Connection& c) {
        checkFence(c, old);
        c.execute("INSERT INTO decisions VALUES (1)");
    }),
                      LeaseLost);
    BOOST_TEST(writer.queryValue("SELECT count(*) FROM decisions").value_or("") == "0");
    writer.transaction([&](Connection& c) {
        checkFence(c, *b.fence());
        c.execute("INSERT INTO decisions VALUES (2)");
    });
    BOOST_TEST(writer.queryValue("SELECT count(*) FROM decisions").value_or("") == "1");
    BOOST_TEST(!a.verify());
    BOOST_TEST(!a.held());
    BOOST_TEST(!a.lastError().empty());
    BOOST_TEST(!a.tryAcquire());  // reconnects, and finds b holding it
}

// kill -9 of the holding process: the kernel closes its socket, the server ends the session
// and the lock is free; the time to take over is printed.
BOOST_AUTO_TEST_CASE(the_holder_killed_with_sigkill_frees_the_lease) {
    PgTestDatabase db;
    int ready[2];
    BOOST_REQUIRE(::pipe(ready) == 0);
    const LeaseOptions options = leaseOn(db);
    pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        Lease mine(options);
        char ok = mine.tryAcquire() ? '1' : '0';
        (void)!::write(ready[1], &ok, 1);
        for (;;) ::pause();
    }
    ::close(ready[1]);
    char ok = 0;
    BOOST_REQUIRE(::read(ready[0], &ok, 1) == 1);
    ::close(ready[0]);
    BOOST_REQUIRE(ok == '1');
    Lease b(leaseOn(db));
    BOOST_TEST(!b.tryAcquire());
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    auto took = waitUntil([&] { return b.tryAcquire(); });
    BOOST_TEST(b.held());
    BOOST_TEST_MESSAGE("lease taken over " << took.count() << " ms after kill -9 of its holder");
    BOOST_TEST(took.count() < 2000);
}

// Two keepers: one leads, the other stands by; the leader's session terminated, the standby
// takes over within a few intervals and the old leader is told it lost, once.
BOOST_AUTO_TEST_CASE(keepers_hand_over_and_say_so) {
    PgTestDatabase db;
    std::atomic<int> a_acquired{0}, a_lost{0}, b_acquired{0};
    std::atomic<std::int64_t> a_pid{0};
    LeaseKeeper a(leaseOn(db), 50ms,
                  {[&](const Fence& f) {
                       a_pid = f.pid;
                       ++a_acquired;
                   },
                   [&](const std::string&) { ++a_lost; }});
    waitUntil([&] { return a.held(); });
    BOOST_REQUIRE(a.held());
    LeaseKeeper b(leaseOn(db), 50ms, {[&](const Fence&) { ++b_acquired; }, nullptr});
    std::this_thread::sleep_for(200ms);
    BOOST_TEST(!b.held());
    BOOST_TEST(b_acquired == 0);
    db.admin().queryValue("SELECT pg_terminate_backend($1::int)", {a_pid.load()});
    auto took = waitUntil([&] { return a_lost == 1 && (a.held() || b.held()); });
    BOOST_TEST_MESSAGE("a keeper held the lease again " << took.count() << " ms after the leader's "
                                                        "session ended");
    BOOST_TEST(took.count() < 2000);
    BOOST_TEST(a_lost == 1);
    // Exactly one of them holds it now (the old leader may win it back: it reconnects too).
    BOOST_TEST((a.held() != b.held()));
    BOOST_TEST(a_acquired + b_acquired == 2);
}

// ccd_fence (schema 15), as the store runs it first in each of the leader's transactions: it
// passes while the holder's session lives, refuses with SQLSTATE CC001 once it ended; and a node
// taking the lease over waits for a fenced transaction still open to end before it holds it.
BOOST_AUTO_TEST_CASE(ccd_fence_refuses_a_lost_lease_and_a_new_holder_waits_for_fenced_writes) {
    PgTestDatabase db;
    Connection writer(db.options());
    store::postgres::migrate(writer);
    writer.exec("CREATE TABLE decisions (id BIGINT)");
    Lease a(leaseOn(db)), b(leaseOn(db));
    BOOST_REQUIRE(a.tryAcquire());
    const Fence old = *a.fence();
    auto fenced = [](Connection& c, const Fence& f, int id) {
        c.query("SELECT ccd_fence($1, $2::int, $3::text)", {f.key, f.pid, f.backend_start});
        c.execute("INSERT INTO decisions VALUES ($1)", {std::int64_t{id}});
    };
    writer.transaction([&](Connection& c) { fenced(c, old, 1); });

    // A fenced transaction left open while the holder's session ends: the next holder's
    // tryAcquire returns only after it committed.
    Connection slow(db.options());
    slow.exec("BEGIN");
    fenced(slow, old, 2);
    BOOST_TEST(db.admin().queryValue("SELECT pg_terminate_backend($1::int)", {old.pid}).value_or("") == "t");
    std::atomic<bool> committed{false}, acquired_before_commit{false};
    std::thread taker([&] {
        waitUntil([&] { return b.tryAcquire(); });
        if (!committed) acquired_before_commit = true;
    });
    std::this_thread::sleep_for(300ms);
    committed = true;
    slow.exec("COMMIT");
    taker.join();
    BOOST_TEST(b.held());
    BOOST_TEST(!acquired_before_commit);

    // From now on the old fence refuses, with nothing written; the new one passes.
    try {
        writer.transaction([&](Connection& c) { fenced(c, old, 3); });
        BOOST_FAIL("the old fence passed");
    } catch (const store::postgres::PgError& e) {
        BOOST_TEST(e.sqlstate() == store::postgres::kFenceRefused);
        BOOST_TEST(std::string(e.what()).find("no longer holds the engine's lease") !=
                   std::string::npos);
    }
    writer.transaction([&](Connection& c) { fenced(c, *b.fence(), 4); });
    BOOST_TEST(writer.queryValue("SELECT string_agg(id::text, ',' ORDER BY id) FROM decisions")
                   .value_or("") == "1,2,4");
}
