#include "daemon/channel_routes.hpp"

#include <algorithm>
#include <charconv>

#include "daemon/api_keys.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/conversation_json.hpp"
#include "daemon/http/router.hpp"
#include "daemon/intake.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

namespace {

using channels::WebResponse;
using nlohmann::json;

std::optional<std::int64_t> positiveInt(std::string_view text) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
    return v;
}

std::string_view bearerToken(const channels::WebRequest& r) {
    std::string_view h = r.header("Authorization");
    constexpr std::string_view kScheme = "Bearer ";
    if (h.size() <= kScheme.size() ||
        !channels::equalsIgnoreCase(h.substr(0, kScheme.size()), kScheme))
        return {};
    return h.substr(kScheme.size());
}

WebResponse notFound(std::string_view what) {
    return WebResponse::error(404, "not_found", std::string(what));
}

// Answers a read of the conversation's messages after `after`, up to `limit`.
void sendMessages(const http::Responder& r, store::Store& store, std::int64_t id,
                  std::int64_t after, std::size_t limit, std::optional<std::string> client,
                  bool masked) {
    store.getConversation(
        id, [r, id, after, limit, client,
             masked](store::StoreResult<std::optional<store::ConversationRecord>> res) {
            if (!res) return r.send(WebResponse::error(503, "store_unavailable",
                                                       "the conversation could not be read"));
            // A client sees only the conversations it opened; others do not exist for it.
            if (!*res.value || (client && (*res.value)->api_client != client))
                return r.send(notFound("no conversation " + std::to_string(id)));
            const auto& c = **res.value;
            json messages = json::array();
            std::int64_t last = after;
            for (const auto& m : c.messages) {
                if (m.id <= after) continue;
                if (messages.size() >= limit) break;
                messages.push_back(messageJson(m, c.id));
                last = m.id;
            }
            json body{{"conversation_id", c.id},
                      {"status", c.status},
                      {"messages", std::move(messages)},
                      {"next_after", last}};
            if (masked) privacy::maskJson(body);
            r.send(WebResponse::json(200, dumpJson(body)));
        });
}

}  // namespace

void addChannelRoutes(http::Router& router, ChannelRouteServices s) {
    router.add("POST", "/v1/messages", [s](http::RoutedRequest&& req, http::Responder r) {
        auto set = s.channels();
        auto inst = set ? set->defaultApi() : nullptr;
        if (!inst) return r.send(notFound("no API channel is configured"));
        s.intake.handle(inst, std::move(req.http), r);
    });

    auto webhook = [s](http::RoutedRequest&& req, http::Responder r) {
        auto set = s.channels();
        auto inst = set ? set->find(req.param("instance")) : nullptr;
        // Only kinds whose URL ends in a secret (Zammad's CTI) have a third segment.
        bool segments_fit = req.param("token").empty() || (inst && inst->inbound->tokenInPath());
        if (!inst || inst->type() != req.param("type") || !segments_fit)
            return r.send(notFound("no channel instance " + std::string(req.param("type")) + "/" +
                                   std::string(req.param("instance"))));
        auto methods = inst->inbound->methods();
        if (std::find(methods.begin(), methods.end(), req.http.method) == methods.end()) {
            auto res = WebResponse::error(405, "method_not_allowed",
                                          req.http.method + " is not accepted here");
            std::string allow;
            for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
            res.headers.emplace_back("Allow", allow);
            return r.send(std::move(res));
        }
        s.intake.handle(inst, std::move(req.http), r);
    };
    router.add("GET", "/webhooks/{type}/{instance}", webhook);
    router.add("POST", "/webhooks/{type}/{instance}", webhook);
    router.add("POST", "/webhooks/{type}/{instance}/{token}", webhook);

    router.add(
        "GET", "/v1/conversations/{id}/messages", [s](http::RoutedRequest&& req, http::Responder r) {
            auto id = positiveInt(req.param("id"));
            if (!id || *id == 0)
                return r.send(notFound("no conversation " + std::string(req.param("id"))));
            std::int64_t after = 0;
            std::size_t limit = 100;
            auto q = req.http.query();
            while (!q.empty()) {
                auto amp = q.find('&');
                auto part = q.substr(0, amp);
                q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
                auto eq = part.find('=');
                auto key = part.substr(0, eq);
                auto value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
                auto n = positiveInt(value);
                if (key == "after" || key == "limit") {
                    if (!n || (key == "limit" && (*n < 1 || *n > 500)))
                        return r.send(WebResponse::error(
                            400, "invalid_query",
                            std::string(key) +
                                (key == "limit" ? " must be 1 to 500" : " must be a message id"),
                            std::string(key)));
                    if (key == "after") after = *n;
                    else limit = static_cast<std::size_t>(*n);
                }
            }
            std::string token(bearerToken(req.http));
            auto record = [audit = s.audit, id = *id](const AuditActor& who, const char* outcome) {
                if (audit)
                    audit->record(who, "conversation.read", "conversation", std::to_string(id),
                                  outcome, nlohmann::json{{"via", "messages"}});
            };
            if (auto key_id = apiKeyId(token)) {
                if (!s.keys) return r.send(console::unauthorized(true));
                AuditActor actor{"api_key", *key_id, req.http.remote_address};
                return s.keys->authenticate(
                    token, [r, &store = s.store, id = *id, after, limit, actor, record,
                            masked = s.mask_pii && s.mask_pii("api")](
                               std::optional<std::string> client) {
                        if (!client) return r.send(console::unauthorized(true));
                        record(actor, "ok");
                        sendMessages(r, store, id, after, limit, client, masked);
                    });
            }
            // Staff: supervisors and admins read any conversation.
            if (!s.auth) return r.send(console::unauthorized(false));
            auto who = console::authenticate(req, *s.auth);
            if (!who) return r.send(std::move(*who.response));
            if (!console::atLeast(who.principal->role, console::Role::Supervisor)) {
                record(accountActor(*who.principal, req), "denied");
                return r.send(console::forbidden("reading any conversation's messages needs the "
                                                 "supervisor role"));
            }
            record(accountActor(*who.principal, req), "ok");
            sendMessages(r, s.store, *id, after, limit, std::nullopt,
                         s.mask_pii && s.mask_pii(console::toString(who.principal->role)));
        });
}

}  // namespace ccd::daemon
