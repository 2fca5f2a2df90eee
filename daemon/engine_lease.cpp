#include "daemon/engine_lease.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "daemon/store/postgres/pg_lease.hpp"

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

EngineLease::EngineLease() = default;
EngineLease::~EngineLease() = default;

std::unique_ptr<EngineLease> EngineLease::waitFor(const config::StorageConfig& storage) {
    const auto& pg = storage.postgres.value();  // the parser requires it with driver: postgres
    store::postgres::LeaseOptions options;
    options.connect.dsn = pg.dsn.reveal();
    options.connect.connect_timeout = pg.connect_timeout;
    options.connect.keepalive_idle = pg.keepalive_idle;
    options.connect.application_name = "ccd lease";

    struct Shared {
        std::mutex mutex;
        bool acquired = false;
    };
    auto shared = std::make_shared<Shared>();
    store::postgres::LeaseKeeper::Callbacks callbacks;
    callbacks.on_acquired = [shared](const store::postgres::Fence& fence) {
        std::lock_guard lock(shared->mutex);
        shared->acquired = true;
        spdlog::info("engine lease: held (session {}); this node is the active one", fence.pid);
    };
    callbacks.on_lost = [](const std::string& why) {
        // Another node may be routing already: nothing more may be decided or sent here.
        spdlog::critical("engine lease: lost ({}); stopping at once, another node may be active",
                         why);
        spdlog::shutdown();
        std::_Exit(kExitLeaseLost);
    };

    SignalsWhileWaiting signals;
    std::unique_ptr<EngineLease> lease(new EngineLease());
    lease->keeper_ =
        std::make_unique<store::postgres::LeaseKeeper>(options, kInterval, std::move(callbacks));
    const auto start = std::chrono::steady_clock::now();
    bool said_standby = false;
    while (!g_stop_waiting) {
        {
            std::lock_guard lock(shared->mutex);
            if (shared->acquired) return lease;
        }
        if (!said_standby && std::chrono::steady_clock::now() - start > 2 * kInterval) {
            spdlog::info("engine lease: held by another node; standing by until it is free");
            said_standby = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    spdlog::info("engine lease: stopped while standing by");
    return nullptr;
}

}  // namespace ccd::daemon
