#include "daemon/api_routes.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "ccd_version.hpp"
#include "channels/channel.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/http/router.hpp"
#include "daemon/json_time.hpp"
#include "daemon/metrics.hpp"
#include "daemon/routing_json.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {
namespace {

using channels::WebResponse;
using nlohmann::json;

json optionalJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json conversationJson(const store::ConversationRecord& c) {
    json messages = json::array();
    for (const auto& m : c.messages) {
        messages.push_back({{"id", m.id},
                            {"direction", m.direction},
                            {"channel", m.channel},
                            {"external_id", optionalJson(m.provider_id)},
                            {"author", m.author},
                            {"text", m.text},
                            {"locale", optionalJson(m.locale)},
                            {"template", optionalJson(m.template_id)},
                            {"subject", optionalJson(m.subject)},
                            {"created_at", formatRfc3339Millis(m.created_at_ms)}});
    }
    return {{"id", c.id},
            {"channel", c.channel},
            {"channel_ref", optionalJson(c.channel_ref)},
            {"status", c.status},
            {"locale", optionalJson(c.locale)},
            {"created_at", formatRfc3339Millis(c.created_at_ms)},
            {"updated_at", formatRfc3339Millis(c.updated_at_ms)},
            {"contact",
             {{"id", c.contact.id},
              {"name", optionalJson(c.contact.name)},
              {"email", optionalJson(c.contact.email)},
              {"phone", optionalJson(c.contact.phone)},
              {"tier", c.contact.tier},
              {"locale", optionalJson(c.contact.locale)}}},
            {"messages", std::move(messages)},
            {"routing", c.routing ? snapshotJson(*c.routing, routing::Clock::now()) : json(nullptr)},
            {"rating", c.rating ? json(*c.rating) : json(nullptr)}};
}

}  // namespace

void addApiRoutes(http::Router& router, RouteServices s) {
    auto started = std::chrono::steady_clock::now();

    router.add("GET", "/healthz", [&store = s.store, started](http::RoutedRequest&&, http::Responder r) {
        auto st = store.status();
        auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
        json body{{"status", st.healthy ? "ok" : "degraded"},
                  {"version", CCD_VERSION},
                  {"uptime_seconds", uptime},
                  {"store",
                   {{"driver", st.driver},
                    {"healthy", st.healthy},
                    {"queue_depth", st.queue_depth},
                    {"last_error", st.last_error.empty() ? json(nullptr) : json(st.last_error)}}}};
        r.send(WebResponse::json(st.healthy ? 200 : 503, dump(body)));
    });

    router.add("GET", "/metrics", [&metrics = s.metrics](http::RoutedRequest&&, http::Responder r) {
        WebResponse res;
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        res.body = metrics.render();
        r.send(std::move(res));
    });

    if (s.api_enabled) router.add("POST", "/v1/messages",
               [&store = s.store, &channel = s.api_channel, route = s.route_message](
                   http::RoutedRequest&& req, http::Responder r) {
                   auto parsed = channel.parse(req.http, routing::Clock::now());
                   if (parsed.rejection) {
                       const auto& rj = *parsed.rejection;
                       return r.send(WebResponse::error(rj.status, rj.code, rj.reason, rj.field));
                   }
                   // The API channel yields exactly one message per request.
                   auto message = std::make_shared<routing::InboundMessage>(
                       std::move(parsed.messages.front()));
                   // The engine needs the message after the commit; copy it only then.
                   routing::InboundMessage to_store = route ? *message : std::move(*message);
                   store.ingest(std::move(to_store),
                                [r, route, message](store::StoreResult<store::IngestResult> result) {
                                    if (!result) {
                                        auto res = WebResponse::error(
                                            503, "store_unavailable",
                                            "the message was not stored: " + result.error->message);
                                        res.headers.emplace_back("Retry-After", "1");
                                        return r.send(std::move(res));
                                    }
                                    const auto& v = *result.value;
                                    json body{{"message_id", v.message_id},
                                              {"conversation_id", v.conversation_id},
                                              {"duplicate", v.duplicate}};
                                    if (!route || v.duplicate)
                                        return r.send(WebResponse::json(202, dump(body)));
                                    // Answer once routing and the automatic reply are stored:
                                    // the conversation read next shows them.
                                    route(v, *message, [r, text = dump(body)] {
                                        r.send(WebResponse::json(202, text));
                                    });
                                });
               });

    router.add(
        "GET", "/v1/conversations/{id}",
        [&store = s.store, auth = s.auth, can_see = s.agent_can_see](http::RoutedRequest&& req,
                                                                     http::Responder r) {
            if (!auth) return r.send(console::unauthorized(false));
            auto who = console::authenticate(req, *auth);
            if (!who) return r.send(std::move(*who.response));
            auto text = req.param("id");
            std::int64_t id = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
            if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
                return r.send(
                    WebResponse::error(404, "not_found", "no conversation " + std::string(text)));
            }
            auto read = [st = &store, r, id] {
                st->getConversation(
                    id, [r, id](store::StoreResult<std::optional<store::ConversationRecord>> res) {
                        if (!res) {
                            return r.send(
                                WebResponse::error(503, "store_unavailable", res.error->message));
                        }
                        if (!*res.value) {
                            return r.send(WebResponse::error(
                                404, "not_found", "no conversation " + std::to_string(id)));
                        }
                        r.send(WebResponse::json(200, dump(conversationJson(**res.value))));
                    });
            };
            if (console::atLeast(who.principal->role, console::Role::Supervisor)) return read();
            // An agent: only what routing shows them; 403 also hides whether it exists.
            auto refuse = [r, id] {
                r.send(console::forbidden("conversation " + std::to_string(id) +
                                          " is not offered or assigned to you, nor waiting in "
                                          "your queues"));
            };
            if (!can_see) return refuse();
            can_see(id, who.principal->name, [read, refuse](bool visible) {
                if (visible) read();
                else refuse();
            });
        });
}

}  // namespace ccd::daemon
