#include "daemon/store/postgres/pg_schema.hpp"

#define BOOST_TEST_MODULE pg_schema_itest
#include <boost/test/unit_test.hpp>
#include <future>
#include <thread>

#include "daemon/store/sqlite/schema.hpp"
#include "tests/support/pg_test_db.hpp"
#include "tests/support/schema_catalog.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
using store::postgres::Connection;
using store::postgres::PgError;
using store::postgres::SchemaError;
using testing::PgTestDatabase;
namespace pg = store::postgres;

namespace {

std::int64_t count(Connection& db, const std::string& sql) {
    return std::stoll(db.queryValue(sql).value());
}

// An id the server returned as text.
std::int64_t id(const std::optional<std::string>& text) {
    return static_cast<std::int64_t>(std::stoll(text.value()));
}

bool tableExists(Connection& db, const std::string& table) {
    return db.queryValue("SELECT to_regclass($1) IS NOT NULL", {table}) == "t";
}

// Each column's PostgreSQL type, from SQLite's declared one (pg_schema.cpp says why).
std::string expectedType(const std::string& table, const testing::CatalogColumn& column) {
    if ((table == "cases" && column.name == "closed") ||
        (table == "messages" && column.name == "auto_submitted") ||
        (table == "console_sessions" && column.name == "enrolment_only"))
        return "smallint";
    if (column.type == "INTEGER") return "bigint";
    if (column.type == "TEXT") return "text";
    if (column.type == "BLOB") return "bytea";
    return "unexpected SQLite type " + column.type;
}

}  // namespace

BOOST_AUTO_TEST_CASE(
    a_fresh_database_migrates_to_the_builds_version_and_a_second_start_does_nothing) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    BOOST_TEST(pg::latestSchemaVersion() == store::sqlite::latestSchemaVersion());
    BOOST_TEST(pg::schemaVersion(db) == 0);

    BOOST_TEST(pg::migrate(db) == pg::latestSchemaVersion());
    BOOST_TEST(pg::schemaVersion(db) == pg::latestSchemaVersion());
    BOOST_TEST(count(db, "SELECT count(DISTINCT version) FROM schema_version") ==
               pg::latestSchemaVersion());
    auto applied = db.queryValue(
                         "SELECT string_agg(applied_at::text, ',' ORDER BY version) "
                         "FROM schema_version")
                       .value();

    // Another start, another connection: nothing to do, nothing rewritten.
    Connection again(tdb.options());
    BOOST_TEST(pg::migrate(again) == 0);
    BOOST_TEST(pg::schemaVersion(again) == pg::latestSchemaVersion());
    BOOST_TEST(db.queryValue("SELECT string_agg(applied_at::text, ',' ORDER BY version) "
                             "FROM schema_version")
                   .value() == applied);
    BOOST_TEST(pg::pendingMigrations(again).empty());
}

BOOST_AUTO_TEST_CASE(nodes_starting_at_once_apply_each_migration_once) {
    PgTestDatabase tdb;
    constexpr int kNodes = 4;
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    std::vector<std::future<int>> nodes;
    for (int i = 0; i < kNodes; ++i) {
        nodes.push_back(std::async(std::launch::async, [&tdb, start] {
            Connection db(tdb.options());
            start.wait();
            return pg::migrate(db);
        }));
    }
    go.set_value();
    int applied = 0;
    for (auto& node : nodes) applied += node.get();  // rethrows a node's failure
    BOOST_TEST(applied == pg::latestSchemaVersion());

    Connection db(tdb.options());
    BOOST_TEST(pg::schemaVersion(db) == pg::latestSchemaVersion());
    BOOST_TEST(count(db, "SELECT count(*) FROM schema_version") == pg::latestSchemaVersion());
    BOOST_TEST(count(db, "SELECT count(*) FROM audit_purge") == 1);  // migration 7's row, once
}

BOOST_AUTO_TEST_CASE(the_schema_is_the_sqlite_stores) {
    testing::TempDir dir;
    store::sqlite::Connection lite(dir.file("ccd.db"), true);
    store::sqlite::migrate(lite);
    auto want = testing::readSqliteCatalog(lite);

    PgTestDatabase tdb;
    Connection db(tdb.options());
    pg::migrate(db);
    auto got = testing::readPostgresCatalog(db, "schema_version");

    BOOST_TEST(want.tables.size() == 16u);  // the comparison below compares something
    std::set<std::string> want_tables, got_tables;
    for (const auto& [t, cols] : want.tables) want_tables.insert(t);
    for (const auto& [t, cols] : got.tables) got_tables.insert(t);
    BOOST_TEST(got_tables == want_tables, boost::test_tools::per_element());

    for (const auto& [table, columns] : want.tables) {
        const auto& pg_columns = got.tables[table];
        BOOST_TEST_CONTEXT("table " << table) {
            BOOST_REQUIRE_EQUAL(pg_columns.size(), columns.size());
            for (std::size_t i = 0; i < columns.size(); ++i) {
                const auto& w = columns[i];
                const auto& g = pg_columns[i];
                BOOST_TEST_CONTEXT("column " << w.name) {
                    BOOST_TEST(g.name == w.name);  // same names, same order
                    BOOST_TEST(g.type == expectedType(table, w));
                    BOOST_TEST(g.not_null == w.not_null);
                    BOOST_TEST(g.default_value == w.default_value);
                    // audit_purge's one row has id 1, written explicitly: no identity.
                    BOOST_TEST(g.identity == (w.identity && table != "audit_purge"));
                }
            }
            BOOST_TEST(got.primary_keys[table] == want.primary_keys[table]);
        }
    }
    BOOST_TEST(got.unique_constraints == want.unique_constraints, boost::test_tools::per_element());
    BOOST_TEST(got.foreign_keys == want.foreign_keys, boost::test_tools::per_element());

    BOOST_TEST(want.indexes.size() == 24u);
    BOOST_TEST(std::count_if(want.indexes.begin(), want.indexes.end(),
                             [](const auto& i) { return !i.second.predicate.empty(); }) == 7);
    std::set<std::string> want_indexes, got_indexes;
    for (const auto& [name, index] : want.indexes) want_indexes.insert(name);
    for (const auto& [name, index] : got.indexes) got_indexes.insert(name);
    BOOST_TEST(got_indexes == want_indexes, boost::test_tools::per_element());
    for (const auto& [name, w] : want.indexes) {
        const auto& g = got.indexes[name];
        BOOST_TEST_CONTEXT("index " << name) {
            BOOST_TEST(g.table == w.table);
            BOOST_TEST(g.unique == w.unique);
            BOOST_TEST(g.columns == w.columns);
            BOOST_TEST(g.predicate == w.predicate);  // partial where SQLite's is, same terms
        }
    }

    // SQLite's triggers, and one PostgreSQL needs more: TRUNCATE fires no row trigger.
    auto want_triggers = want.triggers;
    want_triggers.insert("audit_log.audit_log_no_truncate");
    BOOST_TEST(got.triggers == want_triggers, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_newer_database_is_refused) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    pg::migrate(db);
    int newer = pg::latestSchemaVersion() + 1;
    db.execute("INSERT INTO schema_version (version, applied_at) VALUES ($1, 0)", {newer});

    auto refused = [&](const SchemaError& e) {
        std::string what = e.what();
        BOOST_TEST_MESSAGE(what);
        return what.find("newer than this ccd supports") != std::string::npos &&
               what.find(std::to_string(newer)) != std::string::npos &&
               what.find("upgrade ccd") != std::string::npos;
    };
    BOOST_CHECK_EXCEPTION(pg::migrate(db), SchemaError, refused);
    BOOST_CHECK_EXCEPTION(pg::pendingMigrations(db), SchemaError, refused);
    BOOST_TEST(PQtransactionStatus(db.handle()) == PQTRANS_IDLE);
    BOOST_TEST(pg::schemaVersion(db) == newer);
}

BOOST_AUTO_TEST_CASE(a_dry_run_lists_the_pending_migrations_and_applies_none) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    auto all = pg::pendingMigrations(db);
    BOOST_REQUIRE_EQUAL(all.size(), static_cast<std::size_t>(pg::latestSchemaVersion()));
    BOOST_TEST(all.front().version == 1);
    BOOST_TEST(all.front().sql.find("CREATE TABLE contacts") != std::string::npos);
    BOOST_TEST(!tableExists(db, "schema_version"));  // nothing written, not even that

    BOOST_TEST(pg::migrate(db, 5) == 5);
    auto pending = pg::pendingMigrations(db);
    BOOST_REQUIRE_EQUAL(pending.size(), static_cast<std::size_t>(pg::latestSchemaVersion() - 5));
    for (std::size_t i = 0; i < pending.size(); ++i) {
        BOOST_TEST(pending[i].version == static_cast<int>(i) + 6);
        BOOST_TEST(pending[i].sql == pg::migrationSql(pending[i].version));
    }
    BOOST_TEST(pg::schemaVersion(db) == 5);
    BOOST_TEST(!tableExists(db, "attachment_content"));  // migration 6's
    BOOST_TEST(pg::migrate(db) == pg::latestSchemaVersion() - 5);
    BOOST_TEST(tableExists(db, "attachment_content"));
}

BOOST_AUTO_TEST_CASE(the_data_steps_of_migrations_3_and_4_fill_the_new_columns) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    pg::migrate(db, 2);
    auto contact = db.queryValue(
        "INSERT INTO contacts (name, created_at, updated_at) VALUES ('Ana', 1, 1) RETURNING id");
    db.execute(
        "INSERT INTO contact_addresses (channel, address, contact_id) VALUES "
        "('api', 'ana-2', $1), ('api', 'ana-1', $1), ('email', 'ana@example.com', $1)",
        {id(contact)});
    auto conv = db.queryValue(
        "INSERT INTO conversations (contact_id, channel, created_at, updated_at) "
        "VALUES ($1, 'api', 1, 1) RETURNING id",
        {id(contact)});
    std::int64_t c = id(conv);
    const char* message =
        "INSERT INTO messages (conversation_id, direction, channel, provider_id, author, body, "
        "created_at) VALUES ($1, $2, 'api', $3, 'x', 'text', 1) RETURNING id";
    auto in = id(db.queryValue(message, {c, "in", "p1"}));
    auto failed = id(db.queryValue(message, {c, "out", nullptr}));
    auto pending = id(db.queryValue(message, {c, "out", nullptr}));
    auto unsent = id(db.queryValue(message, {c, "out", nullptr}));
    const char* outbox =
        "INSERT INTO outbox (conversation_id, message_id, channel, idempotency_key, payload, "
        "status, next_attempt_at, created_at) VALUES ($1, $2, 'api', $3, '{}', $4, 1, 1)";
    db.execute(outbox, {c, failed, "k1", "failed"});
    db.execute(outbox, {c, pending, "k2", "sending"});

    pg::migrate(db);
    auto value = [&](const std::string& column, std::int64_t id) {
        return db.queryValue("SELECT " + column + " FROM messages WHERE id = $1", {id});
    };
    BOOST_TEST(value("channel_instance", in).value() == "api");
    BOOST_TEST(!value("delivery", in).has_value());
    BOOST_TEST(value("sender", in).value() == "ana-1");  // the least of the api addresses
    BOOST_TEST(value("delivery", failed).value() == "failed");
    BOOST_TEST(value("delivery", pending).value() == "queued");
    BOOST_TEST(value("delivery", unsent).value() == "sent");
    BOOST_TEST(!value("sender", failed).has_value());
    BOOST_TEST(db.queryValue("SELECT channel_instance FROM conversations").value() == "api");
    BOOST_TEST(count(db, "SELECT count(*) FROM outbox WHERE channel_instance = 'api'") == 2);
}

BOOST_AUTO_TEST_CASE(the_audit_log_stays_append_only_and_flags_stay_0_or_1) {
    PgTestDatabase tdb;
    Connection db(tdb.options());
    pg::migrate(db);
    db.exec(
        "INSERT INTO audit_log (at, actor_kind, actor, action, outcome) VALUES "
        "(100, 'agent', 'ana', 'login', 'ok'), (200, 'agent', 'ana', 'logout', 'ok')");
    auto refused = [](const char* message) {
        return [message](const PgError& e) {
            return e.sqlstate() == "23000" &&
                   std::string(e.what()).find(message) != std::string::npos;
        };
    };
    BOOST_CHECK_EXCEPTION(db.exec("UPDATE audit_log SET actor = 'eve'"), PgError,
                          refused("the audit log is append-only"));
    BOOST_CHECK_EXCEPTION(db.exec("DELETE FROM audit_log WHERE at = 100"), PgError,
                          refused("removed by their retention only"));
    BOOST_CHECK_EXCEPTION(db.exec("TRUNCATE audit_log"), PgError,
                          refused("the audit log is append-only"));
    BOOST_TEST(count(db, "SELECT count(*) FROM audit_log") == 2);
    // The retention's cut-off lets what is older go, in the same transaction.
    db.transaction([](Connection& t) {
        t.exec("UPDATE audit_purge SET before = 150 WHERE id = 1");
        BOOST_TEST(t.execute("DELETE FROM audit_log WHERE at < 150") == 1);
        t.exec("UPDATE audit_purge SET before = 0 WHERE id = 1");
    });
    BOOST_TEST(count(db, "SELECT count(*) FROM audit_log") == 1);
    BOOST_CHECK_THROW(db.exec("INSERT INTO audit_purge (id, before) VALUES (2, 0)"), PgError);

    // 0/1 flags: compared and bound as integers, nothing else accepted.
    auto contact = id(
        db.queryValue("INSERT INTO contacts (created_at, updated_at) VALUES (1, 1) RETURNING id"));
    const char* open_case =
        "INSERT INTO cases (contact_id, type, stage, owner, closed, body, opened_at, updated_at) "
        "VALUES ($1, 'repair', 'new', 'ana', $2, '{}', 1, 1)";
    db.execute(open_case, {contact, 0});
    db.execute(open_case, {contact, 1});
    BOOST_CHECK_EXCEPTION(db.execute(open_case, {contact, 2}), PgError,
                          [](const PgError& e) { return e.sqlstate() == "23514"; });
    BOOST_TEST(count(db, "SELECT count(*) FROM cases WHERE owner = 'ana' AND closed = 0") == 1);
    const char* session =
        "INSERT INTO console_sessions (token_hash, name, role, token_id, credential, expires_at, "
        "enrolment_only, created_at) VALUES ($1, 'ana', 'agent', 'a1', 'c', 2, $2, 1)";
    db.execute(session, {"h0", 0});
    db.execute(session, {"h1", 1});
    BOOST_CHECK_EXCEPTION(db.execute(session, {"h2", 2}), PgError,
                          [](const PgError& e) { return e.sqlstate() == "23514"; });
}
