#pragma once
// The store `storage.driver` names, opened for the daemon, which uses it through its
// interfaces only (store::Store for messages and routing, store::CaseStore for service cases,
// store::SessionStore for agents' sign-in sessions).

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "config/daemon_config.hpp"
#include "daemon/store/case_store.hpp"
#include "daemon/store/session_store.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {
struct Fence;
}

namespace ccd::daemon {

class Metrics;

/// The configured store cannot be opened: SQLite's file is corrupt, locked by another ccd or
/// newer than this ccd; PostgreSQL cannot be reached, refuses us or has a newer schema. The
/// message is fit for the operator (a DSN without its password).
class StoreOpenError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct OpenedStore {
    std::unique_ptr<store::Store> store;
    /// PostgreSQL: fences the store's writes but inbound messages with the engine's lease
    /// (PgStore::fenceWrites); null on SQLite.
    std::function<void(const store::postgres::Fence&)> fence_writes;
    store::CaseStore* cases = nullptr;  ///< the same object as `store`
    store::SessionStore* sessions = nullptr;  ///< the same object as `store`
};

/// Opens (creating, locking, checking and migrating as the driver does) the configured store,
/// and logs which one. Throws StoreOpenError.
OpenedStore openStore(const config::StorageConfig& storage, Metrics* metrics);

/// "sqlite /path/ccd.db" or "postgres postgresql://ccd:***@db/ccd": the store for logs and
/// `check-config`, never with a password.
std::string describeStore(const config::StorageConfig& storage);

/// Whether two configurations open the same store with the same settings (a reload cannot
/// change the store: a difference applies at the next start).
bool sameStore(const config::StorageConfig& a, const config::StorageConfig& b);

}  // namespace ccd::daemon
