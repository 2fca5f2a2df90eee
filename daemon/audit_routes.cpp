#include "daemon/audit_routes.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "channels/common/url.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/conversation_json.hpp"
#include "daemon/http/router.hpp"
#include "daemon/json_time.hpp"

namespace ccd::daemon {
namespace {

using channels::WebResponse;
using nlohmann::json;

constexpr std::size_t kMaxLimit = 1000;
constexpr std::size_t kMaxFilterLength = 200;

std::optional<std::int64_t> positiveNumber(const std::string& s) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v <= 0) return std::nullopt;
    return v;
}

json entryJson(const store::AuditRecord& e) {
    auto opt = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
    json detail = json::parse(e.detail_json, nullptr, false);
    if (detail.is_discarded()) detail = json::object();
    return {{"id", e.id},
            {"at", formatRfc3339Millis(e.at_ms)},
            {"actor", {{"kind", e.actor_kind}, {"id", e.actor}}},
            {"action", e.action},
            {"object", {{"kind", opt(e.object_kind)}, {"id", opt(e.object_id)}}},
            {"detail", std::move(detail)},
            {"remote", opt(e.remote)},
            {"outcome", e.outcome}};
}

}  // namespace

AuditQueryParse parseAuditQuery(std::string_view query_string) {
    AuditQueryParse out;
    auto fail = [&out](std::string field, std::string error) {
        out.field = std::move(field);
        out.error = std::move(error);
        out.query.reset();
        return out;
    };
    auto pairs = channels::parseQuery(query_string);
    if (!pairs) return fail("", "the query string has a malformed %-escape");
    store::AuditQuery q;
    for (const auto& [name, value] : *pairs) {
        if (value.size() > kMaxFilterLength)
            return fail(name, name + " is longer than " + std::to_string(kMaxFilterLength) +
                                  " characters");
        if (name == "actor" || name == "action") {
            if (value.empty()) return fail(name, name + " is empty");
            (name == "actor" ? q.actor : q.action) = value;
        } else if (name == "object") {
            auto colon = value.find(':');
            q.object_kind = value.substr(0, colon);
            if (q.object_kind->empty()) return fail(name, "object is kind or kind:id, e.g. contact:C-1");
            if (colon != std::string::npos) {
                q.object_id = value.substr(colon + 1);
                if (q.object_id->empty())
                    return fail(name, "object is kind or kind:id, e.g. contact:C-1");
            }
        } else if (name == "since" || name == "until") {
            auto t = parseRfc3339(value);
            if (!t)
                return fail(name, name + " is a time in RFC 3339, e.g. 2026-11-23T10:30:00Z (got \"" +
                                      value + "\")");
            (name == "since" ? q.since_ms : q.until_ms) = routing::unixMillis(*t);
        } else if (name == "cursor") {
            auto v = positiveNumber(value);
            if (!v) return fail(name, "cursor is the next_cursor of a previous page");
            q.before_id = *v;
        } else if (name == "limit") {
            auto v = positiveNumber(value);
            if (!v || *v > static_cast<std::int64_t>(kMaxLimit))
                return fail(name, "limit is a number from 1 to " + std::to_string(kMaxLimit));
            q.limit = static_cast<std::size_t>(*v);
        } else {
            return fail(name, "unknown parameter \"" + name +
                                  "\" (actor, action, object, since, until, cursor, limit)");
        }
    }
    if (q.since_ms && q.until_ms && *q.since_ms >= *q.until_ms)
        return fail("until", "until must be later than since");
    out.query = std::move(q);
    return out;
}

void addAuditRoutes(http::Router& router, store::Store& store, const console::AuthService& auth,
                    const AuditLog& audit) {
    router.add("GET", "/v1/audit", [&store, &auth, &audit](http::RoutedRequest&& req,
                                                           http::Responder r) {
        auto who = console::authenticate(req, auth);
        if (!who) return r.send(std::move(*who.response));
        auto actor = accountActor(*who.principal, req);
        if (!console::atLeast(who.principal->role, console::Role::Admin)) {
            audit.record(actor, "audit.read", "audit", "", "denied");
            return r.send(console::forbidden("the audit log is for admins"));
        }
        auto parsed = parseAuditQuery(req.http.query());
        if (!parsed.query)
            return r.send(WebResponse::error(400, "bad_request", parsed.error, parsed.field));
        json filters = json::object();
        for (const auto& [name, value] : channels::parseQuery(req.http.query()).value_or(
                 std::vector<std::pair<std::string, std::string>>{}))
            filters[name] = value;
        audit.record(actor, "audit.read", "audit", "", "ok", json{{"query", std::move(filters)}});
        store.queryAudit(*parsed.query, [r](store::StoreResult<store::AuditPage> page) {
            if (!page) {
                auto res = WebResponse::error(503, "store_unavailable",
                                              "the audit log cannot be read now");
                res.headers.emplace_back("Retry-After", "1");
                return r.send(std::move(res));
            }
            json entries = json::array();
            for (const auto& e : page.value->entries) entries.push_back(entryJson(e));
            json body{{"entries", std::move(entries)},
                      {"next_cursor", page.value->next_before_id
                                          ? json(std::to_string(*page.value->next_before_id))
                                          : json(nullptr)}};
            r.send(WebResponse::json(200, dumpJson(body)));
        });
    });
}

}  // namespace ccd::daemon
