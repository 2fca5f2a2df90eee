#include "daemon/store_factory.hpp"

#include <spdlog/spdlog.h>

#include "daemon/pg_connect_options.hpp"
#include "daemon/store/postgres/pg_store.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {
namespace {

template <class S>
OpenedStore opened(std::unique_ptr<S> store) {
    OpenedStore out;
    out.cases = store.get();
    out.sessions = store.get();
    out.store = std::move(store);
    return out;
}

OpenedStore openPostgres(const config::StorageConfig& storage, Metrics* metrics) {
    // The parser refuses driver: postgres without storage.postgres.
    const auto& pg = storage.postgres.value();
    store::postgres::PgStoreOptions options;
    options.connect = pgConnectOptions(storage);
    options.readers = pg.readers;
    options.max_batch = pg.max_batch;
    try {
        auto pg = std::make_unique<store::postgres::PgStore>(std::move(options), metrics);
        auto* raw = pg.get();
        auto out = opened(std::move(pg));
        out.fence_writes = [raw](const store::postgres::Fence& f) { raw->fenceWrites(f); };
        return out;
    } catch (const store::postgres::PgStoreOpenError& e) {
        throw StoreOpenError(e.what());
    }
}

}  // namespace

OpenedStore openStore(const config::StorageConfig& storage, Metrics* metrics) {
    OpenedStore out;
    if (storage.driver == config::StorageDriver::Postgres) {
        out = openPostgres(storage, metrics);
    } else {
        try {
            out = opened(std::make_unique<store::sqlite::SqliteStore>(
                store::sqlite::SqliteStoreOptions{storage.sqlite.path, storage.sqlite.max_batch,
                                                  storage.sqlite.busy_timeout},
                metrics));
        } catch (const store::sqlite::StoreOpenError& e) {
            throw StoreOpenError(e.what());
        }
    }
    spdlog::info("store: {}", describeStore(storage));
    return out;
}

std::string describeStore(const config::StorageConfig& storage) {
    if (storage.driver == config::StorageDriver::Postgres && storage.postgres)
        return "postgres " + store::postgres::redactDsn(storage.postgres->dsn.reveal());
    return "sqlite " + storage.sqlite.path;
}

bool sameStore(const config::StorageConfig& a, const config::StorageConfig& b) {
    if (a.driver != b.driver) return false;
    if (a.driver == config::StorageDriver::Sqlite)
        return a.sqlite.path == b.sqlite.path && a.sqlite.max_batch == b.sqlite.max_batch &&
               a.sqlite.busy_timeout == b.sqlite.busy_timeout;
    if (!a.postgres || !b.postgres) return !a.postgres && !b.postgres;
    const auto &x = *a.postgres, &y = *b.postgres;
    return x.dsn.reveal() == y.dsn.reveal() && x.readers == y.readers &&
           x.max_batch == y.max_batch && x.connect_timeout == y.connect_timeout &&
           x.keepalive_idle == y.keepalive_idle;
}

}  // namespace ccd::daemon
