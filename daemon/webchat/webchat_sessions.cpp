#include "daemon/webchat/webchat_hub_impl.hpp"

#include <future>

#include <spdlog/spdlog.h>

#include "channels/common/crypto.hpp"
#include "daemon/intake.hpp"
#include "daemon/log_text.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon::webchat {

json WebchatHub::Impl::sessionJson(const Session& s) const {
    json j = profileJson(s.profile);
    j["conversation_id"] = s.conversation_id;
    j["expires_at_ms"] = s.expires_ms;
    if (s.by_email) j["by_email"] = true;
    return j;
}

void WebchatHub::Impl::persist(const std::shared_ptr<Session>& s, std::function<void(bool)> done) {
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

void WebchatHub::Impl::sweepLocked(SteadyTime now) {
    if (now - last_sweep < std::chrono::minutes(1)) return;
    last_sweep = now;
    auto ms = nowUnixMillis();
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

void WebchatHub::Impl::start(const std::shared_ptr<Client>& c, const json& frame) {
    auto now = std::chrono::steady_clock::now();
    auto profile = readProfile(frame, settings);
    if (!profile.error.empty())
        return send(c, errorFrame("invalid_field", profile.error, profile.field));
    auto session = std::make_shared<Session>();
    std::string token = channels::randomHex(32);
    session->hash = channels::sha256Hex(token);
    session->profile = std::move(profile.value);
    session->profile.sender = "wc_" + channels::randomHex(12);
    session->expires_ms = nowUnixMillis() + settings.session_ttl.count();
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

void WebchatHub::Impl::resume(const std::shared_ptr<Client>& c, const json& frame) {
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
        if (it == sessions.end() || it->second->expires_ms < nowUnixMillis()) {
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

void WebchatHub::Impl::sync(const std::shared_ptr<Session>& session, bool history) {
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
                if (m.template_id && *m.template_id == kTranscriptTemplate) continue;
                batch.push_back(messageFrame(m, session->profile.sender));
                c->delivered = m.id;
            }
            if (history) send(c, json{{"type", "history"}, {"messages", std::move(batch)}});
            else
                for (const auto& f : batch) send(c, f);
        });
}

void WebchatHub::Impl::learn(const std::shared_ptr<Session>& session, std::int64_t conversation) {
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
    auto now = nowUnixMillis();
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
        s->by_email = j.value("by_email", false);
        impl_->sessions[s->hash] = s;
        impl_->by_sender[s->profile.sender] = s;
        if (s->conversation_id) impl_->by_conversation[s->conversation_id] = s;
        ++n;
    }
    spdlog::info("webchat {}: {} sessions resumable", impl_->instance, n);
}


}  // namespace ccd::daemon::webchat
