#include "daemon/store/postgres/pg_pool.hpp"

#include <stdexcept>

namespace ccd::store::postgres {

Pool::Pool(ConnectOptions options, std::size_t size) : options_(std::move(options)), size_(size) {
    if (size_ == 0) throw std::invalid_argument("a connection pool needs at least one connection");
}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
    if (pool_) pool_->giveBack(std::move(conn_));
}

Pool::Lease Pool::acquire() {
    std::unique_lock lock(mutex_);
    for (;;) {
        available_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
        if (idle_.empty()) break;  // room for a new connection
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        lock.unlock();
        // Reads what the server sent while the connection sat idle (no round trip).
        bool usable = conn->checkIdle();
        if (usable) return Lease(this, std::move(conn));
        conn.reset();
        lock.lock();
        ++replaced_;
        --open_;
    }
    ++open_;  // reserved while connecting, outside the lock
    lock.unlock();
    try {
        return Lease(this, std::make_unique<Connection>(options_));
    } catch (...) {
        lock.lock();
        --open_;
        available_.notify_one();
        throw;
    }
}

void Pool::giveBack(std::unique_ptr<Connection> conn) {
    // A connection given back inside a transaction (a caller's bug or an exception between
    // BEGIN and COMMIT outside Connection::transaction) is of no use to the next one.
    bool usable = conn && conn->checkIdle();
    if (!usable) conn.reset();  // closed outside the lock
    std::lock_guard lock(mutex_);
    if (usable) {
        idle_.push_back(std::move(conn));
    } else {
        ++replaced_;
        --open_;
    }
    available_.notify_one();
}

std::size_t Pool::replaced() const {
    std::lock_guard lock(mutex_);
    return replaced_;
}

std::size_t Pool::open() const {
    std::lock_guard lock(mutex_);
    return open_;
}

}  // namespace ccd::store::postgres
