#include "daemon/api_routes.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "ccd_version.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/conversation_json.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

using channels::WebResponse;
using nlohmann::json;

void addApiRoutes(http::Router& router, RouteServices s) {
    auto started = std::chrono::steady_clock::now();

    router.add("GET", "/healthz", [&store = s.store, started, components = s.channel_health](
                                      http::RoutedRequest&&, http::Responder r) {
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
        if (components) {
            json channels = json::object();
            bool all_up = true;
            for (const auto& c : components()) {
                all_up = all_up && c.healthy;
                channels[c.name] = {{"healthy", c.healthy},
                                    {"error", c.error.empty() ? json(nullptr) : json(c.error)}};
            }
            body["channels"] = std::move(channels);
            if (!all_up && st.healthy) body["status"] = "degraded";
        }
        r.send(WebResponse::json(st.healthy ? 200 : 503, dumpJson(body)));
    });

    router.add("GET", "/metrics", [&metrics = s.metrics](http::RoutedRequest&&, http::Responder r) {
        WebResponse res;
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        res.body = metrics.render();
        r.send(std::move(res));
    });

    router.add(
        "GET", "/v1/conversations/{id}",
        [&store = s.store, auth = s.auth, can_see = s.agent_can_see, audit = s.audit](
            http::RoutedRequest&& req, http::Responder r) {
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
            auto record = [audit, actor = accountActor(*who.principal, req), id](const char* outcome) {
                if (audit)
                    audit->record(actor, "conversation.read", "conversation", std::to_string(id),
                                  outcome);
            };
            auto read = [st = &store, r, id, record] {
                st->getConversation(
                    id, [r, id, record](
                            store::StoreResult<std::optional<store::ConversationRecord>> res) {
                        if (!res) {
                            return r.send(
                                WebResponse::error(503, "store_unavailable", res.error->message));
                        }
                        record(*res.value ? "ok" : "not_found");
                        if (!*res.value) {
                            return r.send(WebResponse::error(
                                404, "not_found", "no conversation " + std::to_string(id)));
                        }
                        r.send(WebResponse::json(200, dumpJson(conversationJson(**res.value))));
                    });
            };
            if (console::atLeast(who.principal->role, console::Role::Supervisor)) return read();
            // An agent: only what routing shows them; 403 also hides whether it exists.
            auto refuse = [r, id, record] {
                record("denied");
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
