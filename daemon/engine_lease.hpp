#pragma once
// On PostgreSQL, several ccd processes may share one database, and the routing engine must run
// in one of them only: the node that holds the engine's lease (store/postgres/pg_lease, a
// session advisory lock) is the leader; the others follow (leader_link.hpp): they take
// messages, the leader routes them. A follower waits for the lease meanwhile, and when the
// leader ends (a stop, kill -9, a lost network) it takes the lease and starts again as the
// leader: it restores the engine from the database and routes. A leader whose lease session
// ends (PostgreSQL restarted) takes it again; if another node has taken it by then, it exits at
// once (kExitLeaseLost): that node may be routing. The SQLite store is one process's file: no
// lease.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "config/daemon_config.hpp"

namespace ccd::store::postgres {
class Lease;
struct LeaseOptions;
struct Fence;
}

namespace ccd::daemon {

/// Exit code of a leader that lost the engine's lease: another node may lead now.
constexpr int kExitLeaseLost = 6;

/// The engine's lease, held by this node while the object lives (released when destroyed).
class EngineLease {
  public:
    /// The engine's lease on the database `storage` names (its driver must be postgres) if it
    /// is free now, else nullptr (logged: this node follows). Throws StoreOpenError when the
    /// database cannot be reached. Once held, the lease is verified every half second; losing
    /// it ends the process with kExitLeaseLost when another node has taken it (keep()).
    static std::unique_ptr<EngineLease> tryTake(const config::StorageConfig& storage);
    /// Blocks until this node holds the lease, trying every half second (a database it cannot
    /// reach is tried again the same way), or until `give_up` is true: nullptr.
    static std::unique_ptr<EngineLease> waitFor(const config::StorageConfig& storage,
                                                const std::atomic<bool>& give_up);
    ~EngineLease();
    /// The session that holds it, for fencing the leader's writes (Daemon::fenceStoreWrites).
    const store::postgres::Fence& fence() const;
    /// Called with the new fence when the lease is taken again on a new session (PostgreSQL
    /// restarted), from the lease's thread; null: no one is told. Set to null before what it
    /// calls is destroyed.
    void onNewFence(std::function<void(const store::postgres::Fence&)> listener);
    EngineLease(const EngineLease&) = delete;
    EngineLease& operator=(const EngineLease&) = delete;

  private:
    explicit EngineLease(store::postgres::LeaseOptions options);
    static store::postgres::LeaseOptions optionsFor(const config::StorageConfig& storage);
    // Says so, and starts verifying it (keep()).
    void held();
    // While held: verifies the lease every half second; a lost session (the server restarted,
    // the network dropped it) is taken again, and if another node holds it by then the process
    // ends with kExitLeaseLost.
    void keep();

    std::unique_ptr<store::postgres::Lease> lease_;
    std::mutex listener_mutex_;
    std::function<void(const store::postgres::Fence&)> listener_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace ccd::daemon
