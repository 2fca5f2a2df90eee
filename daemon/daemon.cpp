#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "config/config_error.hpp"
#include "daemon/config_watcher.hpp"
#include "daemon/console/mfa.hpp"
#include "daemon/daemon_impl.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/thread_name.hpp"

namespace ccd::daemon {

bool applyLogLevel(const std::string& level) {
    auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off") return false;
    spdlog::set_level(lvl);
    return true;
}

Daemon::Daemon(config::DaemonConfigPtr config)
    : Daemon(config::ConfigBundle{std::move(config), nullptr, nullptr}) {}

Daemon::Daemon(config::ConfigBundle bundle, NodeRole role)
    : impl_(std::make_unique<Impl>(std::move(bundle), role)) {
    impl_->owner = this;
}

Daemon::~Daemon() { stop(); }



void Daemon::start() {
    auto cfg = currentConfig();
    // Every connection is a descriptor: say at start whether the limit allows them all.
    ensureDescriptorLimit(cfg->server.limits.max_connections +
                          (impl_->console_rt ? cfg->console.max_connections : 0) +
                          (impl_->webchat_rt ? impl_->webchat_rt->maxConnections() : 0) +
                          impl_->relayDescriptors());
    for (int i = 0; i < cfg->server.threads; ++i) {
        impl_->threads.push_back(namedThread("ccd-io", [this] {
            for (;;) {
                try {
                    impl_->ioc.run();
                    return;
                } catch (const std::exception& e) {
                    // Handlers catch their own errors; this is the last line of defence.
                    spdlog::critical("io thread: unhandled exception: {}", e.what());
                }
            }
        }));
    }
    if (impl_->cases) impl_->cases->start();  // listens to the engine from its start
    // Restores open conversations and replays unrouted messages before anything is routed: the
    // listeners open after it (a message routed before its conversation was restored would
    // open it again).
    if (impl_->engine)
        impl_->engine->start(
            std::chrono::duration_cast<std::chrono::milliseconds>(cfg->console.grace));
    if (impl_->inbox) impl_->inbox->start();  // what followers store, from now on
    impl_->server.start(cfg->server.listen);
    if (impl_->console_rt) impl_->console_rt->start();
    if (impl_->webchat_rt) impl_->webchat_rt->start();
    impl_->sender->start();
    if (impl_->leader_directory) impl_->leader_directory->start();
    for (auto& [listen, relay] : impl_->socket_relays) relay->start(listen);
    if (impl_->role == NodeRole::Leader) impl_->publishLeaderAddress();
    if (impl_->role == NodeRole::Follower) return;  // the leader polls and prunes
    impl_->mailboxes->start();
    impl_->retention->start();
}

void Daemon::catchSignals() {
    if (!impl_->signals)
        impl_->signals = std::make_unique<asio::signal_set>(impl_->ioc, SIGINT, SIGTERM, SIGHUP);
}

void Daemon::setLoader(std::function<config::ConfigBundle()> loader) {
    impl_->loader = std::move(loader);
}

std::uint16_t Daemon::port() const { return impl_->server.port(); }

void Daemon::requestStop() {
    std::lock_guard lock(impl_->stop_mutex);
    impl_->stop_requested = true;
    impl_->stop_cv.notify_all();
}

bool Daemon::stopSignalled() const { return impl_->stop_signalled; }

void Daemon::fenceStoreWrites(const store::postgres::Fence& fence) {
    if (impl_->opened.fence_writes) impl_->opened.fence_writes(fence);
}

void Daemon::run(std::function<config::ConfigBundle()> load_config) {
    std::function<void(const char*)> try_reload;
    // Edits to any configuration file are picked up without a signal.
    ConfigWatcher watcher(
        impl_->ioc,
        [this] {
            auto cfg = currentConfig();
            std::vector<std::string> files{cfg->source_path};
            if (!cfg->routing_path.empty()) files.push_back(cfg->routing_path);
            {
                std::lock_guard lock(impl_->config_mutex);
                if (!impl_->corpus_path.empty()) files.push_back(impl_->corpus_path);
            }
            if (!cfg->templates.path.empty()) files.push_back(cfg->templates.path);
            if (!cfg->agents_path.empty()) files.push_back(cfg->agents_path);
            if (!cfg->agents_path.empty()) files.push_back(cfg->passwords_path);
            // A renewed certificate is picked up like an edit (SIGHUP works too).
            for (const auto* tls : {&cfg->server.tls, &cfg->console.tls}) {
                if (!*tls) continue;
                files.push_back((*tls)->cert_file);
                files.push_back((*tls)->key_file);
            }
            return files;
        },
        [&try_reload] { try_reload("config_watcher"); });
    // Every reload tells the watcher which files it reads, so a SIGHUP or POST
    // /v1/admin/reload after an edit is not followed by the watcher's own reload of it.
    auto load = [&watcher, load_config] {
        watcher.reading();
        return load_config();
    };
    setLoader(load);
    try_reload = [this, load](const char* trigger) {
        auto source = currentConfig()->source_path;
        try {
            reload(load());
            impl_->audit.record(systemActor(trigger), "config.reload", "config", source);
        } catch (const config::ConfigError& e) {
            for (const auto& issue : e.issues()) spdlog::error("reload: {}", issue.format());
            spdlog::error("reload: rejected; the previous configuration keeps serving");
            impl_->audit.record(systemActor(trigger), "config.reload", "config", source, "invalid",
                                nlohmann::json{{"issues", e.issues().size()}});
        }
    };
    watcher.start();
    if (!impl_->signals) catchSignals();
    auto& signals = *impl_->signals;
    std::function<void(const boost::system::error_code&, int)> on_signal;
    on_signal = [&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
            spdlog::info("SIGHUP: reloading configuration");
            try_reload("sighup");
            signals.async_wait(on_signal);
            return;
        }
        spdlog::info("{}: shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
        impl_->stop_signalled = true;
        requestStop();
    };
    signals.async_wait(on_signal);
    {
        std::unique_lock lock(impl_->stop_mutex);
        impl_->stop_cv.wait(lock, [this] { return impl_->stop_requested; });
    }
    boost::system::error_code ignored;
    signals.cancel(ignored);
    watcher.stop();
    stop();
    setLoader(load_config);  // `load` refers to the watcher
}

void Daemon::reload(config::DaemonConfigPtr next) {
    reload(config::ConfigBundle{std::move(next), nullptr, nullptr});
}

void Daemon::reload(config::ConfigBundle bundle) {
    // SIGHUP, the file watcher and POST /v1/admin/reload may race: one reload at a time.
    std::lock_guard serial(impl_->reload_mutex);
    config::DaemonConfigPtr next = bundle.daemon;
    if (bundle.routing) {
        if (impl_->engine) {
            // Cases follow the engine: both keep the old configuration if it cannot compile.
            impl_->engine->reconfigure(bundle.routing,
                                       [this, next = bundle.routing](bool ok, const std::string&) {
                                           if (ok && impl_->cases) impl_->cases->reconfigure(next);
                                       });
        } else {
            spdlog::warn("reload: a routing file was added; routing starts at the next start");
        }
    }
    auto old = currentConfig();
    auto restart_only = [&](const char* what) {
        spdlog::warn("reload: {} changed; the change takes effect at the next start", what);
    };
    if (next->server.listen.host != old->server.listen.host ||
        next->server.listen.port != old->server.listen.port)
        restart_only("server.listen");
    if (next->server.threads != old->server.threads) restart_only("server.threads");
    // New connections get a renewed certificate; switching TLS on or off needs a restart.
    if (next->server.tls.has_value() != old->server.tls.has_value())
        restart_only("server.tls");
    else if (impl_->http_tls && next->server.tls)
        impl_->http_tls->update(*next->server.tls);
    if (next->console.tls.has_value() != old->console.tls.has_value())
        restart_only("console.tls");
    else if (impl_->console_rt)
        impl_->console_rt->updateTls(next->console.tls);
    if (!sameStore(next->storage, old->storage)) restart_only("storage");
    if (next->mfa.file != old->mfa.file) restart_only("mfa.file");
    applyLogLevel(next->logging.level);
    impl_->auth.setMfaPolicy(Impl::mfaPolicy(next->mfa));
    if (auto mfa = impl_->auth.mfa()) mfa->setIssuer(next->mfa.issuer);
    try {
        auto before = impl_->auth.accounts();
        impl_->auth.reload(Impl::loadAgents(*next));
        recordAccountChanges(impl_->audit, systemActor("config_reload"), *before,
                             *impl_->auth.accounts());
    } catch (const config::ConfigError& e) {
        for (const auto& issue : e.issues()) spdlog::error("reload: {}", issue.format());
        spdlog::error("reload: agents file rejected; the previous accounts keep serving");
    }
    channels::ChannelSetPtr channels;
    try {
        channels = channels::ChannelSet::build(next->channels);
    } catch (const std::exception& e) {
        spdlog::error("reload: channels rejected ({}); the previous channels keep serving",
                      e.what());
    }
    {
        std::lock_guard lock(impl_->config_mutex);
        impl_->config = std::move(next);
        if (bundle.catalog) impl_->catalog = std::move(bundle.catalog);
        if (channels) impl_->channel_set = channels;
        if (bundle.routing) impl_->corpus_path = bundle.routing->classification.corpus_path;
    }
    impl_->sender->poke();     // instances added by the reload start sending
    impl_->mailboxes->sync();  // mailboxes added, changed or removed by the reload
    if (channels && impl_->webchat_rt) impl_->webchat_rt->sync(*channels);  // chat listeners
    spdlog::info("configuration reloaded");
}

void Daemon::stop() {
    {
        std::lock_guard lock(impl_->stop_mutex);
        if (impl_->stopped) return;
        impl_->stopped = true;
    }
    auto grace = currentConfig()->server.shutdown_grace;
    for (auto& [listen, relay] : impl_->socket_relays) relay->stop();
    impl_->mailboxes->stop();
    if (impl_->retention) impl_->retention->stop();
    if (impl_->console_rt) impl_->console_rt->stop();
    if (impl_->webchat_rt) impl_->webchat_rt->stop();
    if (impl_->cases) impl_->cases->stop();
    if (impl_->inbox) impl_->inbox->stop();
    if (impl_->engine) impl_->engine->stop();
    auto deadline = std::chrono::steady_clock::now() + grace;
    impl_->server.stop();
    if (impl_->reports) reports::stopReports(*impl_->reports);
    // Requests in progress finish (their store commits complete) before the store closes, and
    // console clients get their closing handshake.
    auto console_open = [this] {
        return (impl_->console_rt ? impl_->console_rt->openConnections() : std::size_t{0}) +
               (impl_->webchat_rt ? impl_->webchat_rt->openConnections() : std::size_t{0});
    };
    while ((impl_->server.openConnections() > 0 || console_open() > 0) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (auto left = impl_->server.openConnections(); left > 0)
        spdlog::warn("shutdown: {} connections still open after {} ms; closing them", left,
                     grace.count());
    if (auto left = console_open(); left > 0)
        spdlog::warn(
            "shutdown: {} websocket connections still open after {} ms; stopping "
            "without them",
            left, grace.count());
    // Sends in flight get the rest of the grace to end and have their outcome stored.
    impl_->sender->stop(std::max(std::chrono::milliseconds(100),
                                 std::chrono::duration_cast<std::chrono::milliseconds>(
                                     deadline - std::chrono::steady_clock::now())));
    impl_->forwarder.reset();  // what is left to tell the leader, before the store closes
    impl_->store.close();
    impl_->http_client.stop();
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
