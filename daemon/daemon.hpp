#pragma once
// The ccd process: wires the store, the channel adapters, the router and the HTTP server onto one
// io_context run by a small thread pool, and runs until SIGTERM/SIGINT. SIGHUP reloads.

#include <cstdint>
#include <functional>
#include <memory>

#include "config/config_bundle.hpp"
#include "config/daemon_config.hpp"

namespace ccd::store::postgres {
struct Fence;
}

namespace ccd::daemon {

class Metrics;

/// What this process is among the nodes sharing one PostgreSQL database (docs/deployment.md).
enum class NodeRole {
    Alone,     ///< the only node (SQLite): everything runs here
    Leader,    ///< holds the engine's lease: routes what every node stores, runs the console
    Follower,  ///< takes webhooks and API messages, sends replies; the leader routes them
};

/// Thread safety: construct, start(), run() and stop() from one control thread; reload() may be
/// called from any thread.
class Daemon {
public:
    /// Opens the store. Throws StoreOpenError (store_factory.hpp) when it cannot. Without a routing
    /// file messages are only stored.
    explicit Daemon(config::DaemonConfigPtr config);
    /// With the routing engine and the template catalog of the bundle. A follower has no
    /// engine, console or web chat, and neither polls mailboxes nor runs retention: it stores,
    /// tells the leader (leader_link.hpp) and sends from the outbox.
    explicit Daemon(config::ConfigBundle bundle, NodeRole role = NodeRole::Alone);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Binds the listener and starts the I/O threads. Throws std::runtime_error on bind failure.
    void start();

    /// Takes SIGINT, SIGTERM and SIGHUP from now on; run() acts on those that came before it
    /// waits. Call before start(): a signal sent once the listener answers (a supervisor's
    /// reload at start) must not find the default action, which ends the process.
    void catchSignals();

    /// The bound HTTP port.
    std::uint16_t port() const;

    /// Blocks until SIGTERM or SIGINT (or stop() from another thread), then shuts down
    /// gracefully. On SIGHUP (and POST /v1/admin/reload) calls `load_config`; when it throws
    /// config::ConfigError (an invalid file) the current configuration keeps serving.
    void run(std::function<config::ConfigBundle()> load_config);

    /// What POST /v1/admin/reload loads (run() sets it too).
    void setLoader(std::function<config::ConfigBundle()> loader);

    /// Asks run() to return; usable from any thread, including a signal-free test.
    void requestStop();
    /// The leader, before start(): its store's writes but inbound messages are fenced by the
    /// engine's lease (store/postgres/pg_store.hpp, fenceWrites).
    void fenceStoreWrites(const store::postgres::Fence& fence);
    /// Whether run() returned for SIGTERM or SIGINT (rather than requestStop()).
    bool stopSignalled() const;

    /// Applies a new configuration: limits and log level at once; listener, storage and thread
    /// count only at the next start (a warning says so).
    void reload(config::DaemonConfigPtr next);
    /// Also swaps the routing rules (engine) and the template catalog, when given.
    void reload(config::ConfigBundle next);

    /// Stops accepting, finishes requests in progress within the shutdown grace, commits and
    /// stops the threads. Idempotent.
    void stop();

    /// The configuration in force.
    config::DaemonConfigPtr currentConfig() const;

    Metrics& metrics();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Sets spdlog's level from a name; false if the name is unknown.
bool applyLogLevel(const std::string& level);

}  // namespace ccd::daemon
