#pragma once
// The web chat hub of one `type: webchat` instance: customers' sessions (a random token, kept
// hashed in the store's channel state, expiring), the translation of their frames
// (docs/webchat-protocol.md) into intake requests, and of the engine's actions and stored
// replies into frames for their live sockets. Transport-neutral: the websocket listener
// (webchat_server.cpp, the only file that includes websocketpp) adapts its connections to
// WebchatConnection.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "channels/registry.hpp"
#include "channels/webchat/webchat_channel.hpp"
#include "daemon/engine_host.hpp"
#include "daemon/webchat/chat_mail.hpp"

namespace ccd::store {
class Store;
}

namespace ccd::daemon {
class Intake;
}

namespace ccd::daemon::webchat {

/// One customer connection as the hub sees it. Thread safety: send() and close() may be called
/// from any thread; frames go out in the order of the calls.
class WebchatConnection {
public:
    virtual ~WebchatConnection() = default;
    virtual void send(std::string frame) = 0;
    virtual void close(int code, std::string reason) = 0;
};

/// What the hub uses. References must outlive the hub.
struct WebchatHubDeps {
    store::Store& store;
    Intake& intake;
    std::function<channels::ChannelSetPtr()> channels;  ///< the instances in force
    /// Shows the agent who has joined a conversation that its customer is typing; may be null.
    std::function<void(const std::string& agent, std::int64_t conversation_id)> customer_typing =
        nullptr;
    /// The templates of emails to customers (continuation, transcript); null: no email.
    EmailTemplatesSource email_templates = nullptr;
};

/// Thread safety: every public method may be called from any thread (one mutex guards the
/// sessions; nothing blocking is done under it).
class WebchatHub : public std::enable_shared_from_this<WebchatHub> {
public:
    class Client;

    static std::shared_ptr<WebchatHub> create(std::string instance,
                                              const channels::webchat::WebchatSettings& settings,
                                              WebchatHubDeps deps);
    ~WebchatHub();

    /// Reads the sessions kept in the store (blocks until read; at start-up).
    void load();

    /// A connection opened from `address`.
    std::shared_ptr<Client> connected(std::shared_ptr<WebchatConnection> connection,
                                      std::string address);
    /// One text frame from the customer, in the order received.
    void received(const std::shared_ptr<Client>& client, std::string_view frame);
    /// A photo or file (POST /chat/upload/<instance>) of the session whose token is `token`:
    /// `request` carries the file's Content-Type, its name (header X-Ccd-Webchat-File,
    /// percent-encoded) and bytes; `client_id` deduplicates a resend like a message's id.
    /// Checked by the channel (channels/webchat/webchat_upload.hpp) and stored through the intake
    /// path with the conversation; `done` gets the answer (202 like a message, or an error).
    void upload(std::string_view token, const std::string& client_id, channels::WebRequest request,
                std::function<void(channels::WebResponse)> done);
    /// The connection is gone.
    void disconnected(const std::shared_ptr<Client>& client);

    /// The EngineHost listener: agent joined/left, queue position, replies, end.
    void onEngine(const EngineHost::Notification& n);
    /// An agent types in conversation `id` (shown when it is one of this hub's).
    void agentTyping(std::int64_t conversation_id);

    /// Sessions held in memory (live or waiting for a reconnect).
    std::size_t sessions() const;

    struct Impl;

private:
    explicit WebchatHub(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::webchat
