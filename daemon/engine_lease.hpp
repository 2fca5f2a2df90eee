#pragma once
// On PostgreSQL, several ccd processes may share one database, and the routing engine must run
// in one of them only: the node that holds the engine's lease (store/postgres/pg_lease, a
// session advisory lock) is the active node; the others are standbys. A standby neither listens
// nor routes: it waits for the lease, and when the active node ends (a stop, kill -9, a lost
// network) it takes the lease, opens the store, restores the engine from the database and
// listens. An active node that loses the lease while running exits at once (kExitLeaseLost):
// another node may be routing already. The SQLite store is one process's file: no lease.

#include <memory>

#include "config/daemon_config.hpp"

namespace ccd::store::postgres {
class LeaseKeeper;
}

namespace ccd::daemon {

/// Exit code of an active node that lost the engine's lease: another node may lead now.
constexpr int kExitLeaseLost = 6;

/// The engine's lease, held by this node while the object lives (released when destroyed).
class EngineLease {
  public:
    /// Blocks until this node holds the engine's lease on the database `storage` names (its
    /// driver must be postgres), trying every half second (a database it cannot reach is tried
    /// again the same way); says once in the log that it is a standby. SIGINT and SIGTERM while it
    /// waits give up: nullptr. Once held, the lease is verified every half second; losing it
    /// ends the process with kExitLeaseLost.
    static std::unique_ptr<EngineLease> waitFor(const config::StorageConfig& storage);
    ~EngineLease();
    EngineLease(const EngineLease&) = delete;
    EngineLease& operator=(const EngineLease&) = delete;

  private:
    EngineLease();
    std::unique_ptr<store::postgres::LeaseKeeper> keeper_;
};

}  // namespace ccd::daemon
