#include "daemon/store/postgres/pg_db.hpp"

#define BOOST_TEST_MODULE pg_db_itest
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <string>

#include "daemon/store/postgres/pg_pool.hpp"
#include "tests/support/pg_test_db.hpp"

using namespace ccd;
using store::postgres::Batch;
using store::postgres::Connection;
using store::postgres::Param;
using store::postgres::PgError;
using store::postgres::Pool;
using testing::PgTestDatabase;

namespace {

// A loopback port nothing listens on: bound, then closed.
int closedPort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::int64_t count(Connection& db, const std::string& table) {
    return std::stoll(db.queryValue("SELECT count(*) FROM " + table).value());
}

bool idle(Connection& db) { return PQtransactionStatus(db.handle()) == PQTRANS_IDLE; }

}  // namespace

BOOST_AUTO_TEST_CASE(connect_failure_is_a_clear_pg_error) {
    int port = closedPort();
    auto options = testing::pgOptions(
        "postgresql://postgres:s3cret-pw@127.0.0.1:" + std::to_string(port) + "/postgres");
    try {
        Connection db(options);
        BOOST_FAIL("connected to a closed port");
    } catch (const PgError& e) {
        std::string what = e.what();
        BOOST_TEST_MESSAGE(what);
        BOOST_TEST(e.connectionBroken());
        BOOST_TEST(e.sqlstate() == "08001");
        BOOST_TEST(what.find("cannot connect to PostgreSQL") != std::string::npos);
        BOOST_TEST(what.find("127.0.0.1") != std::string::npos);
        BOOST_TEST(what.find(std::to_string(port)) != std::string::npos);
        BOOST_TEST(what.find("s3cret-pw") == std::string::npos);
    }

    // The server answers but refuses: its reason is in the message.
    PgTestDatabase scratch;
    // (A keyword given twice in a connection string: the last one counts.)
    auto missing = testing::pgOptions(scratch.dsn() + " dbname='" + scratch.name() + "_missing'");
    try {
        Connection db(missing);
        BOOST_FAIL("connected to a database that does not exist");
    } catch (const PgError& e) {
        BOOST_TEST_MESSAGE(e.what());
        BOOST_TEST(e.connectionBroken());
        BOOST_TEST(std::string(e.what()).find("does not exist") != std::string::npos);
    }
}

// Text with a NUL byte is refused before anything is sent (libpq would cut it short and
// store the rest); bytes may hold NUL.
BOOST_AUTO_TEST_CASE(text_with_a_nul_byte_is_refused_not_cut) {
    PgTestDatabase db;
    Connection c(db.options());
    c.exec("CREATE TABLE t (s TEXT, b BYTEA)");
    const std::string nul("before\0after", 12);
    try {
        c.execute("INSERT INTO t (s) VALUES ($1)", {nul});
        BOOST_FAIL("text with a NUL byte was accepted");
    } catch (const PgError& e) {
        BOOST_TEST(e.sqlstate() == "22021");
        BOOST_TEST(!e.connectionBroken());
    }
    BOOST_CHECK_THROW(c.execute("INSERT INTO t (s) VALUES ($1)",
                                {std::optional<std::string>(nul)}),
                      PgError);
    BOOST_TEST(c.queryValue("SELECT count(*) FROM t").value_or("") == "0");
    c.execute("INSERT INTO t (b) VALUES ($1)", {Param::bytea(nul)});
    BOOST_TEST(c.queryValue("SELECT length(b) FROM t").value_or("") == "12");
}

// keepalive_idle: the socket probes an idle peer after that long, every second, 3 times.
BOOST_AUTO_TEST_CASE(keepalives_are_set_on_the_socket_when_asked) {
    PgTestDatabase db;
    auto options = db.options();
    auto sockopt = [](Connection& c, int level, int name) {
        int value = -1;
        socklen_t len = sizeof value;
        BOOST_REQUIRE(::getsockopt(PQsocket(c.handle()), level, name, &value, &len) == 0);
        return value;
    };
    Connection plain(options);
    BOOST_TEST(sockopt(plain, SOL_SOCKET, SO_KEEPALIVE) == 1);  // libpq's default
    BOOST_TEST(sockopt(plain, IPPROTO_TCP, TCP_USER_TIMEOUT) == 0);
    options.keepalive_idle = std::chrono::seconds(2);
    Connection probed(options);
    BOOST_TEST(sockopt(probed, SOL_SOCKET, SO_KEEPALIVE) == 1);
    BOOST_TEST(sockopt(probed, IPPROTO_TCP, TCP_KEEPIDLE) == 2);
    BOOST_TEST(sockopt(probed, IPPROTO_TCP, TCP_KEEPINTVL) == 1);
    BOOST_TEST(sockopt(probed, IPPROTO_TCP, TCP_KEEPCNT) == 3);
    BOOST_TEST(sockopt(probed, IPPROTO_TCP, TCP_USER_TIMEOUT) == 5000);
    BOOST_TEST(probed.queryValue("SELECT 1").value_or("") == "1");
}

BOOST_AUTO_TEST_CASE(parameters_of_every_type_round_trip) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    db.exec("CREATE TABLE t (i BIGINT, s TEXT, n TEXT, b BYTEA, o TEXT)");

    const std::string chinese = u8"客户说：水管漏水了，請儘快處理 🙏";
    std::string bytes("a\0b\0\xff\x00\x7f", 7);
    std::string all_bytes;
    for (int c = 0; c < 256; ++c) all_bytes += static_cast<char>(c);
    const std::int64_t big = 9'007'199'254'740'993;  // past 2^53 and 2^32

    const char* insert = "INSERT INTO t (i, s, n, b, o) VALUES ($1, $2, $3, $4, $5)";
    BOOST_TEST(db.execute(insert, {big, chinese, nullptr, Param::bytea(bytes),
                                   std::optional<std::string>("kept")}) == 1);
    BOOST_TEST(db.execute(insert, {-big, "", std::optional<std::string>(), Param::bytea(all_bytes),
                                   std::optional<std::string>()}) == 1);
    BOOST_TEST(db.execute(insert, {std::numeric_limits<std::int64_t>::min(), "x", "y",
                                   Param::bytea(""), nullptr}) == 1);

    auto r = db.query("SELECT i, s, n, b, o FROM t ORDER BY i DESC");
    BOOST_TEST(r.rows() == 3);
    BOOST_REQUIRE(r.next());
    BOOST_TEST(r.columnInt(0) == big);
    BOOST_TEST(r.columnText(1) == chinese);
    BOOST_TEST(r.isNull(2));
    BOOST_TEST(!r.columnOptionalText(2).has_value());
    BOOST_TEST(r.columnBlob(3) == bytes);
    BOOST_TEST(r.columnBlob(3).size() == 7u);
    BOOST_TEST(r.columnOptionalText(4).value() == "kept");
    BOOST_REQUIRE(r.next());
    BOOST_TEST(r.columnInt(0) == -big);
    BOOST_TEST(r.columnText(1) == "");
    BOOST_TEST(!r.isNull(1));  // empty text is not NULL
    BOOST_TEST(r.isNull(2));
    BOOST_TEST(r.columnBlob(3) == all_bytes);
    BOOST_TEST(r.isNull(4));
    BOOST_REQUIRE(r.next());
    BOOST_TEST(r.columnInt(0) == std::numeric_limits<std::int64_t>::min());
    BOOST_TEST(r.columnBlob(3) == "");
    BOOST_TEST(!r.isNull(3));
    BOOST_TEST(!r.next());

    // Integers are sent as int8: arithmetic on a parameter is not narrowed to int4.
    BOOST_TEST(db.queryValue("SELECT $1 + 1", {std::int64_t{1} << 40}).value() ==
               std::to_string((std::int64_t{1} << 40) + 1));
    // Text finds the chinese row by equality; a boolean reads as 0/1.
    BOOST_TEST(db.queryValue("SELECT count(*) FROM t WHERE s = $1", {chinese}).value() == "1");
    auto flags = db.query("SELECT true, false, NULL::boolean");
    BOOST_REQUIRE(flags.next());
    BOOST_TEST(flags.columnInt(0) == 1);
    BOOST_TEST(flags.columnInt(1) == 0);
    BOOST_TEST(flags.isNull(2));
    // A text column read as an integer is bad data, not a broken connection.
    auto text = db.query("SELECT 'abc'::text");
    BOOST_REQUIRE(text.next());
    BOOST_CHECK_EXCEPTION(text.columnInt(0), PgError,
                          [](const PgError& e) { return !e.connectionBroken(); });
}

BOOST_AUTO_TEST_CASE(prepared_statements_are_cached_by_sql_text) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    db.exec("CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT)");
    const std::string insert = "INSERT INTO t (k, v) VALUES ($1, $2)";

    auto before = db.ioStats().round_trips;
    db.execute(insert, {1, "one"});
    BOOST_TEST(db.ioStats().round_trips - before == 2u);  // prepare, then execute
    BOOST_TEST(db.preparedCount() == 1u);
    before = db.ioStats().round_trips;
    for (int k = 2; k <= 10; ++k) db.execute(insert, {k, "more"});
    BOOST_TEST(db.ioStats().round_trips - before == 9u);  // execute only
    BOOST_TEST(db.preparedCount() == 1u);
    BOOST_TEST(count(db, "t") == 10);

    // The server holds it once, as s1.
    auto r = db.query("SELECT name, statement FROM pg_prepared_statements ORDER BY name");
    BOOST_REQUIRE(r.next());
    BOOST_TEST(r.columnText(0) == "s1");
    BOOST_TEST(r.columnText(1) == insert);
    BOOST_REQUIRE(r.next());  // the count and this query
    BOOST_TEST(r.columnText(0) == "s2");
    BOOST_REQUIRE(r.next());
    BOOST_TEST(r.columnText(0) == "s3");
    BOOST_TEST(!r.next());

    // A statement that fails to prepare leaves nothing cached and the connection usable.
    BOOST_CHECK_EXCEPTION(db.query("SELEKT 1"), PgError, [](const PgError& e) {
        return e.sqlstate() == "42601" && !e.connectionBroken();
    });
    BOOST_TEST(db.preparedCount() == 3u);
    BOOST_TEST(db.queryValue("SELECT 7").value() == "7");
}

BOOST_AUTO_TEST_CASE(a_transaction_rolls_back_when_it_throws) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    db.exec("CREATE TABLE t (k BIGINT PRIMARY KEY)");

    BOOST_CHECK_THROW(db.transaction([](Connection& c) {
        c.execute("INSERT INTO t (k) VALUES ($1)", {1});
        c.execute("INSERT INTO t (k) VALUES ($1)", {2});
        throw std::runtime_error("the caller changed its mind");
    }),
                      std::runtime_error);
    BOOST_TEST(idle(db));
    BOOST_TEST(count(db, "t") == 0);

    // A failing statement inside: the error is the server's, the connection stays usable.
    BOOST_CHECK_EXCEPTION(
        db.transaction([](Connection& c) {
            c.execute("INSERT INTO t (k) VALUES ($1)", {1});
            c.execute("INSERT INTO t (k) VALUES ($1)", {1});
        }),
        PgError, [](const PgError& e) { return e.uniqueViolation() && !e.connectionBroken(); });
    BOOST_TEST(idle(db));
    BOOST_TEST(count(db, "t") == 0);

    // One that returns commits, and its value comes back.
    auto k = db.transaction([](Connection& c) {
        c.execute("INSERT INTO t (k) VALUES ($1)", {5});
        return c.queryValue("SELECT max(k) FROM t").value();
    });
    BOOST_TEST(k == "5");
    BOOST_TEST(count(db, "t") == 1);

    // Not nested.
    db.transaction([](Connection& c) {
        BOOST_CHECK_THROW(c.transaction([](Connection&) {}), std::logic_error);
    });
    BOOST_TEST(idle(db));
}

BOOST_AUTO_TEST_CASE(a_pipelined_batch_commits_in_one_round_trip) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    db.exec("CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT NOT NULL, b BYTEA)");
    const std::string insert = "INSERT INTO t (k, v, b) VALUES ($1, $2, $3) RETURNING k";

    Batch batch;
    for (int k = 0; k < 100; ++k)
        batch.add(insert, {k, u8"消息 " + std::to_string(k), Param::bytea(std::string(3, '\0'))});
    auto before = db.ioStats();
    auto start = std::chrono::steady_clock::now();
    auto results = db.commitBatch(batch);
    auto pipelined = std::chrono::steady_clock::now() - start;
    auto after = db.ioStats();
    BOOST_TEST(db.preparedCount() == 1u);  // prepared inside the pipeline itself

    BOOST_TEST(count(db, "t") == 100);
    BOOST_REQUIRE(results.size() == 100u);
    BOOST_TEST(results[42].affectedRows() == 1);
    BOOST_REQUIRE(results[42].next());
    BOOST_TEST(results[42].columnInt(0) == 42);
    // One send, one wait: BEGIN, a Parse, 100 Bind/Execute, COMMIT and the Sync went out
    // together, and the server flushed its answers once, at the Sync (its first read of them
    // took every answer; a second would only be a TCP segment boundary).
    BOOST_TEST(after.round_trips - before.round_trips == 1u);
    BOOST_TEST(after.input_reads - before.input_reads <= 2u);
    BOOST_TEST_MESSAGE("batch of 100: input reads " << after.input_reads - before.input_reads
                                                    << ", flushes "
                                                    << after.flushes - before.flushes);
    BOOST_TEST(idle(db));

    // The same 100 statements one by one in a transaction: a round trip each.
    db.exec("TRUNCATE t");
    before = db.ioStats();
    start = std::chrono::steady_clock::now();
    db.transaction([&](Connection& c) {
        for (int k = 0; k < 100; ++k) c.execute(insert, {k, "v", nullptr});
    });
    auto sequential = std::chrono::steady_clock::now() - start;
    after = db.ioStats();
    BOOST_TEST(after.round_trips - before.round_trips == 102u);  // BEGIN, 100, COMMIT
    BOOST_TEST(after.input_reads - before.input_reads >= 102u);
    using us = std::chrono::microseconds;
    BOOST_TEST_MESSAGE("100 inserts + commit: pipelined "
                       << std::chrono::duration_cast<us>(pipelined).count() << " us, sequential "
                       << std::chrono::duration_cast<us>(sequential).count() << " us");

    // A second batch reuses the prepared statement.
    Batch more;
    for (int k = 100; k < 110; ++k) more.add(insert, {k, "w", nullptr});
    auto prepared = db.preparedCount();
    db.commitBatch(more);
    BOOST_TEST(db.preparedCount() == prepared);
    BOOST_TEST(count(db, "t") == 110);
}

BOOST_AUTO_TEST_CASE(a_failing_statement_rolls_the_whole_batch_back) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    db.exec("CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT)");
    db.exec("INSERT INTO t (k, v) VALUES (50, 'already there')");

    Batch batch;
    for (int k = 0; k < 100; ++k) batch.add("INSERT INTO t (k, v) VALUES ($1, $2)", {k, "new"});
    // A text not prepared yet, after the failure: the server skips its Parse too.
    batch.add("UPDATE t SET v = $1 WHERE k = $2", {"changed", 50});
    try {
        db.commitBatch(batch);
        BOOST_FAIL("the batch committed over a unique violation");
    } catch (const PgError& e) {
        BOOST_TEST_MESSAGE(e.what());
        BOOST_TEST(e.statement() == 50);
        BOOST_TEST(e.uniqueViolation());
        BOOST_TEST(!e.connectionBroken());
        BOOST_TEST(std::string(e.what()).find("statement 50") != std::string::npos);
    }
    BOOST_TEST(!db.broken());
    BOOST_TEST(idle(db));
    BOOST_TEST(count(db, "t") == 1);
    BOOST_TEST(db.queryValue("SELECT v FROM t WHERE k = 50").value() == "already there");

    // The skipped Parse was not kept as prepared: the UPDATE runs, prepared anew.
    BOOST_TEST(db.execute("UPDATE t SET v = $1 WHERE k = $2", {"changed", 50}) == 1);
    BOOST_TEST(db.queryValue("SELECT v FROM t WHERE k = 50").value() == "changed");
    // And the next batch on the same connection commits.
    Batch ok;
    ok.add("INSERT INTO t (k, v) VALUES ($1, $2)", {1, "a"});
    ok.add("UPDATE t SET v = $1 WHERE k = $2", {"b", 1});
    db.commitBatch(ok);
    BOOST_TEST(db.queryValue("SELECT v FROM t WHERE k = 1").value() == "b");
}

BOOST_AUTO_TEST_CASE(a_broken_connection_is_reported_and_the_pool_replaces_it) {
    PgTestDatabase tdb;
    Pool pool(tdb.options(), 1);
    auto terminate = [&](int pid) {
        // Waits (up to 10 s) until the backend has exited: its FATAL is then in our socket.
        auto done =
            tdb.admin().queryValue("SELECT pg_terminate_backend($1::integer, 10000)", {pid});
        BOOST_REQUIRE(done.value() == "t");
    };

    // Terminated while lent: the next statement says the connection is broken.
    int first = 0;
    {
        auto lease = pool.acquire();
        first = lease->backendPid();
        BOOST_TEST(lease->queryValue("SELECT 1").value() == "1");
        terminate(first);
        BOOST_CHECK_EXCEPTION(lease->query("SELECT 2"), PgError, [](const PgError& e) {
            BOOST_TEST_MESSAGE(e.what());
            return e.connectionBroken();
        });
        BOOST_TEST(lease->broken());
        BOOST_CHECK_EXCEPTION(lease->exec("SELECT 3"), PgError,
                              [](const PgError& e) { return e.connectionBroken(); });
    }
    BOOST_TEST(pool.replaced() == 1u);
    BOOST_TEST(pool.open() == 0u);

    int second = 0;
    {
        auto lease = pool.acquire();
        second = lease->backendPid();
        BOOST_TEST(second != first);
        BOOST_TEST(lease->queryValue("SELECT 1").value() == "1");
    }
    // Terminated while idle in the pool: found out when handed out, without a round trip.
    terminate(second);
    {
        auto lease = pool.acquire();
        BOOST_TEST(lease->backendPid() != second);
        BOOST_TEST(lease->queryValue("SELECT 1").value() == "1");
    }
    BOOST_TEST(pool.replaced() == 2u);
    BOOST_TEST(pool.open() == 1u);

    // A connection given back inside a transaction is not lent again.
    {
        auto lease = pool.acquire();
        lease->exec("BEGIN");
    }
    BOOST_TEST(pool.replaced() == 3u);

    // With every connection lent, acquire waits for one to come back.
    auto held = std::make_unique<Pool::Lease>(pool.acquire());
    int held_pid = (*held)->backendPid();
    auto waiting = std::async(std::launch::async, [&] { return pool.acquire()->backendPid(); });
    held.reset();
    BOOST_TEST(waiting.get() == held_pid);
    BOOST_TEST(pool.open() == 1u);
}
