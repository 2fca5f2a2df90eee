#pragma once
// The store `storage.driver` names, opened for the daemon, which uses it through its
// interfaces only (store::Store for messages and routing, store::CaseStore for service cases).

#include <memory>

#include "config/daemon_config.hpp"
#include "daemon/store/case_store.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

class Metrics;

struct OpenedStore {
    std::unique_ptr<store::Store> store;
    store::CaseStore* cases = nullptr;  ///< the same object as `store`
};

/// Opens (creating, locking, checking and migrating as the driver does) the configured store.
/// Throws StoreOpenError with a message fit for the operator.
OpenedStore openStore(const config::StorageConfig& storage, Metrics* metrics);

}  // namespace ccd::daemon
