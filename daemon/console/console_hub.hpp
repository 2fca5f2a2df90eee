#pragma once
// The console hub: per-agent sessions (sequence numbers, a bounded outbox for resume, the grace
// period after a disconnect), the translation of agents' commands into engine events and store
// writes, and of the engine's actions into frames for the right agents and supervisors.
// Transport-neutral: the websocket server (console_server) adapts its connections to
// ConsoleConnection, and the hub is tested with a fake engine and a fake connection.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/console/auth.hpp"
#include "daemon/store/store.hpp"
#include "routing/engine_types.hpp"

namespace boost::asio {
class io_context;
}

namespace ccd::daemon {
class AuditLog;
struct MessageSteps;
}

namespace ccd::daemon::console {

class EngineGateway;

/// One client connection as the hub sees it. Implemented by the websocket server.
/// Thread safety: send() and close() may be called from any thread (they post to the
/// connection's own strand); frames are sent in the order of the calls.
class ConsoleConnection {
public:
    virtual ~ConsoleConnection() = default;
    /// Queues one text frame.
    virtual void send(std::string frame) = 0;
    /// Closes the connection with a websocket close code and reason.
    virtual void close(int code, std::string reason) = 0;
    /// The peer's address, for the audit log; empty when unknown. Any thread.
    virtual std::string remoteAddress() const { return {}; }
};

/// A canned response rendered for a conversation, or why it could not be.
struct RenderedReply {
    std::optional<std::string> text;
    std::string error;
};

/// Renders template `template_id` with `vars` in the conversation's language ("en", "zh-Hans",
/// ...). Called on any thread; must not block for long.
using RenderReply = std::function<RenderedReply(
    std::int64_t conversation_id, const std::string& template_id,
    const std::map<std::string, std::string>& vars, const std::string& language)>;

/// The principal of a bearer token, or nullopt. Called on any thread.
using Authenticate = std::function<std::optional<Principal>(std::string_view token)>;

/// An account's routing profile (skills, capacity), sent to the engine when the agent connects.
using AgentProfile = std::function<std::optional<routing::Agent>(const std::string& name)>;

/// Why a reply may not go to the customer as it is (a closed customer-service window, a text
/// longer than the channel takes); nullopt: it may.
struct ReplyRefusal {
    std::string code;    ///< "outside_window", "too_long", "no_window_template"
    std::string reason;  ///< for the agent
};
/// Checks a reply against its conversation's channel before it is stored. Any thread.
using CheckReply = std::function<std::optional<ReplyRefusal>(
    const routing::ConversationSnapshot& conversation, const std::string& text,
    bool window_template)>;
/// Shows "typing..." to the customer of a conversation, where its channel can. Any thread.
using RelayTyping = std::function<void(std::int64_t conversation_id)>;

/// Tunables of the hub.
struct ConsoleHubOptions {
    std::chrono::milliseconds grace = std::chrono::seconds(60);  ///< before AgentLost
    std::size_t outbox_frames = 1000;  ///< sequenced frames kept per agent for resume
    std::chrono::milliseconds board_interval = std::chrono::seconds(1);  ///< supervisor push
    std::chrono::milliseconds auth_timeout = std::chrono::seconds(10);  ///< to send `auth`
};

/// What the hub uses. References must outlive the hub.
struct ConsoleHubDeps {
    EngineGateway& engine;
    store::Store& store;
    Authenticate authenticate;
    AgentProfile profile;  ///< may be null
    RenderReply render;    ///< may be null: template replies are refused
    CheckReply check_reply = nullptr;  ///< may be null: every reply is stored as it is
    RelayTyping typing = nullptr;      ///< may be null: typing is acknowledged only
    /// Records agents' actions on conversations (docs/security.md, "Audit log"); may be null.
    const AuditLog* audit = nullptr;
    /// Whether a role's frames carry personal data masked (privacy.mask_pii_for), asked when a
    /// connection authenticates; may be null: nobody's are.
    std::function<bool(Role)> mask_pii = nullptr;
    /// Where to time each frame's wait for its agent's strand (console_agent); may be null.
    MessageSteps* steps = nullptr;
};

/// Thread safety: every public method may be called from any thread. Per-agent state lives on
/// one strand per agent; broadcasts post to those strands with no lock held.
class ConsoleHub : public std::enable_shared_from_this<ConsoleHub> {
public:
    /// Per-connection state, opaque to the server.
    class Client;

    static std::shared_ptr<ConsoleHub> create(boost::asio::io_context& ioc, ConsoleHubDeps deps,
                                              ConsoleHubOptions options);
    ~ConsoleHub();
    ConsoleHub(const ConsoleHub&) = delete;
    ConsoleHub& operator=(const ConsoleHub&) = delete;

    /// Starts the supervisor board timer.
    void start();
    /// Stops timers and closes every client (1001). Idempotent.
    void stop();

    /// What an offer frame shows, when the caller has it at hand.
    struct OfferDetails {
        std::optional<routing::ConversationSnapshot> routing;  ///< the engine's view
        const store::ConversationRecord* record = nullptr;     ///< stored, with the history
    };
    /// Looks up an offered conversation; valid during onEngineActions only.
    using OfferLookup = std::function<OfferDetails(std::int64_t conversation_id)>;

    /// The EngineHost listener: turns actions into frames. Called on the engine strand. With
    /// `lookup` (and a record it returns), offers are sent at once; without, the hub asks the
    /// engine and the store first.
    void onEngineActions(const routing::Event& event, const std::vector<routing::Action>& actions,
                         const OfferLookup& lookup = {});

    /// Validates a bearer token (for the upgrade request's Authorization header).
    std::optional<Principal> authenticate(std::string_view token) const;

    /// A connection opened, already authenticated by its upgrade request (`principal`) or not
    /// (it must then send `auth` within the auth timeout). `last_seq` resumes a session.
    std::shared_ptr<Client> connected(std::shared_ptr<ConsoleConnection> connection,
                                      std::optional<Principal> principal,
                                      std::optional<std::uint64_t> last_seq);
    /// One text frame from the client. Call in the order received.
    void received(const std::shared_ptr<Client>& client, std::string_view frame);
    /// The connection is gone (closed or failed).
    void disconnected(const std::shared_ptr<Client>& client);
    /// The session of `token_id` (every session of the account when empty) ended: logout, a
    /// password change, the account removed or left without a password. Its connection is
    /// closed at once with 4001 and its frames are no longer read.
    void revoke(const std::string& name, const std::string& token_id);

    /// Agents with a connection attached now.
    std::size_t connectedAgents() const;

    /// The customer of `conversation_id`, held by `agent`, is typing (web chat): a
    /// `customer_typing` frame to the agent's console, if connected (not kept for a resume).
    void customerTyping(const std::string& agent, std::int64_t conversation_id);

    /// Defined in the .cpp.
    struct Impl;

private:
    explicit ConsoleHub(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::console
