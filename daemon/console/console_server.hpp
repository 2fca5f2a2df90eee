#pragma once
// The console's websocket listener (websocketpp on the daemon's io_context; only
// console_server.cpp includes websocketpp), and addConsoleServer(), which wires the hub, the
// listener and the page into the daemon in a few lines.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/ip_network.hpp"
#include "config/daemon_config.hpp"
#include "daemon/console/console_hub.hpp"
#include "daemon/console/upgrade_request.hpp"

namespace boost::asio {
class io_context;
}
namespace ccd::store {
class Store;
}

namespace ccd::daemon {
class EngineHost;
class TlsContextSource;
namespace http {
class Router;
}
}  // namespace ccd::daemon

namespace ccd::daemon::console {

class AuthService;
class EngineGateway;

/// Tunables of the websocket listener.
struct ConsoleServerOptions {
    config::ListenAddress listen{"127.0.0.1", 8081};
    /// Exact Origin values allowed ("http://127.0.0.1:8080"). A request without Origin (not a
    /// browser) is allowed; it still has to authenticate.
    std::vector<std::string> allowed_origins;
    std::size_t max_frame_bytes = 64 * 1024;  ///< a larger message closes with 1009
    std::chrono::milliseconds ping_interval = std::chrono::seconds(20);
    std::size_t max_connections = 10000;
    std::size_t max_connections_per_address = 256;  ///< further ones are closed at accept
    /// Peers not held to max_connections_per_address: load balancers and the other ccd
    /// nodes, which relay many agents' consoles (server.trusted_proxies).
    std::vector<config::IpNetwork> trusted_proxies;
    /// Bytes queued for one connection (a client that does not read); past it: closed, 1008.
    std::size_t max_send_queue_bytes = 16 * 1024 * 1024;
    /// Frames a connection may send: `frame_burst` at once, then `frame_rate` a second; past
    /// it the connection is closed with 1008.
    std::size_t frame_rate = 50;
    std::size_t frame_burst = 200;
    /// wss:// with this certificate source (each connection takes its context at accept);
    /// null: ws://.
    std::shared_ptr<TlsContextSource> tls;
    /// Where to time each frame's wait for its connection's strand (console_connection); may
    /// be null.
    MessageSteps* steps = nullptr;
};

/// Thread safety: start() and stop() from one control thread; connections run on the
/// io_context's threads, each on its own strand.
class ConsoleServer {
public:
    ConsoleServer(boost::asio::io_context& ioc, std::shared_ptr<ConsoleHub> hub,
                  ConsoleServerOptions options);
    ~ConsoleServer();
    ConsoleServer(const ConsoleServer&) = delete;
    ConsoleServer& operator=(const ConsoleServer&) = delete;

    /// Binds and starts accepting. Throws std::runtime_error naming the address on failure.
    void start();
    /// The bound port (useful when the configured port is 0).
    std::uint16_t port() const;
    /// Stops accepting and closes every connection (1001). Idempotent.
    void stop();
    /// Connections open now.
    std::size_t openConnections() const;
    /// Accepts that failed (out of descriptors and the like) since start.
    std::uint64_t acceptFailures() const;
    /// After stop(): whether nothing is in flight any more (no connection open, no accept
    /// pending), so that the io_context may stop without abandoning a connection object.
    bool idle() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

/// What addConsoleServer() needs from the daemon. References must outlive the console.
struct ConsoleServices {
    boost::asio::io_context& ioc;
    http::Router& router;  ///< gets GET /console and its files (call before serving)
    store::Store& store;
    EngineHost& engine;    ///< gets the hub as a listener (call before engine.start())
    AuthService& auth;
    RenderReply render;    ///< canned responses; may be null
    std::function<std::uint16_t()> http_port;  ///< the HTTP listener's bound port, read at start
    CheckReply check_reply = nullptr;  ///< the channels' limits on replies; may be null
    RelayTyping typing = nullptr;      ///< typing indicators to customers; may be null
    const AuditLog* audit = nullptr;   ///< records agents' actions; may be null
    /// Whether a role ("agent", ...) sees personal data masked; may be null: no one does.
    std::function<bool(std::string_view)> mask_pii = nullptr;
    MessageSteps* steps = nullptr;  ///< times the console's steps of a message; may be null
};

/// The console in the daemon: hub, websocket listener and page routes.
class ConsoleRuntime {
public:
    virtual ~ConsoleRuntime() = default;
    /// Binds the websocket listener (after the HTTP listener: its origin is the default
    /// allow-list). Throws std::runtime_error when it cannot bind.
    virtual void start() = 0;
    /// Closes every console connection (the closing handshakes run on). Idempotent.
    virtual void stop() = 0;
    /// Websocket connections not closed yet; after stop(), at least 1 while anything is still
    /// in flight (ConsoleServer::idle()).
    virtual std::size_t openConnections() const = 0;
    virtual std::uint16_t port() const = 0;
    virtual ConsoleHub& hub() = 0;
    /// A reload's certificate for new wss connections (a change between ws and wss waits for
    /// the next start). A certificate that cannot be used keeps the previous one, logged.
    virtual void updateTls(const std::optional<config::TlsConfig>& tls) = 0;
};

/// Wires the console when `config.console.enabled` (null otherwise):
///   console_ = console::addConsoleServer(*config, {ioc, router, store, engine, auth, render,
///                                                  [this] { return server.port(); }});
///   ... after the HTTP server started:  if (console_) console_->start();
///   ... in stop(), before the store closes:  if (console_) console_->stop();
std::unique_ptr<ConsoleRuntime> addConsoleServer(const config::DaemonConfig& config,
                                                 ConsoleServices services);

}  // namespace ccd::daemon::console
