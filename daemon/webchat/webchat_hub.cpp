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
#include "daemon/webchat/webchat_hub_impl.hpp"
#include "routing/engine.hpp"

namespace ccd::daemon::webchat {

channels::ChannelInstancePtr WebchatHub::Impl::channel() const {
    auto set = deps.channels();
    return set ? set->find(instance) : nullptr;
}

void WebchatHub::Impl::send(const std::shared_ptr<Client>& c, const json& frame) {
    c->connection->send(frame.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::shared_ptr<Session> WebchatHub::Impl::live(std::int64_t conversation) {
    auto it = by_conversation.find(conversation);
    return it == by_conversation.end() ? nullptr : it->second;
}

void WebchatHub::Impl::toCustomer(std::int64_t conversation, const json& frame) {
    std::shared_ptr<Client> c;
    {
        std::lock_guard lock(mutex);
        auto s = live(conversation);
        if (s) c = s->live.lock();
    }
    if (c) send(c, frame);
}

WebchatHub::WebchatHub(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebchatHub::~WebchatHub() = default;

std::shared_ptr<WebchatHub> WebchatHub::create(std::string instance,
                                               const channels::webchat::WebchatSettings& settings,
                                               WebchatHubDeps deps) {
    return std::shared_ptr<WebchatHub>(
        new WebchatHub(std::make_shared<Impl>(std::move(instance), settings, deps)));
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
    if (type == "transcript") return impl_->transcript(client, frame);
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
        if (it == im.sessions.end() || it->second->expires_ms < nowUnixMillis())
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
