#include "daemon/webchat/webchat_hub.hpp"

#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "channels/common/crypto.hpp"
#include "daemon/http/router.hpp"
#include "daemon/intake.hpp"
#include "daemon/log_text.hpp"
#include "daemon/store/store.hpp"
#include "daemon/webchat/webchat_frames.hpp"

namespace ccd::daemon::webchat {

using nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

constexpr std::string_view kSessionKey = "session:";
/// At most one "customer is typing" to the agent per session in this time (as the console's
/// `typing` to customers: every 4 s).
constexpr auto kTypingInterval = std::chrono::seconds(4);

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

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
        : instance(std::move(name)), settings(s), deps(d) {}

    std::string instance;
    channels::webchat::WebchatSettings settings;
    WebchatHubDeps deps;

    mutable std::mutex mutex;
    std::map<std::string, std::shared_ptr<Session>> sessions;            // by token hash
    std::map<std::int64_t, std::shared_ptr<Session>> by_conversation;    // live conversations
    std::map<std::string, std::shared_ptr<Session>> by_sender;
    std::map<std::string, std::deque<SteadyTime>> starts;  // new sessions per address
    SteadyTime last_sweep{};

    channels::ChannelInstancePtr channel() const {
        auto set = deps.channels();
        return set ? set->find(instance) : nullptr;
    }

    static void send(const std::shared_ptr<Client>& c, const json& frame) {
        c->connection->send(frame.dump(-1, ' ', false, json::error_handler_t::replace));
    }

    // ---- sessions ------------------------------------------------------------------------

    json sessionJson(const Session& s) const {
        json j = profileJson(s.profile);
        j["conversation_id"] = s.conversation_id;
        j["expires_at_ms"] = s.expires_ms;
        return j;
    }

    void persist(const std::shared_ptr<Session>& s, std::function<void(bool)> done) {
        auto inst = channel();
        if (!inst) return done(false);
        std::string value;
        {
            std::lock_guard lock(mutex);
            value = sessionJson(*s).dump();
        }
        deps.intake.ingest(inst, {}, {{std::string(kSessionKey) + s->hash, std::move(value)}},
                           std::move(done));
    }

    // Under mutex: forgets expired sessions without a connection (at most once a minute).
    void sweepLocked(SteadyTime now) {
        if (now - last_sweep < std::chrono::minutes(1)) return;
        last_sweep = now;
        auto ms = nowMs();
        for (auto it = sessions.begin(); it != sessions.end();) {
            auto& s = it->second;
            if (s->expires_ms < ms && s->live.expired()) {
                if (s->conversation_id) by_conversation.erase(s->conversation_id);
                by_sender.erase(s->profile.sender);
                it = sessions.erase(it);
            } else {
                ++it;
            }
        }
        for (auto it = starts.begin(); it != starts.end();) {
            while (!it->second.empty() && now - it->second.front() > std::chrono::hours(1))
                it->second.pop_front();
            it = it->second.empty() ? starts.erase(it) : std::next(it);
        }
    }

    void start(const std::shared_ptr<Client>& c, const json& frame) {
        auto now = std::chrono::steady_clock::now();
        auto profile = readProfile(frame, settings);
        if (!profile.error.empty())
            return send(c, errorFrame("invalid_field", profile.error, profile.field));
        auto session = std::make_shared<Session>();
        std::string token = channels::randomHex(32);
        session->hash = channels::sha256Hex(token);
        session->profile = std::move(profile.value);
        session->profile.sender = "wc_" + channels::randomHex(12);
        session->expires_ms = nowMs() + settings.session_ttl.count();
        {
            std::lock_guard lock(mutex);
            sweepLocked(now);
            if (c->session)
                return send(c, errorFrame("already_started", "this connection has a session"));
            auto& recent = starts[c->address];
            while (!recent.empty() && now - recent.front() > std::chrono::hours(1))
                recent.pop_front();
            if (recent.size() >= settings.sessions_per_address_per_hour) {
                spdlog::warn("webchat {}: refusing a session from {}: {} this hour", instance,
                             forLog(c->address, 64), recent.size());
                send(c, errorFrame("rate_limited", "too many chats from this address; try later"));
                c->connection->close(1008, "too many sessions");
                return;
            }
            recent.push_back(now);
        }
        auto self = shared_from_this();
        persist(session, [self, c, session, token](bool ok) {
            if (!ok)
                return send(c, errorFrame("store_unavailable", "the chat could not be started"));
            {
                std::lock_guard lock(self->mutex);
                self->sessions[session->hash] = session;
                self->by_sender[session->profile.sender] = session;
                session->live = c;
                c->session = session;
            }
            send(c, json{{"type", "session"},
                         {"token", token},
                         {"resumed", false},
                         {"expires_at_ms", session->expires_ms}});
        });
    }

    void resume(const std::shared_ptr<Client>& c, const json& frame) {
        auto token = frame.value("token", json()).is_string() ? frame["token"].get<std::string>()
                                                              : std::string();
        std::int64_t after = 0;
        if (auto a = frame.find("after"); a != frame.end() && a->is_number_integer())
            after = std::max<std::int64_t>(0, a->get<std::int64_t>());
        std::shared_ptr<Session> session;
        std::shared_ptr<Client> previous;
        {
            std::lock_guard lock(mutex);
            auto it = token.empty() ? sessions.end() : sessions.find(channels::sha256Hex(token));
            if (it == sessions.end() || it->second->expires_ms < nowMs()) {
                send(c, errorFrame("invalid_token", "the session has expired or is unknown; "
                                                    "start a new chat"));
                c->connection->close(4001, "session expired");
                return;
            }
            session = it->second;
            previous = session->live.lock();
            session->live = c;
            c->session = session;
            c->delivered = after;
        }
        if (previous && previous != c) previous->connection->close(4002, "resumed elsewhere");
        send(c, json{{"type", "session"},
                     {"token", token},
                     {"resumed", true},
                     {"expires_at_ms", session->expires_ms},
                     {"conversation_id", session->conversation_id}});
        if (!session->agent.empty()) send(c, json{{"type", "agent_joined"}, {"agent", session->agent}});
        sync(session, true);
    }

    // Sends the connection the stored messages it has not seen: the replies only, or (after a
    // reconnect) the whole history after what it had.
    void sync(const std::shared_ptr<Session>& session, bool history) {
        std::int64_t id = 0;
        {
            std::lock_guard lock(mutex);
            id = session->conversation_id;
        }
        auto c = session->live.lock();
        if (!c) return;
        if (!id) {
            if (history) send(c, json{{"type", "history"}, {"messages", json::array()}});
            return;
        }
        auto self = shared_from_this();
        deps.store.getConversation(
            id, [self, session, history](
                    store::StoreResult<std::optional<store::ConversationRecord>> r) {
                auto c = session->live.lock();
                if (!c || !r || !*r.value) return;
                std::lock_guard lock(self->mutex);
                if (c->session != session) return;
                json batch = json::array();
                for (const auto& m : (*r.value)->messages) {
                    if (m.id <= c->delivered) continue;
                    if (!history && m.direction != "out") continue;
                    batch.push_back(messageFrame(m, session->profile.sender));
                    c->delivered = m.id;
                }
                if (history) send(c, json{{"type", "history"}, {"messages", std::move(batch)}});
                else
                    for (const auto& f : batch) send(c, f);
            });
    }

    // ---- messages ------------------------------------------------------------------------

    void message(const std::shared_ptr<Client>& c, const json& frame) {
        auto id = clientId(frame);
        if (id.empty())
            return send(c, errorFrame("invalid_field",
                                      "id is 1 to 64 letters, digits, '-' or '_'", "id"));
        auto text = frame.find("text");
        if (text == frame.end() || !text->is_string() || text->get_ref<const std::string&>().empty())
            return send(c, errorFrame("invalid_field", "text is a non-empty string", "text", id));
        std::shared_ptr<Session> session;
        {
            std::lock_guard lock(mutex);
            session = c->session;
            if (!session) return send(c, errorFrame("no_session", "send start or resume first", "", id));
            if (!takeMessageLocked(*session))
                return send(c, errorFrame("rate_limited",
                                          "more than " + std::to_string(settings.messages_per_minute) +
                                              " messages a minute; wait a moment",
                                          "", id));
        }
        submit(c, session, id, text->get<std::string>());
    }

    // The customer types: shown to the agent who has joined, at most every few seconds (the
    // widget sends every 3 s while typing; a cached older one, on every key stroke). Nobody
    // joined: nothing to show.
    void typing(const std::shared_ptr<Client>& c) {
        if (!deps.customer_typing) return;
        std::string agent;
        std::int64_t conversation = 0;
        {
            std::lock_guard lock(mutex);
            auto& s = c->session;
            if (!s || s->agent.empty() || !s->conversation_id) return;
            auto now = std::chrono::steady_clock::now();
            if (now - s->typing_relayed < kTypingInterval) return;
            s->typing_relayed = now;
            agent = s->agent;
            conversation = s->conversation_id;
        }
        deps.customer_typing(agent, conversation);
    }

    // An email address for the answer (nobody there, after hours): recorded on the contact
    // with a message that says so, for the agent who picks the conversation up.
    void contact(const std::shared_ptr<Client>& c, const json& frame) {
        auto read = readProfile(json{{"name", "-"}, {"email", frame.value("email", json())}}, settings);
        if (!read.error.empty() || !read.value.email)
            return send(c, errorFrame("invalid_field", read.error.empty() ? "email is required"
                                                                          : read.error, "email"));
        std::shared_ptr<Session> session;
        {
            std::lock_guard lock(mutex);
            session = c->session;
            if (!session) return send(c, errorFrame("no_session", "send start or resume first"));
            session->profile.email = read.value.email;
        }
        persist(session, [](bool) {});
        submit(c, session, "email-" + channels::sha256Hex(*read.value.email).substr(0, 16),
               "Please answer by email: " + *read.value.email);
    }

    // Stores a customer message through the intake path; acknowledged once stored.
    void submit(const std::shared_ptr<Client>& c, const std::shared_ptr<Session>& session,
                const std::string& id, std::string text) {
        auto inst = channel();
        if (!inst) return send(c, errorFrame("unavailable", "the chat is not configured", "", id));
        channels::webchat::CustomerMessage m;
        m.client_id = id;
        m.text = std::move(text);
        {
            std::lock_guard lock(mutex);
            m.sender = session->profile.sender;
            m.name = session->profile.name;
            m.email = session->profile.email;
            m.phone = session->profile.phone;
            m.locale = session->profile.locale;
            m.order = session->profile.order;
        }
        channels::WebRequest request;
        request.method = "WS";
        request.target = "/chat/" + instance;
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = channels::webchat::requestBody(m);
        request.remote_address = c->address;
        auto self = shared_from_this();
        deps.intake.handle(inst, std::move(request),
                           http::Responder([self, c, session, id](channels::WebResponse r) {
                               self->stored(c, session, id, r);
                           }));
    }

    // The session's conversation, from a receipt (a new one after the last one closed).
    void learn(const std::shared_ptr<Session>& session, std::int64_t conversation) {
        bool changed = false;
        {
            std::lock_guard lock(mutex);
            if (conversation && session->conversation_id != conversation) {
                if (session->conversation_id) by_conversation.erase(session->conversation_id);
                session->conversation_id = conversation;
                by_conversation[conversation] = session;
                changed = true;
            }
        }
        if (changed) persist(session, [](bool) {});
    }

    // Under mutex: false when the session sent its messages_per_minute already.
    bool takeMessageLocked(Session& session) {
        auto now = std::chrono::steady_clock::now();
        auto& recent = session.recent;
        while (!recent.empty() && now - recent.front() > std::chrono::minutes(1)) recent.pop_front();
        if (recent.size() >= settings.messages_per_minute) return false;
        recent.push_back(now);
        return true;
    }

    void stored(const std::shared_ptr<Client>& c, const std::shared_ptr<Session>& session,
                const std::string& id, const channels::WebResponse& r) {
        auto body = json::parse(r.body, nullptr, false);
        if (r.status / 100 != 2 || !body.is_object()) {
            auto code = body.is_object() ? body.value("error", "store_unavailable") : "store_unavailable";
            auto reason = body.is_object() ? body.value("reason", "") : "";
            return send(c, errorFrame(code, reason, "", id));
        }
        auto conversation = body.value("conversation_id", std::int64_t{0});
        learn(session, conversation);
        send(c, json{{"type", "ack"},
                     {"id", id},
                     {"message_id", body.value("message_id", std::int64_t{0})},
                     {"conversation_id", conversation},
                     {"duplicate", body.value("duplicate", false)}});
    }

    void survey(const std::shared_ptr<Client>& c, const json& frame) {
        auto stars = frame.find("stars");
        if (stars == frame.end() || !stars->is_number_integer() || *stars < 1 || *stars > 5)
            return send(c, errorFrame("invalid_field", "stars is 1 to 5", "stars"));
        std::string comment;
        if (auto cm = frame.find("comment"); cm != frame.end() && !cm->is_null()) {
            if (!cm->is_string() || cm->get_ref<const std::string&>().size() > 4000)
                return send(c, errorFrame("invalid_field", "comment is text of at most 4000 bytes",
                                          "comment"));
            comment = cm->get<std::string>();
        }
        std::int64_t conversation = 0;
        {
            std::lock_guard lock(mutex);
            if (c->session) conversation = c->session->conversation_id;
        }
        if (!conversation)
            return send(c, errorFrame("no_conversation", "there is no chat to rate yet"));
        store::RoutingUpdate u;
        int n = stars->get<int>();
        u.ratings.emplace_back(conversation, n);
        u.events.push_back({conversation, "rating",
                            json{{"rating", n}, {"comment", comment}, {"source", "webchat"}}.dump(),
                            nowMs()});
        deps.store.applyRouting(std::move(u), [c](store::StoreResult<store::RoutingApplied> r) {
            if (!r) return send(c, errorFrame("store_unavailable", "the rating was not stored"));
            send(c, json{{"type", "ack"}, {"id", "survey"}});
        });
    }

    void end(const std::shared_ptr<Client>& c) {
        std::int64_t conversation = 0;
        {
            std::lock_guard lock(mutex);
            if (!c->session) return send(c, errorFrame("no_session", "send start or resume first"));
            conversation = c->session->conversation_id;
        }
        if (conversation) {
            deps.store.appendEvents({{conversation, "webchat.ended",
                                      json{{"by", "customer"}}.dump(), nowMs()}},
                                    [](store::StoreResult<bool>) {});
        }
        send(c, json{{"type", "ended"}, {"by", "customer"}, {"survey", conversation != 0}});
    }

    // ---- the engine's side ---------------------------------------------------------------

    std::shared_ptr<Session> live(std::int64_t conversation) {
        auto it = by_conversation.find(conversation);
        return it == by_conversation.end() ? nullptr : it->second;
    }

    void toCustomer(std::int64_t conversation, const json& frame) {
        std::shared_ptr<Client> c;
        {
            std::lock_guard lock(mutex);
            auto s = live(conversation);
            if (s) c = s->live.lock();
        }
        if (c) send(c, frame);
    }
};

WebchatHub::WebchatHub(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebchatHub::~WebchatHub() = default;

std::shared_ptr<WebchatHub> WebchatHub::create(std::string instance,
                                               const channels::webchat::WebchatSettings& settings,
                                               WebchatHubDeps deps) {
    return std::shared_ptr<WebchatHub>(
        new WebchatHub(std::make_shared<Impl>(std::move(instance), settings, deps)));
}

void WebchatHub::load() {
    std::promise<store::StoreResult<std::map<std::string, std::string>>> p;
    auto f = p.get_future();
    impl_->deps.store.readChannelState(
        impl_->instance, [&p](store::StoreResult<std::map<std::string, std::string>> r) {
            p.set_value(std::move(r));
        });
    auto r = f.get();
    if (!r) {
        spdlog::error("webchat {}: cannot read its sessions: {}", impl_->instance, r.error->message);
        return;
    }
    auto now = nowMs();
    std::size_t n = 0;
    std::lock_guard lock(impl_->mutex);
    for (const auto& [key, value] : *r.value) {
        if (key.rfind(kSessionKey, 0) != 0) continue;
        auto j = json::parse(value, nullptr, false);
        if (!j.is_object() || j.value("expires_at_ms", std::int64_t{0}) < now) continue;
        auto s = std::make_shared<Session>();
        s->hash = key.substr(kSessionKey.size());
        s->profile = profileFromJson(j);
        s->conversation_id = j.value("conversation_id", std::int64_t{0});
        s->expires_ms = j.value("expires_at_ms", std::int64_t{0});
        impl_->sessions[s->hash] = s;
        impl_->by_sender[s->profile.sender] = s;
        if (s->conversation_id) impl_->by_conversation[s->conversation_id] = s;
        ++n;
    }
    spdlog::info("webchat {}: {} sessions resumable", impl_->instance, n);
}

std::shared_ptr<WebchatHub::Client> WebchatHub::connected(
    std::shared_ptr<WebchatConnection> connection, std::string address) {
    return std::make_shared<Client>(std::move(connection), std::move(address));
}

void WebchatHub::received(const std::shared_ptr<Client>& client, std::string_view text) {
    auto frame = json::parse(text, nullptr, false);
    if (!frame.is_object() || !frame.contains("type") || !frame["type"].is_string())
        return Impl::send(client, errorFrame("bad_request", "frames are JSON objects with a type"));
    const auto& type = frame["type"].get_ref<const std::string&>();
    if (type == "start") return impl_->start(client, frame);
    if (type == "resume") return impl_->resume(client, frame);
    if (type == "message") return impl_->message(client, frame);
    if (type == "survey") return impl_->survey(client, frame);
    if (type == "end") return impl_->end(client);
    if (type == "contact") return impl_->contact(client, frame);
    if (type == "typing") return impl_->typing(client);
    if (type == "ping") return Impl::send(client, json{{"type", "pong"}});
    Impl::send(client, errorFrame("unknown_type", "unknown frame type \"" + type + "\""));
}

void WebchatHub::upload(std::string_view token, const std::string& client_id,
                        channels::WebRequest request,
                        std::function<void(channels::WebResponse)> done) {
    using channels::WebResponse;
    auto& im = *impl_;
    if (clientId(json{{"id", client_id}}).empty())
        return done(WebResponse::error(422, "invalid_field",
                                       "id is 1 to 64 letters, digits, '-' or '_'", "id"));
    std::shared_ptr<Session> session;
    {
        std::lock_guard lock(im.mutex);
        auto it = token.empty() ? im.sessions.end() : im.sessions.find(channels::sha256Hex(token));
        if (it == im.sessions.end() || it->second->expires_ms < nowMs())
            return done(WebResponse::error(401, "invalid_token",
                                           "the session has expired or is unknown"));
        session = it->second;
        if (!im.takeMessageLocked(*session))
            return done(WebResponse::error(429, "rate_limited", "too many messages; wait a moment"));
    }
    auto inst = im.channel();
    if (!inst) return done(WebResponse::error(404, "not_found", "the chat is not configured"));
    channels::WebRequest r;
    r.method = "WS";
    r.target = "/chat/upload/" + im.instance;
    r.remote_address = request.remote_address;
    r.headers.emplace_back("Content-Type", std::string(request.header("Content-Type")));
    r.headers.emplace_back(std::string(channels::webchat::kSenderHeader), session->profile.sender);
    r.headers.emplace_back(std::string(channels::webchat::kClientIdHeader), client_id);
    r.headers.emplace_back(std::string(channels::webchat::kFileNameHeader),
                           std::string(request.header(channels::webchat::kFileNameHeader)));
    r.body = std::move(request.body);
    auto self = impl_;
    im.deps.intake.handle(inst, std::move(r),
                          http::Responder([self, session, done](WebResponse res) {
                              auto body = json::parse(res.body, nullptr, false);
                              if (res.status / 100 == 2 && body.is_object())
                                  self->learn(session, body.value("conversation_id", std::int64_t{0}));
                              done(std::move(res));
                          }));
}

void WebchatHub::disconnected(const std::shared_ptr<Client>& client) {
    std::lock_guard lock(impl_->mutex);
    client->session.reset();  // the session stays for a reconnect; the connection goes
}

void WebchatHub::onEngine(const EngineHost::Notification& n) {
    auto& im = *impl_;
    std::vector<std::shared_ptr<Session>> to_sync;
    std::vector<std::pair<std::int64_t, json>> frames;
    {
        std::lock_guard lock(im.mutex);
        if (im.sessions.empty()) return;
        if (const auto* m = std::get_if<routing::MessageReceived>(&n.event)) {
            // The engine may answer before intake's receipt reaches the session: learn the
            // conversation from the event itself.
            if (m->message.instance() == im.instance) {
                auto it = im.by_sender.find(m->message.from.id);
                if (it != im.by_sender.end() && it->second->conversation_id != m->conversation_id) {
                    if (it->second->conversation_id)
                        im.by_conversation.erase(it->second->conversation_id);
                    it->second->conversation_id = m->conversation_id;
                    im.by_conversation[m->conversation_id] = it->second;
                }
            }
        } else if (const auto* r = std::get_if<routing::AgentReplied>(&n.event)) {
            if (auto s = im.live(r->conversation_id)) to_sync.push_back(s);
        }
        for (const auto& action : n.actions) {
            std::visit(
                [&](const auto& a) {
                    using A = std::decay_t<decltype(a)>;
                    if constexpr (std::is_same_v<A, routing::AutoReply>) {
                        if (auto s = im.live(a.conversation_id)) to_sync.push_back(s);
                    } else if constexpr (std::is_same_v<A, routing::Assigned>) {
                        if (auto s = im.live(a.conversation_id)) {
                            s->agent = a.agent;
                            frames.emplace_back(a.conversation_id,
                                                json{{"type", "agent_joined"}, {"agent", a.agent}});
                        }
                    } else if constexpr (std::is_same_v<A, routing::Queued>) {
                        if (auto s = im.live(a.conversation_id)) {
                            if (!s->agent.empty())
                                frames.emplace_back(a.conversation_id,
                                                    json{{"type", "agent_left"}, {"agent", s->agent}});
                            s->agent.clear();
                            // The engine's estimate: null until the queue has handle times.
                            json wait = nullptr;
                            if (auto w = n.engine.estimatedWait(a.queue, a.position,
                                                                routing::Clock::now()))
                                wait = (w->count() + 999) / 1000;
                            frames.emplace_back(a.conversation_id,
                                                json{{"type", "queue"},
                                                     {"position", a.position},
                                                     {"expected_wait_seconds", wait}});
                        }
                    } else if constexpr (std::is_same_v<A, routing::ConversationResolved>) {
                        if (im.live(a.conversation_id))
                            frames.emplace_back(a.conversation_id, json{{"type", "ended"},
                                                                        {"by", "agent"},
                                                                        {"survey", true}});
                    }
                },
                action);
        }
    }
    for (const auto& s : to_sync) im.sync(s, false);
    for (const auto& [conversation, frame] : frames) im.toCustomer(conversation, frame);
}

void WebchatHub::agentTyping(std::int64_t conversation_id) {
    std::string agent;
    {
        std::lock_guard lock(impl_->mutex);
        auto s = impl_->live(conversation_id);
        if (!s) return;
        agent = s->agent;
    }
    impl_->toCustomer(conversation_id, json{{"type", "typing"}, {"agent", agent}});
}

std::size_t WebchatHub::sessions() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->sessions.size();
}

}  // namespace ccd::daemon::webchat
