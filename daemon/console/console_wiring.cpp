#include "daemon/console/console_server.hpp"

#include <atomic>

#include <boost/asio/io_context.hpp>

#include "daemon/console/auth.hpp"
#include "daemon/console/engine_gateway.hpp"
#include "daemon/console/page_routes.hpp"
#include "daemon/engine_host.hpp"
#include "daemon/tls_context.hpp"
#include "routing/engine.hpp"

// The console's wiring into the daemon, apart from console_server.cpp so that the server can be
// tested without the EngineHost and AuthService implementations.

namespace ccd::daemon::console {

namespace asio = boost::asio;

namespace {

class Runtime final : public ConsoleRuntime {
public:
    Runtime(const config::DaemonConfig& config, ConsoleServices s)
        : ioc_(s.ioc), auth_(s.auth), http_listen_(config.server.listen),
          http_tls_(config.server.tls.has_value()),
          tls_(config.console.tls ? std::make_shared<TlsContextSource>("console", *config.console.tls)
                                  : nullptr),
          http_port_(std::move(s.http_port)), console_(config.console),
          trusted_proxies_(config.server.limits.trusted_proxies),
          steps_(s.steps),
          gateway_(makeEngineHostGateway(s.engine)) {
        AuthService* auth = &s.auth;
        ConsoleHubOptions options;
        options.grace = console_.grace;
        options.outbox_frames = console_.outbox_frames;
        hub_ = ConsoleHub::create(
            s.ioc,
            ConsoleHubDeps{*gateway_, s.store,
                           [auth](std::string_view token) {
                               return auth->validate(token, std::chrono::system_clock::now());
                           },
                           [auth](const std::string& name) -> std::optional<routing::Agent> {
                               auto accounts = auth->accounts();
                               const auto* account = accounts ? accounts->find(name) : nullptr;
                               if (!account) return std::nullopt;
                               return config::AgentsConfig::toRoutingAgent(*account);
                           },
                           std::move(s.render), std::move(s.check_reply), std::move(s.typing),
                           s.audit,
                           s.mask_pii ? std::function<bool(Role)>(
                                            [mask = s.mask_pii](Role r) { return mask(toString(r)); })
                                      : nullptr,
                           s.steps},
            options);
        // Logout, a password change, an account removed: its websockets close at once.
        auth_.setRevocationListener([hub = hub_](const std::vector<RevokedSession>& ended) {
            for (const auto& r : ended) hub->revoke(r.name, r.token_id);
        });
        s.engine.addListener([hub = hub_](const EngineHost::Notification& n) {
            hub->onEngineActions(n.event, n.actions, [&n](std::int64_t id) {
                ConsoleHub::OfferDetails d;
                d.routing = n.engine.conversation(id);
                for (const auto& r : n.offered) {
                    if (r.id == id) d.record = &r;
                }
                return d;
            });
        });
        addPageRoutes(s.router, console_.static_dir, [this] { return port(); }, tls_ != nullptr);
    }
    ~Runtime() override {
        stop();
        auth_.setRevocationListener(nullptr);
    }

    void start() override {
        ConsoleServerOptions o;
        o.listen = console_.listen;
        o.allowed_origins = console_.allowed_origins;
        if (o.allowed_origins.empty())
            o.allowed_origins =
                defaultOrigins(http_listen_, http_port_ ? http_port_() : 0, http_tls_);
        o.max_frame_bytes = console_.max_frame_bytes;
        o.ping_interval = console_.ping_interval;
        o.max_connections = console_.max_connections;
        o.max_connections_per_address = console_.max_connections_per_address;
        o.trusted_proxies = trusted_proxies_;
        o.max_send_queue_bytes = console_.max_send_queue_bytes;
        o.frame_rate = console_.frame_rate;
        o.frame_burst = console_.frame_burst;
        o.tls = tls_;
        o.steps = steps_;
        server_ = std::make_unique<ConsoleServer>(ioc_, hub_, o);
        server_->start();
        hub_->start();
    }
    void stop() override {
        stopped_ = true;
        hub_->stop();
        if (server_) server_->stop();
    }
    std::uint16_t port() const override { return server_ ? server_->port() : 0; }
    std::size_t openConnections() const override {
        if (!server_) return 0;
        auto n = server_->openConnections();
        // Once stopped, what is still in flight (the cancelled accept, a connection in its
        // opening handshake) counts too: the daemon waits for it before stopping its threads.
        if (n == 0 && stopped_ && !server_->idle()) n = 1;
        return n;
    }
    ConsoleHub& hub() override { return *hub_; }
    void updateTls(const std::optional<config::TlsConfig>& tls) override {
        if (tls_ && tls) tls_->update(*tls);
    }

private:
    asio::io_context& ioc_;
    AuthService& auth_;
    config::ListenAddress http_listen_;
    bool http_tls_;
    std::shared_ptr<TlsContextSource> tls_;  // null: ws://
    std::function<std::uint16_t()> http_port_;
    config::ConsoleConfig console_;
    std::vector<config::IpNetwork> trusted_proxies_;
    MessageSteps* steps_;
    std::unique_ptr<EngineGateway> gateway_;
    std::shared_ptr<ConsoleHub> hub_;
    std::unique_ptr<ConsoleServer> server_;
    std::atomic<bool> stopped_{false};
};

}  // namespace

std::unique_ptr<ConsoleRuntime> addConsoleServer(const config::DaemonConfig& config,
                                                 ConsoleServices services) {
    if (!config.console.enabled) return nullptr;
    return std::make_unique<Runtime>(config, std::move(services));
}

}  // namespace ccd::daemon::console
