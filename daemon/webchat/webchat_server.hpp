#pragma once
// The customers' websocket listeners of the `type: webchat` instances (websocketpp on the
// daemon's io_context; only webchat_server.cpp includes websocketpp) and the runtime that wires
// one hub and one listener per instance into the daemon.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/ip_network.hpp"
#include "channels/registry.hpp"
#include "daemon/engine_host.hpp"
#include "daemon/webchat/chat_mail.hpp"

namespace boost::asio {
class io_context;
}
namespace ccd::store {
class Store;
}

namespace ccd::daemon {
class Intake;
namespace http {
class Router;
}
}  // namespace ccd::daemon

namespace ccd::daemon::webchat {

/// What the web chat needs from the daemon. References must outlive the runtime.
struct WebchatServices {
    boost::asio::io_context& ioc;
    store::Store& store;
    Intake& intake;
    EngineHost* engine;  ///< may be null (no routing): messages are stored, nobody answers
    std::function<channels::ChannelSetPtr()> channels;
    http::Router& router;   ///< gets /chat/... (the widget; call before serving)
    std::string files_dir;  ///< widget.js, widget.css, demo.html; empty: not served
    /// "The customer is typing" to the agent who has joined; may be null.
    std::function<void(const std::string& agent, std::int64_t conversation_id)> customer_typing =
        nullptr;
    /// The templates of emails to chat customers (transcripts, answers by email); null: none.
    EmailTemplatesSource email_templates = nullptr;
    /// server.trusted_proxies: a websocket from one of them is counted, limited and rated by
    /// the client its upgrade request's X-Forwarded-For names (a load balancer's), not by the
    /// proxy's own address.
    std::vector<config::IpNetwork> trusted_proxies = {};
};

/// Thread safety: start(), stop() and sync() from the daemon's control thread; the others from
/// any.
class WebchatRuntime {
public:
    virtual ~WebchatRuntime() = default;
    /// Reads each instance's sessions and binds its listener (logs
    /// "webchat <name>: listening on ws://host:port/"). Throws std::runtime_error when a
    /// listener cannot bind.
    virtual void start() = 0;
    /// Closes every customer connection (1001). Idempotent.
    virtual void stop() = 0;
    virtual std::size_t openConnections() const = 0;
    /// The most websockets all instances may have open (their max_connections).
    virtual std::size_t maxConnections() const = 0;
    /// The bound port of an instance's listener (0 when unknown).
    virtual std::uint16_t port(const std::string& instance) const = 0;
    /// An agent types in a conversation: shown to its customer when it is a web chat.
    virtual void agentTyping(std::int64_t conversation_id) = 0;
    /// After a reload: instances added get a hub and (once started) a listener; removed ones
    /// stop listening and close their customers (1001). An instance whose settings changed
    /// keeps its listener and settings until the next start.
    virtual void sync(const channels::ChannelSet& channels) = 0;
};

/// One hub and one listener per enabled `type: webchat` instance of `channels` (none is fine:
/// a reload may add some). Registers with the engine: call before the engine starts.
std::unique_ptr<WebchatRuntime> addWebchat(const channels::ChannelSet& channels,
                                           WebchatServices services);

}  // namespace ccd::daemon::webchat
