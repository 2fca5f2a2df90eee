#include "daemon/store/postgres/pg_lease.hpp"

#include <utility>

#include "daemon/thread_name.hpp"

namespace ccd::store::postgres {

namespace {

// pg_locks shows an advisory lock on a bigint key as classid (high 32 bits), objid (low 32
// bits) and objsubid 1.
constexpr const char* kFenceSql =
    "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
    " AND l.classid = ($1 >> 32)::oid AND l.objid = ($1 & 4294967295)::oid"
    " AND l.pid = $2 AND a.backend_start = $3::timestamptz";

}  // namespace

Lease::Lease(LeaseOptions options) : options_(std::move(options)) {
    if (!options_.connect.keepalive_idle) options_.connect.keepalive_idle = std::chrono::seconds(2);
    if (options_.connect.application_name == "ccd") options_.connect.application_name = "ccd-lease";
}

Lease::~Lease() { release(); }

bool Lease::tryAcquire() {
    if (held()) return verify();
    try {
        if (!conn_ || !conn_->checkIdle()) conn_ = std::make_unique<Connection>(options_.connect);
        if (conn_->queryValue("SELECT pg_try_advisory_lock($1)", {options_.key}) != "t") {
            last_error_ = kLeaseHeldElsewhere;
            return false;
        }
        auto row = conn_->query(
            "SELECT pid, backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()");
        if (!row.next()) {
            drop("the session cannot see its own start in pg_stat_activity");
            return false;
        }
        // The previous holder's fenced transactions (ccd_fence takes this lock shared) end
        // before this node leads; any it starts later finds the lease gone.
        conn_->query(
            "SELECT pg_advisory_lock(1667458150, hashtext($1::text)),"
            " pg_advisory_unlock(1667458150, hashtext($1::text))",
            {options_.key});
        fence_ = Fence{options_.key, row.columnInt(0), row.columnText(1)};
        last_error_.clear();
        return true;
    } catch (const PgError& e) {
        drop(e.what());
        return false;
    }
}

bool Lease::verify() {
    if (!held()) return false;
    try {
        // The session still exists; it holds the lock as long as it does (nothing unlocks it
        // but release()).
        conn_->queryValue("SELECT 1");
        return true;
    } catch (const PgError& e) {
        drop(e.what());
        return false;
    }
}

void Lease::release() {
    if (conn_ && held() && !conn_->broken()) {
        try {
            conn_->queryValue("SELECT pg_advisory_unlock($1)", {options_.key});
        } catch (const PgError&) {
            // Closing the connection below ends the session, and the lock with it.
        }
    }
    fence_.reset();
    conn_.reset();
}

void Lease::drop(const std::string& why) {
    last_error_ = why;
    fence_.reset();
    conn_.reset();  // a session of ours that may still hold the lock ends here
}

void checkFence(Connection& db, const Fence& fence) {
    auto rows = db.query(kFenceSql, {fence.key, fence.pid, fence.backend_start});
    if (!rows.next())
        throw LeaseLost("the lease is no longer held by session " + std::to_string(fence.pid) +
                        " (started " + fence.backend_start + ")");
}

LeaseKeeper::LeaseKeeper(LeaseOptions options, std::chrono::milliseconds interval,
                         Callbacks callbacks)
    : lease_(std::move(options)), interval_(interval), callbacks_(std::move(callbacks)) {
    thread_ = daemon::namedThread("ccd-lease", [this] { run(); });
}

LeaseKeeper::~LeaseKeeper() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool LeaseKeeper::held() const {
    std::lock_guard lock(mutex_);
    return held_;
}

void LeaseKeeper::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        const bool was = lease_.held();
        const bool now = lease_.tryAcquire();
        if (!was && now && callbacks_.on_acquired) callbacks_.on_acquired(*lease_.fence());
        if (was && !now && callbacks_.on_lost) callbacks_.on_lost(lease_.lastError());
        lock.lock();
        held_ = now;
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
    lock.unlock();
    lease_.release();
    std::lock_guard relock(mutex_);
    held_ = false;
}

}  // namespace ccd::store::postgres
