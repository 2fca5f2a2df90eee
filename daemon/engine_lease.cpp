#include "daemon/engine_lease.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
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

std::atomic<bool> g_stop_waiting{false};

extern "C" void stopWaiting(int) { g_stop_waiting = true; }

// SIGINT and SIGTERM end the wait while the object lives; the daemon's own handlers come after.
class SignalsWhileWaiting {
  public:
    SignalsWhileWaiting() {
        g_stop_waiting = false;
        int_ = std::signal(SIGINT, stopWaiting);
        term_ = std::signal(SIGTERM, stopWaiting);
    }
    ~SignalsWhileWaiting() {
        std::signal(SIGINT, int_);
        std::signal(SIGTERM, term_);
    }

  private:
    void (*int_)(int) = SIG_DFL;
    void (*term_)(int) = SIG_DFL;
};

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
        } else if (!now && lease_->lastError() == store::postgres::kLeaseHeldElsewhere) {
            // Another node took it while this one was cut off: it may be routing already.
            spdlog::critical("engine lease: taken by another node; stopping at once");
            spdlog::shutdown();
            std::_Exit(kExitLeaseLost);
        }
        lock.lock();
    }
}

std::unique_ptr<EngineLease> EngineLease::waitFor(const config::StorageConfig& storage) {
    store::postgres::LeaseOptions options;
    options.connect = pgConnectOptions(storage);
    options.connect.application_name = "ccd lease";

    // A database it cannot reach at all stops the start, as the store would (exit code 4);
    // once running, a standby waits through outages.
    try {
        store::postgres::Connection probe(options.connect);
    } catch (const std::exception& e) {
        throw StoreOpenError("cannot open PostgreSQL database " +
                             store::postgres::redactDsn(options.connect.dsn) + ": " + e.what());
    }

    SignalsWhileWaiting signals;
    std::unique_ptr<EngineLease> lease(new EngineLease(std::move(options)));
    const auto start = std::chrono::steady_clock::now();
    bool said_standby = false;
    while (!g_stop_waiting) {
        if (lease->lease_->tryAcquire()) {
            spdlog::info("engine lease: held (session {}); this node is the active one",
                         lease->lease_->fence()->pid);
            lease->thread_ = std::thread([l = lease.get()] { l->keep(); });
            return lease;
        }
        if (!said_standby && std::chrono::steady_clock::now() - start > 2 * kInterval) {
            spdlog::info("engine lease: {}; standing by until it is free",
                         lease->lease_->lastError());
            said_standby = true;
        }
        std::unique_lock lock(lease->mutex_);
        lease->wake_.wait_for(lock, kInterval, [&] { return g_stop_waiting.load(); });
    }
    spdlog::info("engine lease: stopped while standing by");
    return nullptr;
}

}  // namespace ccd::daemon
