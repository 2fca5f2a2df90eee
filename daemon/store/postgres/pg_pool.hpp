#pragma once
// A fixed number of connections to one database, shared by the PostgreSQL store's threads.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::store::postgres {

/// Hands out up to `size` connections, one thread at a time each. Connections are opened when
/// first needed; one found broken (when given back, or when handed out after sitting idle) is
/// closed and a new one opened in its place. `acquire` and the Lease's destructor are called
/// concurrently from several threads; the Pool outlives its Leases.
class Pool {
  public:
    Pool(ConnectOptions options, std::size_t size);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    /// A connection lent to one thread; given back to the pool when destroyed.
    class Lease {
      public:
        Lease(Lease&& other) noexcept
            : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        ~Lease();
        Connection& operator*() const { return *conn_; }
        Connection* operator->() const { return conn_.get(); }

      private:
        friend class Pool;
        Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
        Pool* pool_;
        std::unique_ptr<Connection> conn_;
    };

    /// Waits until a connection is free (or may be opened) and lends it. Throws PgError when a
    /// connection has to be opened and cannot be.
    Lease acquire();

    std::size_t size() const { return size_; }
    /// Connections closed because they were broken, since the pool was made.
    std::size_t replaced() const;
    /// Connections open now, lent or idle.
    std::size_t open() const;

  private:
    void giveBack(std::unique_ptr<Connection> conn);

    const ConnectOptions options_;
    const std::size_t size_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t open_ = 0;  // lent + idle + being opened
    std::size_t replaced_ = 0;
};

}  // namespace ccd::store::postgres
