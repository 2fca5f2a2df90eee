#pragma once
// This node among the ccd nodes that share one PostgreSQL database and drain one outbox
// (issue 16, "Several nodes"): the outbox records which node claimed a row (outbox.claimed_by),
// and a row claimed by a node that is no longer alive is put back for the others to send.
//
// A node is a random id, alive while a session of its own holds a session-level advisory lock
// on that id (the lock space "ccdn", the id; pg_lease's LeaseKeeper keeps it on a connection of
// its own, taking it again when the session is lost). The server ends the lock with the session:
// the process exits or is killed (kill -9 closes its sockets at once), the session is
// terminated, or the network drops it (the connection's TCP keepalives bound how long a
// vanished peer keeps it). Whether a node is alive is thus a fact the database itself holds,
// checked in the very statement that decides on it (liveNodesSql): no heartbeat timestamps,
// no timeout, and so no agreement between the nodes' clocks.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/postgres/pg_lease.hpp"

namespace ccd::store::postgres {

/// The advisory lock space of nodes' ids: "ccdn" in ASCII (the lock's high 32 bits).
inline constexpr std::int64_t kNodeLockSpace = 0x6363646e;

/// SQL: the ids of the nodes alive now in this database, one per row (a subquery for
/// `claimed_by IN (...)`). pg_locks is the lock manager's state when the statement runs.
const std::string& liveNodesSql();

/// This node's id and the session that shows it alive. Thread-safe.
class NodePresence {
  public:
    /// Takes a random id's lock on a connection of its own and waits, up to `wait`, until it is
    /// held. `interval`: how often the session is checked, and taken again when lost. Throws
    /// std::runtime_error when the lock cannot be held in time.
    NodePresence(ConnectOptions connect, std::chrono::milliseconds interval,
                 std::chrono::milliseconds wait);
    ~NodePresence();  // releases: the other nodes then see this node gone
    NodePresence(const NodePresence&) = delete;
    NodePresence& operator=(const NodePresence&) = delete;

    /// This node's id, the same for the store's whole life (claimed_by of its claims).
    std::int64_t id() const { return id_; }
    /// Ends the session: the other nodes see this node gone. Not concurrently with itself.
    void release();

  private:
    const std::int64_t id_;
    std::mutex mutex_;
    std::condition_variable held_cv_;
    bool held_ = false;
    std::unique_ptr<LeaseKeeper> keeper_;
};

}  // namespace ccd::store::postgres
