#include "daemon/store_factory.hpp"

#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {

OpenedStore openStore(const config::StorageConfig& storage, Metrics* metrics) {
    // driver: postgres is refused by the configuration parser until the PostgreSQL store is
    // complete; every configuration that gets here names SQLite.
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
