#include "daemon/webchat/webchat_hub_impl.hpp"

#include <spdlog/spdlog.h>

#include "channels/common/crypto.hpp"
#include "daemon/http/router.hpp"
#include "daemon/intake.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon::webchat {

void WebchatHub::Impl::message(const std::shared_ptr<Client>& c, const json& frame) {
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
    auto self = shared_from_this();
    submit(c, session, id, text->get<std::string>(), [self, session](std::int64_t conversation) {
        self->backInChat(session, conversation);
    });
}

void WebchatHub::Impl::backInChat(const std::shared_ptr<Session>& session, std::int64_t conversation) {
    {
        std::lock_guard lock(mutex);
        if (!session->by_email) return;
        session->by_email = false;
    }
    persist(session, [](bool) {});
    mail.stop(conversation, [conversation](const std::string& error) {
        if (!error.empty())
            spdlog::error("webchat: conversation {} stays by email: {}", conversation, error);
    });
}

void WebchatHub::Impl::typing(const std::shared_ptr<Client>& c) {
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

void WebchatHub::Impl::contact(const std::shared_ptr<Client>& c, const json& frame) {
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
    auto self = shared_from_this();
    auto address = *read.value.email;
    submit(c, session, "email-" + channels::sha256Hex(address).substr(0, 16),
           "Please answer by email: " + address,
           [self, c, session, address](std::int64_t conversation) {
               self->continueByEmail(c, session, conversation, address);
           },
           /*notice=*/true);
}

void WebchatHub::Impl::continueByEmail(const std::shared_ptr<Client>& c, const std::shared_ptr<Session>& session,
                     std::int64_t conversation, const std::string& address) {
    if (!mail.enabled() || !conversation)
        return send(c, json{{"type", "contact_saved"}, {"by_email", false}});
    std::string locale;
    std::optional<std::string> name;
    {
        std::lock_guard lock(mutex);
        locale = session->profile.locale;
        name = session->profile.name;
    }
    auto self = shared_from_this();
    mail.start(conversation, address, locale, name,
               [self, c, session](const std::string& error) {
                   if (!error.empty())
                       return send(c, errorFrame(error, "the conversation cannot continue by "
                                                        "email now; try again later", "email"));
                   {
                       std::lock_guard lock(self->mutex);
                       session->by_email = true;
                   }
                   self->persist(session, [](bool) {});
                   send(c, json{{"type", "contact_saved"}, {"by_email", true}});
               });
}

void WebchatHub::Impl::transcript(const std::shared_ptr<Client>& c, const json& frame) {
    std::int64_t conversation = 0;
    Profile profile;
    {
        std::lock_guard lock(mutex);
        if (!c->session) return send(c, errorFrame("no_session", "send start or resume first"));
        conversation = c->session->conversation_id;
        profile = c->session->profile;
    }
    if (!mail.enabled())
        return send(c, errorFrame("unavailable", "transcripts by email are not offered here"));
    std::optional<std::string> address = profile.email;
    if (frame.contains("email")) {
        auto read = readProfile(json{{"name", "-"}, {"email", frame["email"]}}, settings);
        if (!read.error.empty()) return send(c, errorFrame("invalid_field", read.error, "email"));
        address = read.value.email;
    }
    if (!address) return send(c, errorFrame("invalid_field", "email is required", "email"));
    if (!conversation)
        return send(c, errorFrame("no_conversation", "there is no chat to send yet"));
    mail.transcript(conversation, *address, profile.locale, profile.name,
                    [c](const std::string& error) {
                        if (!error.empty())
                            return send(c, errorFrame(error, "the transcript was not sent"));
                        send(c, json{{"type", "ack"}, {"id", "transcript"}});
                    });
}

void WebchatHub::Impl::submit(const std::shared_ptr<Client>& c, const std::shared_ptr<Session>& session,
            const std::string& id, std::string text,
            std::function<void(std::int64_t)> then, bool notice) {
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
    if (notice) request.headers.emplace_back(std::string(channels::webchat::kNoticeHeader), "1");
    request.body = channels::webchat::requestBody(m);
    request.remote_address = c->address;
    auto self = shared_from_this();
    deps.intake.handle(inst, std::move(request),
                       http::Responder([self, c, session, id, then](channels::WebResponse r) {
                           auto conversation = self->stored(c, session, id, r);
                           if (conversation && then) then(conversation);
                       }));
}

bool WebchatHub::Impl::takeMessageLocked(Session& session) {
    auto now = std::chrono::steady_clock::now();
    auto& recent = session.recent;
    while (!recent.empty() && now - recent.front() > std::chrono::minutes(1)) recent.pop_front();
    if (recent.size() >= settings.messages_per_minute) return false;
    recent.push_back(now);
    return true;
}

std::int64_t WebchatHub::Impl::stored(const std::shared_ptr<Client>& c, const std::shared_ptr<Session>& session,
                    const std::string& id, const channels::WebResponse& r) {
    auto body = json::parse(r.body, nullptr, false);
    if (r.status / 100 != 2 || !body.is_object()) {
        auto code = body.is_object() ? body.value("error", "store_unavailable") : "store_unavailable";
        auto reason = body.is_object() ? body.value("reason", "") : "";
        send(c, errorFrame(code, reason, "", id));
        return 0;
    }
    auto conversation = body.value("conversation_id", std::int64_t{0});
    learn(session, conversation);
    send(c, json{{"type", "ack"},
                 {"id", id},
                 {"message_id", body.value("message_id", std::int64_t{0})},
                 {"conversation_id", conversation},
                 {"duplicate", body.value("duplicate", false)}});
    return conversation;
}

void WebchatHub::Impl::survey(const std::shared_ptr<Client>& c, const json& frame) {
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
                        nowUnixMillis()});
    deps.store.applyRouting(std::move(u), [c](store::StoreResult<store::RoutingApplied> r) {
        if (!r) return send(c, errorFrame("store_unavailable", "the rating was not stored"));
        send(c, json{{"type", "ack"}, {"id", "survey"}});
    });
}

void WebchatHub::Impl::end(const std::shared_ptr<Client>& c) {
    std::int64_t conversation = 0;
    {
        std::lock_guard lock(mutex);
        if (!c->session) return send(c, errorFrame("no_session", "send start or resume first"));
        conversation = c->session->conversation_id;
    }
    if (conversation) {
        deps.store.appendEvents({{conversation, "webchat.ended",
                                  json{{"by", "customer"}}.dump(), nowUnixMillis()}},
                                [](store::StoreResult<bool>) {});
    }
    send(c, json{{"type", "ended"}, {"by", "customer"}, {"survey", conversation != 0}});
}

}  // namespace ccd::daemon::webchat
