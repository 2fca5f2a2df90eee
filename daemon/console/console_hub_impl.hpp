#pragma once
// The console hub's insides, shared by its three source files and by nothing else:
//   console_hub.cpp           sessions: attach, resume, the grace period, delivery to agents
//   console_hub_commands.cpp  agents' commands into engine events and store writes
//   console_hub_engine.cpp    the engine's actions into frames: offers, updates, the board

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "daemon/console/console_frames.hpp"
#include "daemon/console/console_hub.hpp"
#include "daemon/console/console_outbox.hpp"
#include "daemon/console/console_protocol.hpp"
#include "daemon/console/engine_gateway.hpp"
#include "daemon/json_time.hpp"
#include "daemon/privacy/pii_json.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon::console {

namespace asio = boost::asio;
using nlohmann::json;
using Strand = asio::strand<asio::io_context::executor_type>;
using Actions = std::vector<routing::Action>;

/// Wraps a completion handler so that no exception escapes it.
template <class F>
auto guard(const char* where, F f) {
    return [where, f = std::move(f)](auto&&... args) mutable {
        try {
            f(std::forward<decltype(args)>(args)...);
        } catch (const std::exception& e) {
            spdlog::error("console: {}: {}", where, e.what());
        } catch (...) {
            spdlog::error("console: {}: unknown exception", where);
        }
    };
}

/// Conversations listed per queue in a `queues` frame.
constexpr std::size_t kQueueListLength = 20;

inline bool isSupervisor(Role r) { return r != Role::Agent; }

inline const routing::Rejected* rejection(const Actions& actions) {
    for (const auto& a : actions) {
        if (const auto* r = std::get_if<routing::Rejected>(&a)) return r;
    }
    return nullptr;
}

/// What an answer to a command needs to know about it.
struct CommandRef {
    CommandType type = CommandType::Auth;
    std::string id;
    std::int64_t conversation_id = 0;
    std::string remote;  ///< the connection's peer, for the audit log
};

inline CommandRef refOf(const Command& c, std::string remote = {}) {
    return {c.type, c.id, c.conversation_id, std::move(remote)};
}

/// One agent's session, alive across their connections. Fields without an atomic are touched
/// on `strand` only.
struct ConsoleAgentState {
    ConsoleAgentState(asio::io_context& ioc, std::string n, std::size_t capacity)
        : name(std::move(n)),
          strand(asio::make_strand(ioc)),
          grace_timer(strand),
          outbox(capacity) {}

    const std::string name;
    Strand strand;
    asio::steady_timer grace_timer;
    ConsoleOutbox outbox;
    Role role = Role::Agent;
    std::shared_ptr<ConsoleHub::Client> client;
    bool ready = false;              // hello sent: live frames flow to the client
    bool supervisor_stream = false;  // subscribed to the board
    std::atomic<bool> queue_stream{false};  // subscribed to their queues' waiting lists
    bool in_engine = false;          // announced to the engine and not lost since
    std::string token_id;            // of the last connection attached
    std::uint64_t epoch = 0;         // invalidates a pending grace timer
    std::atomic<bool> supervisor{false};
    std::atomic<bool> online{false};
};

/// A connection whose frames are masked (privacy::maskFrame) once `on`: what a role that may
/// not see personal data receives. The frames the hub keeps for a resume stay unmasked.
class MaskingConnection final : public ConsoleConnection {
  public:
    explicit MaskingConnection(std::shared_ptr<ConsoleConnection> inner)
        : inner_(std::move(inner)) {}
    void send(std::string frame) override {
        inner_->send(on.load() ? privacy::maskFrame(frame) : std::move(frame));
    }
    void close(int code, std::string reason) override { inner_->close(code, std::move(reason)); }
    std::atomic<bool> on{false};

  private:
    std::shared_ptr<ConsoleConnection> inner_;
};

class ConsoleHub::Client {
  public:
    Client(std::shared_ptr<ConsoleConnection> c, std::shared_ptr<MaskingConnection> m)
        : connection(std::move(c)), masking(std::move(m)) {}
    const std::shared_ptr<ConsoleConnection> connection;
    const std::shared_ptr<MaskingConnection> masking;  // null without privacy.mask_pii_for
    // Written and read on the connection's strand (connected/received/disconnected).
    std::optional<Principal> principal;
    std::shared_ptr<ConsoleAgentState> agent;
    std::atomic<bool> authenticated{false};
    std::atomic<bool> closed{false};
    std::atomic<bool> refused{false};  // closed by the hub: its frames are no longer read
    // Closes an unauthenticated connection that does not authenticate in time; cancelled when
    // the connection goes, so that no timer outlives it. Set once, before the client is shared.
    std::shared_ptr<asio::steady_timer> auth_timer;
};

using AgentPtr = std::shared_ptr<ConsoleAgentState>;
using ClientPtr = std::shared_ptr<ConsoleHub::Client>;

struct ConsoleHub::Impl : std::enable_shared_from_this<ConsoleHub::Impl> {
    Impl(asio::io_context& io, ConsoleHubDeps d, ConsoleHubOptions o)
        : ioc(io),
          deps(std::move(d)),
          options(o),
          board_strand(asio::make_strand(io)),
          board_timer(board_strand) {}

    asio::io_context& ioc;
    ConsoleHubDeps deps;
    ConsoleHubOptions options;
    Strand board_strand;
    asio::steady_timer board_timer;  // on board_strand
    std::chrono::steady_clock::time_point last_board{};   // board_strand only
    std::chrono::steady_clock::time_point last_queues{};  // board_strand only
    std::atomic<bool> stopped{false};
    std::atomic<bool> board_dirty{true};

    mutable std::mutex agents_mutex;
    std::map<std::string, AgentPtr> agents;

    // Written by the engine listener; read by offer completions (store threads).
    std::mutex state_mutex;
    std::map<std::int64_t, std::string> holders;
    std::set<std::pair<std::int64_t, std::string>> offers;
    std::map<std::pair<std::int64_t, std::string>, json> at_risk;  // (conversation, milestone)

    // ---- sessions (console_hub.cpp) -----------------------------------------------------------
    AgentPtr agentState(const std::string& name);
    /// The agent's state if they ever connected; null otherwise (nothing is created).
    AgentPtr knownAgent(const std::string& name) const;
    std::vector<AgentPtr> supervisors() const;
    /// Queues a frame for an agent on their strand. Sequenced frames are numbered and kept
    /// for resume; others (board, hello, conversation) are sent only if connected.
    void deliver(const AgentPtr& a, std::string frame, bool sequenced = true);
    void deliverTo(const std::string& agent, std::string frame);
    void ack(const AgentPtr& a, const CommandRef& c, json extra = json::object());
    void fail(const AgentPtr& a, const CommandRef& c, std::string_view code,
              std::string_view reason);
    /// A store operation failed: logged with the store's words, answered without them
    /// (`store_unavailable`: SQLite's messages are not for clients).
    void storeFailed(const AgentPtr& a, const CommandRef& c, const store::StoreError& error);
    /// Binds an authenticated connection to the agent's session: hello, then what was missed.
    void attach(const ClientPtr& c, const Principal& p, std::optional<std::uint64_t> last_seq);
    /// The connection is gone: the grace period starts.
    void detach(const ClientPtr& c);
    /// Closes (4001) the agent's connection of that token (any token when empty).
    void revoke(const std::string& name, const std::string& token_id);
    void stop();

    // ---- commands (console_hub_commands.cpp) --------------------------------------------------
    void replyError(const ClientPtr& c, const ParseError& e);
    /// Answers a frame before authentication once, then closes (1008).
    void refuseUnauthenticated(const ClientPtr& c, const ParseError& e);
    void received(const ClientPtr& c, std::string_view frame);
    /// Submits an event made from a command; answers ack, or error for a Rejected action.
    void submitFor(const AgentPtr& a, const CommandRef& ref, routing::Event event);
    using ConversationStep =
        std::function<void(const std::optional<routing::ConversationSnapshot>&, std::string)>;
    /// Reads the engine's view of the command's conversation, checks that the principal may
    /// act on it (assigned to them, or a supervisor), and continues on the agent's strand with
    /// the agent to act for (a supervisor acts for the holder).
    void withConversation(const AgentPtr& a, const Principal& p, const CommandRef& ref,
                          bool require_assigned, ConversationStep step);
    void execute(const AgentPtr& a, const Principal& p, Command cmd, std::string remote);
    /// Records the outcome of an agent's command on a conversation in the audit log (accept,
    /// decline, transfer, resolve, reply, note, open, wrap_up); other commands are not.
    void audited(const AgentPtr& a, const CommandRef& c, std::string_view outcome,
                 std::string_view code = {});
    void reply(const AgentPtr& a, const CommandRef& ref, const Command& cmd,
               const std::string& name, const std::optional<routing::ConversationSnapshot>& snap,
               const std::string& acting);
    void note(const AgentPtr& a, const CommandRef& ref, const char* type, const json& data);
    void open(const AgentPtr& a, const CommandRef& ref,
              const std::optional<routing::ConversationSnapshot>& snap);
    /// Reads the archive of `record`'s contact into it (without `record` itself), then calls
    /// `then` (on a store thread); when the store fails, the record goes on without one.
    void readCustomerHistory(store::ConversationRecord record,
                             std::function<void(store::ConversationRecord)> then);

    // ---- engine actions and the board (console_hub_engine.cpp) -------------------------------
    void onEngine(const routing::Event& event, const Actions& actions,
                  const ConsoleHub::OfferLookup& lookup);
    /// Sends an offer frame unless the offer was revoked or answered meanwhile.
    void sendOffer(const routing::OfferMade& o, std::string frame);
    /// Reads the conversation's routing state, history and customer archive, then sends the
    /// offer (with
    /// `transfer`, when not null, as its `transfer` field).
    void readAndSendOffer(const routing::OfferMade& o, json transfer);
    void armBoard();
    void pushBoard();
    /// Sends each agent subscribed to `queues` (or just `only`) their queues' waiting lists.
    void pushQueues(const AgentPtr& only = nullptr);
};

}  // namespace ccd::daemon::console
