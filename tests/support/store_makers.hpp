#pragma once
// Both stores behind one small factory for the store suites (tests/itest/pg_store_itest.cpp,
// pg_store_nodes_itest.cpp): SqliteStore on a temporary file, PgStore on a database of the
// test's own, each opened again on the same database to check recovery; and the helpers that
// wait for a store's callback.

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_api_keys.hpp"
#include "daemon/store/postgres/pg_store.hpp"
#include "daemon/store/sqlite/sqlite_api_keys.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "tests/support/inbound_message.hpp"
#include "tests/support/pg_test_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace ccd::testing {

using namespace std::chrono_literals;
using store::Store;
using store::StoreResult;

inline constexpr std::int64_t kT0 = 1'700'000'000'000;

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

inline store::IngestResult ingest(Store& s, routing::InboundMessage m) {
    return ok(wait<store::IngestResult>([&](auto done) { s.ingest(std::move(m), done); }));
}

inline store::OutboundMessage reply(std::int64_t conversation, const std::string& key,
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

inline std::int64_t appendOutbound(Store& s, store::OutboundMessage o) {
    return ok(wait<std::int64_t>([&](auto done) { s.appendOutbound(std::move(o), done); }));
}

inline store::OutboxClaim claim(Store& s, std::size_t limit, std::int64_t now_ms = kT0 * 2) {
    return ok(wait<store::OutboxClaim>(
        [&](auto done) { s.claimOutbox("support-bot", limit, now_ms, done); }));
}

inline store::RoutingRecovery recovery(Store& s) {
    return ok(wait<store::RoutingRecovery>([&](auto done) { s.loadRouting(done); }));
}

// A store that can be closed and opened again on the same database.
class StoreMaker {
  public:
    virtual ~StoreMaker() = default;
    virtual std::string name() const = 0;
    virtual std::unique_ptr<Store> open() = 0;
    /// Runs SQL on a connection of the test's own (the store may be open), as another program
    /// would: `sqlite_sql` on SQLite, `pg_sql` on PostgreSQL.
    virtual void exec(const std::string& sqlite_sql, const std::string& pg_sql) = 0;
    /// Stores an API key as `ccd api-key` does, on a connection of its own (then revokes it
    /// when it has a revoked_at_ms).
    virtual void addApiKey(const store::ApiKeyRecord& key) = 0;
};

class SqliteMaker : public StoreMaker {
  public:
    std::string name() const override { return "sqlite"; }
    std::unique_ptr<Store> open() override {
        return std::make_unique<store::sqlite::SqliteStore>(
            store::sqlite::SqliteStoreOptions{dir_.file("ccd.db"), 512, 2000ms}, nullptr);
    }
    void exec(const std::string& sqlite_sql, const std::string&) override {
        store::sqlite::Connection db(dir_.file("ccd.db"), false);
        db.exec(sqlite_sql);
    }
    void addApiKey(const store::ApiKeyRecord& key) override {
        store::sqlite::Connection db(dir_.file("ccd.db"), false);
        store::sqlite::insertApiKey(db, key);
        if (key.revoked_at_ms) store::sqlite::revokeApiKey(db, key.key_id, *key.revoked_at_ms);
    }

  private:
    testing::TempDir dir_;
};

class PgMaker : public StoreMaker {
  public:
    std::string name() const override { return "postgres"; }
    std::unique_ptr<Store> open() override {
        return std::make_unique<store::postgres::PgStore>(options(), nullptr);
    }
    store::postgres::PgStoreOptions options() const {
        store::postgres::PgStoreOptions o;
        o.connect = database_.options();
        o.connect.connect_timeout = 3s;
        return o;
    }
    testing::PgTestDatabase& database() { return database_; }
    void exec(const std::string&, const std::string& pg_sql) override {
        store::postgres::Connection db(database_.options());
        db.exec(pg_sql);
    }
    void addApiKey(const store::ApiKeyRecord& key) override {
        store::postgres::Connection db(database_.options());
        store::postgres::insertApiKey(db, key);
        if (key.revoked_at_ms) store::postgres::revokeApiKey(db, key.key_id, *key.revoked_at_ms);
    }

  private:
    testing::PgTestDatabase database_;
};

inline std::vector<std::unique_ptr<StoreMaker>> bothStores() {
    std::vector<std::unique_ptr<StoreMaker>> out;
    out.push_back(std::make_unique<SqliteMaker>());
    out.push_back(std::make_unique<PgMaker>());
    return out;
}

}  // namespace ccd::testing
