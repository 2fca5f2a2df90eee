#include "daemon/daemon.hpp"

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "channels/api/api_channel.hpp"
#include "config/agents_config_parser.hpp"
#include "daemon/api_routes.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/console/auth_routes.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {

namespace asio = boost::asio;

bool applyLogLevel(const std::string& level) {
    auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off") return false;
    spdlog::set_level(lvl);
    return true;
}

namespace {

// `path` relative to the working directory when it lies below it, as a person would type it.
std::string asTyped(const std::filesystem::path& path) {
    std::error_code ec;
    auto rel = path.lexically_relative(std::filesystem::current_path(ec));
    if (ec || rel.empty() || *rel.begin() == "..") return path.string();
    return rel.string();
}

// The agents file that `cfg` names (none: no accounts). Throws ConfigError (start-up path).
config::AgentsConfigPtr loadAgents(const config::DaemonConfig& cfg) {
    if (cfg.agents_path.empty()) {
        spdlog::warn("agents: no agents file beside {}; nobody can log in", cfg.source_path);
        return std::make_shared<config::AgentsConfig>();
    }
    auto agents = config::loadAgentsConfig(cfg.agents_path);
    spdlog::info("agents: {} ({} accounts)", cfg.agents_path, agents->accounts.size());
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::string ccd = !ec && exe.filename() == "ccd" ? asTyped(exe) : "ccd";
    for (const auto& a : agents->accounts) {
        if (a.password_hash.empty())
            spdlog::warn(
                "agent \"{}\" has no password: set one with  {} agent passwd {} --config {}",
                a.name, ccd, a.name, asTyped(cfg.source_path));
    }
    return agents;
}

}  // namespace

struct Daemon::Impl {
    explicit Impl(config::DaemonConfigPtr cfg)
        : config(std::move(cfg)),
          store(store::sqlite::SqliteStoreOptions{config->storage.sqlite.path,
                                                  config->storage.sqlite.max_batch,
                                                  config->storage.sqlite.busy_timeout},
                &metrics),
          auth(loadAgents(*config)),
          router(&metrics),
          work(asio::make_work_guard(ioc)),
          server(ioc, router, metrics, [this] { return limits(); }) {
        metrics.addGauge("ccd_store_queue_depth", "Writes waiting for the next group commit.",
                         [this] { return static_cast<double>(store.status().queue_depth); });
        RouteServices services{store, metrics, api_channel, config->channels.api.enabled};
        services.auth = &auth;
        addApiRoutes(router, std::move(services));
        addAuthRoutes(router, auth);
    }

    config::ServerLimits limits() const {
        std::lock_guard lock(config_mutex);
        return config->server.limits;
    }

    mutable std::mutex config_mutex;
    config::DaemonConfigPtr config;
    Metrics metrics;
    store::sqlite::SqliteStore store;
    channels::api::ApiChannel api_channel;
    console::AuthService auth;  // before the router: its login thread uses it
    http::Router router;
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    http::HttpServer server;
    std::vector<std::thread> threads;

    std::mutex stop_mutex;
    std::condition_variable stop_cv;
    bool stop_requested = false;
    bool stopped = false;
};

Daemon::Daemon(config::DaemonConfigPtr config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Daemon::~Daemon() { stop(); }

void Daemon::start() {
    auto cfg = currentConfig();
    impl_->server.start(cfg->server.listen);
    for (int i = 0; i < cfg->server.threads; ++i) {
        impl_->threads.emplace_back([this] {
            for (;;) {
                try {
                    impl_->ioc.run();
                    return;
                } catch (const std::exception& e) {
                    // Handlers catch their own errors; this is the last line of defence.
                    spdlog::critical("io thread: unhandled exception: {}", e.what());
                }
            }
        });
    }
}

std::uint16_t Daemon::port() const { return impl_->server.port(); }

void Daemon::requestStop() {
    std::lock_guard lock(impl_->stop_mutex);
    impl_->stop_requested = true;
    impl_->stop_cv.notify_all();
}

void Daemon::run(std::function<config::DaemonConfigPtr()> load_config) {
    asio::signal_set signals(impl_->ioc, SIGINT, SIGTERM, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal;
    on_signal = [&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
            spdlog::info("SIGHUP: reloading configuration");
            if (auto next = load_config()) reload(std::move(next));
            signals.async_wait(on_signal);
            return;
        }
        spdlog::info("{}: shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
        requestStop();
    };
    signals.async_wait(on_signal);
    {
        std::unique_lock lock(impl_->stop_mutex);
        impl_->stop_cv.wait(lock, [this] { return impl_->stop_requested; });
    }
    boost::system::error_code ignored;
    signals.cancel(ignored);
    stop();
}

void Daemon::reload(config::DaemonConfigPtr next) {
    auto old = currentConfig();
    auto restart_only = [&](const char* what) {
        spdlog::warn("reload: {} changed; the change takes effect at the next start", what);
    };
    if (next->server.listen.host != old->server.listen.host ||
        next->server.listen.port != old->server.listen.port)
        restart_only("server.listen");
    if (next->server.threads != old->server.threads) restart_only("server.threads");
    if (next->storage.sqlite.path != old->storage.sqlite.path ||
        next->storage.driver != old->storage.driver)
        restart_only("storage");
    applyLogLevel(next->logging.level);
    try {
        impl_->auth.reload(loadAgents(*next));
    } catch (const config::ConfigError& e) {
        for (const auto& issue : e.issues()) spdlog::error("reload: {}", issue.format());
        spdlog::error("reload: agents file rejected; the previous accounts keep serving");
    }
    {
        std::lock_guard lock(impl_->config_mutex);
        impl_->config = std::move(next);
    }
    spdlog::info("configuration reloaded");
}

void Daemon::stop() {
    {
        std::lock_guard lock(impl_->stop_mutex);
        if (impl_->stopped) return;
        impl_->stopped = true;
    }
    auto grace = currentConfig()->server.shutdown_grace;
    auto deadline = std::chrono::steady_clock::now() + grace;
    impl_->server.stop();
    // Requests in progress finish (their store commits complete) before the store closes.
    while (impl_->server.openConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (auto left = impl_->server.openConnections(); left > 0)
        spdlog::warn("shutdown: {} connections still open after {} ms; closing them", left,
                     grace.count());
    impl_->store.close();
    impl_->work.reset();
    impl_->ioc.stop();
    for (auto& t : impl_->threads) {
        if (t.joinable()) t.join();
    }
    impl_->threads.clear();
    spdlog::info("stopped");
}

config::DaemonConfigPtr Daemon::currentConfig() const {
    std::lock_guard lock(impl_->config_mutex);
    return impl_->config;
}

Metrics& Daemon::metrics() { return impl_->metrics; }

}  // namespace ccd::daemon
