#pragma once
// Leadership among ccd nodes that share one PostgreSQL database: exactly one node at a time runs
// the routing engine (issue 16, "Several nodes"). The lease is a session-level advisory lock,
// held on a connection of the lease's own, so that the server itself ends it when the session
// ends: the holder exits or is killed (kill -9 closes its sockets at once), or the network
// drops it (the connection's TCP keepalives bound how long a vanished peer keeps it).
//
// Fencing: a holder that lost its session may not know it yet, and must not write as leader
// after another node took over. A leader-only transaction, on whichever connection, first runs
// checkFence with the fence the holder got when it acquired (its session's pid and start time):
// the statement finds no row, and the transaction is refused, unless that very session still
// holds the lock. Sessions are matched by pid and start time, so a reused pid does not pass.
// Nodes connect as one role (pg_stat_activity shows a session's start to its own role).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::store::postgres {

/// The routing engine's lease: "ccdlead" in ASCII.
inline constexpr std::int64_t kEngineLeaseKey = 0x6363646c656164;

/// The SQLSTATE ccd_fence raises when the fence no longer holds (schema 15).
inline constexpr const char* kFenceRefused = "CC001";

/// Lease::lastError() when the server answered and another session holds the lease.
inline constexpr const char* kLeaseHeldElsewhere = "held by another session";

/// Which session holds a lease, for fencing writes made on other connections.
struct Fence {
    std::int64_t key = 0;
    std::int64_t pid = 0;
    std::string backend_start;  ///< the session's start, as the server printed it
};

/// A leader-only write was refused: the lease it was made under is no longer held.
class LeaseLost : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct LeaseOptions {
    /// How to reach the database; keepalive_idle is set to 2 s when left unset.
    ConnectOptions connect;
    std::int64_t key = kEngineLeaseKey;
};

/// One node's claim to a lease. Used by one thread at a time (LeaseKeeper's, in the daemon).
class Lease {
  public:
    explicit Lease(LeaseOptions options);
    ~Lease();  // releases: the connection closes
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    /// Tries once to hold the lease: connects when needed, then takes the lock if nobody holds
    /// it. When already held, verifies it instead. True when this node holds it after the
    /// call. Never throws for the database: a failure is false, and lastError() says why.
    bool tryAcquire();
    /// For the holder: a round trip on the lease's connection. False, and no longer held, when
    /// the connection is lost (the server has ended the session, and the lock with it).
    bool verify();
    /// Gives the lease up: unlocks and closes the connection.
    void release();

    bool held() const { return fence_.has_value(); }
    /// The holder's fence, while held.
    const std::optional<Fence>& fence() const { return fence_; }
    const std::string& lastError() const { return last_error_; }

  private:
    void drop(const std::string& why);

    LeaseOptions options_;
    std::unique_ptr<Connection> conn_;
    std::optional<Fence> fence_;
    std::string last_error_;
};

/// Throws LeaseLost unless the session of `fence` still holds its lock, as `db` sees it now.
/// Run it first in each leader-only transaction on `db`. Throws PgError when `db` fails.
void checkFence(Connection& db, const Fence& fence);

/// A Lease kept on a thread of its own: a standby node tries to acquire it every `interval`,
/// the leader verifies it every `interval`. `on_acquired(fence)` and `on_lost(why)` are called
/// from that thread, in turn (never two acquisitions without a loss between them).
class LeaseKeeper {
  public:
    struct Callbacks {
        std::function<void(const Fence&)> on_acquired;
        std::function<void(const std::string&)> on_lost;
    };
    LeaseKeeper(LeaseOptions options, std::chrono::milliseconds interval, Callbacks callbacks);
    ~LeaseKeeper();  // stops the thread and releases the lease
    LeaseKeeper(const LeaseKeeper&) = delete;
    LeaseKeeper& operator=(const LeaseKeeper&) = delete;

    bool held() const;

  private:
    void run();

    Lease lease_;
    const std::chrono::milliseconds interval_;
    const Callbacks callbacks_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool held_ = false;
    std::thread thread_;
};

}  // namespace ccd::store::postgres
