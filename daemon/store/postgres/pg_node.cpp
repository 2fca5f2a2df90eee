#include "daemon/store/postgres/pg_node.hpp"

#include <spdlog/spdlog.h>

#include <random>
#include <stdexcept>
#include <utility>

namespace ccd::store::postgres {
namespace {

// 31 bits: another live node holding the same id is unlikely enough (this one would then wait
// for it and fail to start); a dead node's id drawn again only makes its rows this node's own,
// which resumeOutbox puts back at the start.
std::int64_t randomId() {
    std::random_device device;
    return std::uniform_int_distribution<std::int64_t>(1, 0x7fffffff)(device);
}

}  // namespace

const std::string& liveNodesSql() {
    // pg_locks shows an advisory lock on a bigint key as classid (high 32 bits), objid (low 32
    // bits) and objsubid 1; advisory locks are per database.
    static const std::string sql =
        "SELECT l.objid::bigint FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted"
        " AND l.objsubid = 1 AND l.classid = " +
        std::to_string(kNodeLockSpace) +
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    return sql;
}

NodePresence::NodePresence(ConnectOptions connect, std::chrono::milliseconds interval,
                           std::chrono::milliseconds wait)
    : id_(randomId()) {
    if (connect.application_name == "ccd") connect.application_name = "ccd-node";
    LeaseOptions options{std::move(connect), (kNodeLockSpace << 32) | id_};
    LeaseKeeper::Callbacks callbacks{
        [this](const Fence& fence) {
            {
                std::lock_guard lock(mutex_);
                held_ = true;
            }
            held_cv_.notify_all();
            spdlog::info("store: node {} is alive to the other nodes (session {})", id_, fence.pid);
        },
        [this](const std::string& why) {
            {
                std::lock_guard lock(mutex_);
                held_ = false;
            }
            spdlog::warn(
                "store: node {} lost the session that shows it alive ({}): it claims no outbound "
                "message until it has it again, and the other nodes take back what it was sending",
                id_, why);
        }};
    keeper_ = std::make_unique<LeaseKeeper>(std::move(options), interval, std::move(callbacks));
    std::unique_lock lock(mutex_);
    if (!held_cv_.wait_for(lock, wait, [this] { return held_; })) {
        lock.unlock();
        keeper_.reset();
        throw std::runtime_error("node " + std::to_string(id_) +
                                 ": the lock that shows it alive could not be taken");
    }
}

NodePresence::~NodePresence() { release(); }

void NodePresence::release() { keeper_.reset(); }

}  // namespace ccd::store::postgres
