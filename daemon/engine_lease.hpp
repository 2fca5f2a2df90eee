#pragma once
// On PostgreSQL, several ccd processes may share one database, and the routing engine must run
// in one of them only: the node that holds the engine's lease (store/postgres/pg_lease, a
// session advisory lock) is the active node; the others are standbys. A standby neither listens
// nor routes: it waits for the lease, and when the active node ends (a stop, kill -9, a lost
// network) it takes the lease, opens the store, restores the engine from the database and
// listens. An active node whose lease session ends (PostgreSQL restarted) takes it again; if
// another node has taken it by then, it exits at once (kExitLeaseLost): that node may be
// routing. The SQLite store is one process's file: no lease.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "config/daemon_config.hpp"

namespace ccd::store::postgres {
class Lease;
struct LeaseOptions;
}

namespace ccd::daemon {

/// Exit code of an active node that lost the engine's lease: another node may lead now.
constexpr int kExitLeaseLost = 6;

/// The engine's lease, held by this node while the object lives (released when destroyed).
class EngineLease {
  public:
    /// Blocks until this node holds the engine's lease on the database `storage` names (its
    /// driver must be postgres), trying every half second (a database it cannot reach is tried
    /// again the same way); says once in the log that it is a standby. Throws StoreOpenError
    /// when the database cannot be reached at all at the start. SIGINT and SIGTERM while it
    /// waits give up: nullptr. Once held, the lease is verified every half second; losing it
    /// ends the process with kExitLeaseLost when another node has taken it (keep()).
    static std::unique_ptr<EngineLease> waitFor(const config::StorageConfig& storage);
    ~EngineLease();
    EngineLease(const EngineLease&) = delete;
    EngineLease& operator=(const EngineLease&) = delete;

  private:
    explicit EngineLease(store::postgres::LeaseOptions options);
    // While held: verifies the lease every half second; a lost session (the server restarted,
    // the network dropped it) is taken again, and if another node holds it by then the process
    // ends with kExitLeaseLost.
    void keep();

    std::unique_ptr<store::postgres::Lease> lease_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace ccd::daemon
