#pragma once
// A follower's relay to the leader (docs/deployment.md, "Nodes on PostgreSQL"). The console's
// and the web chat's websocket sessions are stateful (offers, subscriptions, typing) and only
// the leader runs the engine, so a follower keeps no copy of either protocol: it passes what
// it does not serve itself to the leader and the leader's answers back.
//  - HTTP (httpRelay): every request a follower does not serve itself is sent to the leader's
//    HTTP listener (same method, target, headers but hop-by-hop ones, body; X-Forwarded-For
//    appended) and the leader's answer returned. No leader known, or none reachable: 503
//    not_leader with Retry-After, as before the relay.
//  - Websockets (TcpRelay): a follower's console listener and each web chat instance's
//    listener accept connections and pass their bytes to the leader's matching port, as they
//    are (ws and wss alike; the leader checks Origin and authentication), but for one line: a
//    plain upgrade request gets an X-Forwarded-For naming the client, so the leader counts
//    each client by its own address. When either side
//    closes, or the leader changes, both are closed: the console and the widget reconnect and
//    resume by themselves.

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "config/daemon_config.hpp"
#include "daemon/cluster/leader_address.hpp"
#include "daemon/http/router.hpp"

namespace ccd::daemon::outbox {
class HttpClient;
}

namespace ccd::daemon::cluster {

/// The leader's address as last known; null: none. Called from any thread.
using LeaderLookup = std::function<std::shared_ptr<const LeaderAddress>()>;

/// The router's handler for what a follower relays. `unreachable` runs (on the client's
/// thread) when the leader could not be reached: read its address again. `client` outlives
/// the handler's requests (the daemon's outbound client).
http::Handler httpRelay(outbox::HttpClient& client, LeaderLookup leader,
                        std::function<void()> unreachable);

/// Whether a follower serves the request itself: health, metrics, webhooks, POST /v1/messages.
bool servedByFollower(const channels::WebRequest& request);

/// A TCP listener whose connections are relayed to the leader's port for it.
/// Thread safety: start() and stop() from the owner's thread; closeAll() from any thread.
class TcpRelay {
  public:
    struct Endpoint {
        std::string host;
        std::uint16_t port = 0;
    };
    /// Where a new connection goes now; nullopt: nowhere (the connection is closed).
    using Upstream = std::function<std::optional<Endpoint>()>;
    struct Limits {
        std::size_t max_connections = 10000;
        std::size_t max_connections_per_address = 256;
    };

    /// `name` appears in logs ("console", "webchat chat"). `unreachable` runs when a connect
    /// to the upstream failed.
    TcpRelay(boost::asio::io_context& ioc, std::string name, Upstream upstream, Limits limits,
             std::function<void()> unreachable = {});
    ~TcpRelay();
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;

    /// Binds and accepts. Throws std::runtime_error when the address cannot be bound.
    void start(const config::ListenAddress& listen);
    /// The bound port (0 before start()).
    std::uint16_t port() const;
    /// Closes every relayed connection (the leader changed); new ones go to the new upstream.
    void closeAll();
    /// Stops accepting and closes every connection.
    void stop();
    /// Connections open now.
    std::size_t openConnections() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::cluster
