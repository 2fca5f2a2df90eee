#pragma once
// The web chat hub's inside (webchat_hub.hpp): a customer's session and connection, and the
// hub's state with its operations, defined in webchat_hub.cpp (the engine's side and the public
// methods), webchat_sessions.cpp (sessions: start, resume, history) and webchat_messages.cpp
// (the customer's frames: messages, typing, survey, end, email).

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/json_time.hpp"
#include "daemon/webchat/chat_mail.hpp"
#include "daemon/webchat/webchat_frames.hpp"
#include "daemon/webchat/webchat_hub.hpp"

namespace ccd::daemon::webchat {

using nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

/// The key prefix of a session in the instance's channel state (then the token's hash).
inline constexpr std::string_view kSessionKey = "session:";
/// At most one "customer is typing" to the agent per session in this time (as the console's
/// `typing` to customers: every 4 s).
inline constexpr auto kTypingInterval = std::chrono::seconds(4);

/// A customer's chat: who they are, their conversation, the connection that shows it now.
struct Session {
    std::string hash;  // sha256 of the token: the key in the store
    Profile profile;
    std::int64_t conversation_id = 0;
    std::int64_t expires_ms = 0;
    std::deque<SteadyTime> recent;  // messages in the last minute
    std::weak_ptr<WebchatHub::Client> live;
    std::string agent;  // who has joined, empty: nobody
    SteadyTime typing_relayed{};  // when the agent was last shown that the customer types
    bool by_email = false;  // the conversation continues by email (chat_mail.hpp)
};

class WebchatHub::Client {
public:
    Client(std::shared_ptr<WebchatConnection> c, std::string a)
        : connection(std::move(c)), address(std::move(a)) {}
    std::shared_ptr<WebchatConnection> connection;
    std::string address;
    std::shared_ptr<Session> session;  // under the hub's mutex
    std::int64_t delivered = 0;        // the last message id this connection was sent
};

struct WebchatHub::Impl : std::enable_shared_from_this<WebchatHub::Impl> {
    Impl(std::string name, const channels::webchat::WebchatSettings& s, WebchatHubDeps d)
        : instance(std::move(name)),
          settings(s),
          deps(d),
          mail(s.email_instance, d.store, d.email_templates) {}

    std::string instance;
    channels::webchat::WebchatSettings settings;
    WebchatHubDeps deps;
    ChatMail mail;

    mutable std::mutex mutex;
    std::map<std::string, std::shared_ptr<Session>> sessions;            // by token hash
    std::map<std::int64_t, std::shared_ptr<Session>> by_conversation;    // live conversations
    std::map<std::string, std::shared_ptr<Session>> by_sender;
    std::map<std::string, std::deque<SteadyTime>> starts;  // new sessions per address
    SteadyTime last_sweep{};

    channels::ChannelInstancePtr channel() const;

    static void send(const std::shared_ptr<Client>& c, const json& frame);

    // ---- sessions ------------------------------------------------------------------------

    json sessionJson(const Session& s) const;

    void persist(const std::shared_ptr<Session>& s, std::function<void(bool)> done);

    // Under mutex: forgets expired sessions without a connection (at most once a minute).
    void sweepLocked(SteadyTime now);

    void start(const std::shared_ptr<Client>& c, const json& frame);

    void resume(const std::shared_ptr<Client>& c, const json& frame);

    // Sends the connection the stored messages it has not seen: the replies only, or (after a
    // reconnect) the whole history after what it had.
    void sync(const std::shared_ptr<Session>& session, bool history);

    // ---- messages ------------------------------------------------------------------------

    void message(const std::shared_ptr<Client>& c, const json& frame);

    // The customer writes in the chat again: replies come back to it from email.
    void backInChat(const std::shared_ptr<Session>& session, std::int64_t conversation);

    // The customer types: shown to the agent who has joined, at most every few seconds (the
    // widget sends every 3 s while typing; a cached older one, on every key stroke). Nobody
    // joined: nothing to show.
    void typing(const std::shared_ptr<Client>& c);

    // An email address for the answer (nobody there, after hours): recorded on the contact
    // with a message that says so, for the agent who picks the conversation up; with an email
    // instance, the conversation's replies then go there (chat_mail.hpp), the first being a
    // confirmation. Answered {"type":"contact_saved","by_email":bool} (or an error).
    void contact(const std::shared_ptr<Client>& c, const json& frame);

    void continueByEmail(const std::shared_ptr<Client>& c, const std::shared_ptr<Session>& session,
                         std::int64_t conversation, const std::string& address);

    // The chat's transcript by email, to the address given or the one the customer started
    // with. Answered {"type":"ack","id":"transcript"} once queued.
    void transcript(const std::shared_ptr<Client>& c, const json& frame);

    // Stores a customer message through the intake path; acknowledged once stored.
    // `then` gets the conversation once the message is stored (not for a refused one).
    void submit(const std::shared_ptr<Client>& c, const std::shared_ptr<Session>& session,
                const std::string& id, std::string text,
                std::function<void(std::int64_t)> then = nullptr, bool notice = false);

    // The session's conversation, from a receipt (a new one after the last one closed).
    void learn(const std::shared_ptr<Session>& session, std::int64_t conversation);

    // Under mutex: false when the session sent its messages_per_minute already.
    bool takeMessageLocked(Session& session);

    // Answers the customer; returns the message's conversation (0 when it was refused).
    std::int64_t stored(const std::shared_ptr<Client>& c, const std::shared_ptr<Session>& session,
                        const std::string& id, const channels::WebResponse& r);

    void survey(const std::shared_ptr<Client>& c, const json& frame);

    void end(const std::shared_ptr<Client>& c);

    // ---- the engine's side ---------------------------------------------------------------

    std::shared_ptr<Session> live(std::int64_t conversation);

    void toCustomer(std::int64_t conversation, const json& frame);
};

}  // namespace ccd::daemon::webchat
