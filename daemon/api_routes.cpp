#include "daemon/api_routes.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "ccd_version.hpp"
#include "channels/common/url.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/conversation_json.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

using channels::WebResponse;
using nlohmann::json;

namespace {

WebResponse notFound(const std::string& reason) {
    return WebResponse::error(404, "not_found", reason);
}

WebResponse unavailable(const store::StoreError& e) {
    return WebResponse::error(503, "store_unavailable", e.message);
}

// A positive id in the path, or 0.
std::int64_t pathId(const http::RoutedRequest& req, std::string_view name) {
    auto text = req.param(name);
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return 0;
    return id;
}

// Runs `read` when the caller may read conversation `id`: a supervisor or an admin, or an agent
// to whom routing shows it; else answers 401, 404 (`id` 0: unreadable, `missing` says what) or
// 403 (which also hides whether it exists).
// A caller refused is recorded in the audit log under `action`; `read` records the rest (it gets
// `record`: outcome -> entry).
using Record = std::function<void(const char* outcome)>;
void whenVisible(const RouteServices& s, const http::RoutedRequest& req, const http::Responder& r,
                 std::int64_t id, const std::string& missing, std::string action,
                 std::function<void(const console::Principal&, Record)> read) {
    if (!s.auth) return r.send(console::unauthorized(false));
    auto who = console::authenticate(req, *s.auth);
    if (!who) return r.send(std::move(*who.response));
    if (id == 0) return r.send(notFound(missing));
    Record record = [audit = s.audit, actor = accountActor(*who.principal, req),
                     action = std::move(action), id](const char* outcome) {
        if (audit)
            audit->record(actor, action, "conversation", std::to_string(id), outcome);
    };
    if (console::atLeast(who.principal->role, console::Role::Supervisor))
        return read(*who.principal, record);
    auto refuse = [r, id, record] {
        record("denied");
        r.send(console::forbidden("conversation " + std::to_string(id) +
                                  " is not offered or assigned to you, nor waiting in your "
                                  "queues"));
    };
    if (!s.agent_can_see) return refuse();
    s.agent_can_see(id, who.principal->name,
                    [read = std::move(read), refuse, record, who = *who.principal](bool visible) {
                        if (visible)
                            read(who, record);
                        else
                            refuse();
                    });
}

// The types a browser may show as they are; anything else is served as bytes.
bool displayable(std::string_view type) {
    for (std::string_view t :
         {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})
        if (type == t) return true;
    return false;
}

// RFC 6266: an ASCII fallback and the UTF-8 name (RFC 8187 percent-encoding).
std::string contentDisposition(const std::string& name) {
    if (name.empty()) return "attachment";
    std::string ascii;
    for (unsigned char c : name)
        ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" +
           channels::percentEncode(name);
}

WebResponse attachmentResponse(const store::AttachmentFile& f) {
    WebResponse res;
    const std::string type = f.attachment.mime_type.value_or("");
    res.content_type = displayable(type) ? type : "application/octet-stream";
    res.body = *f.bytes;
    // Customer files never run as pages of ccd's origin.
    res.headers = {{"Content-Disposition", contentDisposition(f.attachment.file_name.value_or(""))},
                   {"X-Content-Type-Options", "nosniff"},
                   {"Content-Security-Policy", "default-src 'none'; sandbox"},
                   {"Cache-Control", "private, no-store"},
                   {"ETag", "\"" + f.sha256 + "\""}};
    return res;
}

}  // namespace

void addApiRoutes(http::Router& router, RouteServices s) {
    auto started = std::chrono::steady_clock::now();

    router.add(
        "GET", "/healthz",
        [&store = s.store, started, components = s.channel_health, role = s.node_role](
            http::RoutedRequest&&, http::Responder r) {
            auto st = store.status();
            auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
            json body{
                {"status", st.healthy ? "ok" : "degraded"},
                {"version", CCD_VERSION},
                {"uptime_seconds", uptime},
                {"store",
                 {{"driver", st.driver},
                  {"healthy", st.healthy},
                  {"queue_depth", st.queue_depth},
                  {"last_error", st.last_error.empty() ? json(nullptr) : json(st.last_error)}}}};
            if (!role.empty()) body["node"] = role;
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

    router.add("GET", "/healthz/leader",
               [leads = s.node_role != "follower", &store = s.store](http::RoutedRequest&&,
                                                                   http::Responder r) {
                   const bool ok = leads && store.status().healthy;
                   json body{{"leader", leads}, {"store_healthy", store.status().healthy}};
                   r.send(WebResponse::json(ok ? 200 : 503, dumpJson(body)));
               });

    router.add("GET", "/metrics", [&metrics = s.metrics](http::RoutedRequest&&, http::Responder r) {
        WebResponse res;
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        res.body = metrics.render();
        r.send(std::move(res));
    });

    router.add("GET", "/v1/conversations/{id}", [s](http::RoutedRequest&& req, http::Responder r) {
        auto id = pathId(req, "id");
        whenVisible(
            s, req, r, id, "no conversation " + std::string(req.param("id")), "conversation.read",
            [st = &s.store, r, id, mask_pii = s.mask_pii](const console::Principal& who,
                                                          Record record) {
                bool masked = mask_pii && mask_pii(console::toString(who.role));
                st->getConversation(
                    id, [r, id, masked, record](
                            store::StoreResult<std::optional<store::ConversationRecord>> res) {
                        if (!res) return r.send(unavailable(*res.error));
                        record(*res.value ? "ok" : "not_found");
                        if (!*res.value)
                            return r.send(notFound("no conversation " + std::to_string(id)));
                        auto body = conversationJson(**res.value);
                        if (masked) privacy::maskJson(body);
                        r.send(WebResponse::json(200, dumpJson(body)));
                    });
            });
    });

    // The bytes of an attachment ccd keeps (email's), for whoever may read the conversation.
    router.add(
        "GET", "/v1/conversations/{id}/messages/{message}/attachments/{n}",
        [s](http::RoutedRequest&& req, http::Responder r) {
            const auto message = pathId(req, "message");
            const auto n = pathId(req, "n");
            const auto id = message && n ? pathId(req, "id") : 0;
            whenVisible(
                s, req, r, id, "no such attachment", "attachment.read",
                [st = &s.store, r, id, message, n](const console::Principal&, Record record) {
                    st->getAttachment(
                        id, message, static_cast<std::size_t>(n),
                        [r, record](store::StoreResult<std::optional<store::AttachmentFile>> res) {
                            if (!res) return r.send(unavailable(*res.error));
                            record(*res.value && (*res.value)->bytes ? "ok" : "not_found");
                            if (!*res.value) return r.send(notFound("no such attachment"));
                            const auto& f = **res.value;
                            if (!f.bytes) {
                                return r.send(WebResponse::error(
                                    f.attachment.stored ? 410 : 404,
                                    f.attachment.stored ? "gone" : "not_stored",
                                    f.attachment.stored
                                        ? "the attachment's content was removed (retention or "
                                          "erasure); its description stays"
                                        : "ccd does not keep this attachment's content: " +
                                              f.attachment.provider_file_id));
                            }
                            r.send(attachmentResponse(f));
                        });
                });
        });
}

}  // namespace ccd::daemon
