#include "daemon/store_factory.hpp"

#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {

OpenedStore openStore(const config::StorageConfig& storage, Metrics* metrics) {
    // Until the daemon opens PostgreSQL (next step), a configuration naming it must not have
    // its data go to the SQLite file unnoticed.
    if (storage.driver == config::StorageDriver::Postgres)
        throw store::sqlite::StoreOpenError("storage.driver postgres: this ccd cannot open it yet");
    auto sqlite = std::make_unique<store::sqlite::SqliteStore>(
        store::sqlite::SqliteStoreOptions{storage.sqlite.path, storage.sqlite.max_batch,
                                          storage.sqlite.busy_timeout},
        metrics);
    OpenedStore out;
    out.cases = sqlite.get();
    out.store = std::move(sqlite);
    return out;
}

}  // namespace ccd::daemon
