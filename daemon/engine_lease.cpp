#include "daemon/engine_lease.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "daemon/pg_connect_options.hpp"
#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/postgres/pg_lease.hpp"
#include "daemon/store/postgres/pg_store.hpp"
#include "daemon/store_factory.hpp"

namespace ccd::daemon {
namespace {

constexpr std::chrono::milliseconds kInterval{500};

}  // namespace

EngineLease::EngineLease(store::postgres::LeaseOptions options)
    : lease_(std::make_unique<store::postgres::Lease>(std::move(options))) {}

EngineLease::~EngineLease() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    lease_->release();
}

void EngineLease::keep() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kInterval, [this] { return stopping_; })) {
        lock.unlock();
        const bool was = lease_->held();
        const bool now = lease_->tryAcquire();  // verifies while held, else takes it again
        if (was && !now) {
            spdlog::warn("engine lease: session lost ({}); taking it again", lease_->lastError());
        } else if (!was && now) {
            spdlog::info("engine lease: held again (session {})", lease_->fence()->pid);
            std::lock_guard tell(listener_mutex_);
            if (listener_) listener_(*lease_->fence());
        } else if (!now && lease_->lastError() == store::postgres::kLeaseHeldElsewhere) {
            // Another node took it while this one was cut off: it may be routing already.
            spdlog::critical("engine lease: taken by another node; stopping at once");
            spdlog::shutdown();
            std::_Exit(kExitLeaseLost);
        }
        lock.lock();
    }
}

store::postgres::LeaseOptions EngineLease::optionsFor(const config::StorageConfig& storage) {
    store::postgres::LeaseOptions options;
    options.connect = pgConnectOptions(storage);
    options.connect.application_name = "ccd lease";
    return options;
}

std::unique_ptr<EngineLease> EngineLease::tryTake(const config::StorageConfig& storage) {
    auto options = optionsFor(storage);
    // A database it cannot reach at all stops the start, as the store would (exit code 4);
    // once running, a follower waits through outages.
    try {
        store::postgres::Connection probe(options.connect);
    } catch (const std::exception& e) {
        throw StoreOpenError("cannot open PostgreSQL database " +
                             store::postgres::redactDsn(options.connect.dsn) + ": " + e.what());
    }
    std::unique_ptr<EngineLease> lease(new EngineLease(std::move(options)));
    if (!lease->lease_->tryAcquire()) {
        spdlog::info("engine lease: {}; this node follows the one holding it",
                     lease->lease_->lastError());
        return nullptr;
    }
    lease->held();
    return lease;
}

std::unique_ptr<EngineLease> EngineLease::waitFor(const config::StorageConfig& storage,
                                                  const std::atomic<bool>& give_up) {
    std::unique_ptr<EngineLease> lease(new EngineLease(optionsFor(storage)));
    while (!give_up) {
        if (lease->lease_->tryAcquire()) {
            lease->held();
            return lease;
        }
        std::unique_lock lock(lease->mutex_);
        lease->wake_.wait_for(lock, kInterval, [&] { return give_up.load(); });
    }
    return nullptr;
}

const store::postgres::Fence& EngineLease::fence() const { return *lease_->fence(); }

void EngineLease::onNewFence(std::function<void(const store::postgres::Fence&)> listener) {
    std::lock_guard lock(listener_mutex_);
    listener_ = std::move(listener);
}

void EngineLease::held() {
    spdlog::info("engine lease: held (session {}); this node is the leader",
                 lease_->fence()->pid);
    thread_ = std::thread([this] { keep(); });
}

}  // namespace ccd::daemon
