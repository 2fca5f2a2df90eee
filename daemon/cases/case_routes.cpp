#include "daemon/cases/case_routes.hpp"

#include <charconv>

#include "channels/common/url.hpp"
#include "daemon/cases/case_json.hpp"
#include "daemon/http/router.hpp"

namespace ccd::daemon::cases {
namespace {

using channels::WebResponse;
using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send(const http::Responder& r, const CaseReply& reply) {
    if (reply.status >= 400 && reply.body.contains("error")) {
        r.send(WebResponse::error(reply.status, reply.body.value("error", std::string()),
                                  reply.body.value("reason", std::string())));
        return;
    }
    auto res = WebResponse::json(reply.status, dump(reply.body));
    if (reply.status == 201 && reply.body.contains("id"))
        res.headers.emplace_back(
            "Location", "/v1/cases/" + std::to_string(reply.body["id"].get<std::int64_t>()));
    r.send(std::move(res));
}

WebResponse bad(const std::string& reason, const std::string& field = {}) {
    return WebResponse::error(400, "invalid_request", reason, field);
}

std::optional<std::int64_t> number(std::string_view s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
    return v;
}

// The {id} of a case route, or nullopt with the 404 sent.
std::optional<std::int64_t> caseId(const http::RoutedRequest& req, const http::Responder& r) {
    auto id = number(req.param("id"));
    if (!id)
        r.send(WebResponse::error(404, "not_found", "no case " + std::string(req.param("id"))));
    return id;
}

// "agent:alice" for an account, "api:<key>" for an API key, "local" for loopback.
std::string byOf(const ContactCaller& who) {
    if (who.actor.kind == "account") return "agent:" + who.actor.name;
    if (who.actor.kind == "api_key") return "api:" + who.actor.name;
    return who.actor.name.empty() ? std::string("local") : who.actor.name;
}

std::optional<routing::Product> productOf(const json& p, std::string& error) {
    if (p.is_null()) return std::nullopt;
    if (!p.is_object() || !p.contains("sku") || !p["sku"].is_string() ||
        p["sku"].get<std::string>().empty()) {
        error = "product: expected {\"sku\": ...}";
        return std::nullopt;
    }
    routing::Product out;
    out.sku = p["sku"].get<std::string>();
    out.name = p.value("name", std::string());
    for (auto [key, field] :
         {std::pair{"serial", &out.serial}, std::pair{"purchased_on", &out.purchased_on},
          std::pair{"warranty_until", &out.warranty_until}}) {
        if (!p.contains(key) || p[key].is_null()) continue;
        if (!p[key].is_string()) {
            error = std::string("product.") + key + ": expected text";
            return std::nullopt;
        }
        *field = p[key].get<std::string>();
    }
    return out;
}

}  // namespace

void addCaseRoutes(http::Router& router, CaseService& service, ContactAuthorizer authorize) {
    auto admit = [authorize](const http::RoutedRequest& req,
                             http::Responder& r) -> std::optional<ContactCaller> {
        ContactCaller who;
        if (authorize) {
            who = authorize(req);
        } else {
            const auto& a = req.http.remote_address;
            bool loopback = a.rfind("127.", 0) == 0 || a == "::1" || a.rfind("::ffff:127.", 0) == 0;
            if (loopback) {
                who.actor = {"local", "local", a};
                who.role = console::Role::Admin;
            } else {
                who.refused = WebResponse::error(403, "forbidden",
                                                 "cases are available to loopback clients only");
            }
        }
        if (who.refused) {
            r.send(std::move(*who.refused));
            return std::nullopt;
        }
        return who;
    };

    router.add(
        "POST", "/v1/cases", [&service, admit](http::RoutedRequest&& req, http::Responder r) {
            auto who = admit(req, r);
            if (!who) return;
            json b = json::parse(req.http.body, nullptr, false);
            if (!b.is_object()) return r.send(bad("expected a JSON object"));
            OpenRequest o;
            if (!b.contains("type") || !b["type"].is_string())
                return r.send(bad("type is required", "type"));
            o.type = b["type"].get<std::string>();
            if (b.contains("contact") && !b["contact"].is_null()) {
                if (!b["contact"].is_string())
                    return r.send(bad("contact: expected a contact key", "contact"));
                o.contact_key = b["contact"].get<std::string>();
            }
            if (b.contains("conversation_id") && !b["conversation_id"].is_null()) {
                if (!b["conversation_id"].is_number_integer())
                    return r.send(bad("conversation_id: expected a number", "conversation_id"));
                o.conversation_id = b["conversation_id"].get<std::int64_t>();
            }
            if (!o.contact_key && !o.conversation_id)
                return r.send(bad("contact or conversation_id is required"));
            std::string error;
            o.product = productOf(b.value("product", json(nullptr)), error);
            if (!error.empty()) return r.send(bad(error, "product"));
            for (auto [key, field] :
                 {std::pair{"description", &o.description}, std::pair{"owner", &o.owner}}) {
                if (!b.contains(key) || b[key].is_null()) continue;
                if (!b[key].is_string())
                    return r.send(bad(std::string(key) + ": expected text", key));
                *field = b[key].get<std::string>();
            }
            service.open(std::move(o), byOf(*who),
                         [r](CaseReply reply) mutable { send(r, reply); });
        });

    router.add("GET", "/v1/cases", [&service, admit](http::RoutedRequest&& req, http::Responder r) {
        auto who = admit(req, r);
        if (!who) return;
        auto params = channels::parseQuery(req.http.query());
        if (!params) return r.send(bad("malformed query string"));
        store::CaseListQuery q;
        std::optional<std::string> contact;
        for (const auto& [name, value] : *params) {
            if (name == "contact") {
                contact = value;
            } else if (name == "conversation") {
                auto id = number(value);
                if (!id)
                    return r.send(bad("conversation: expected a conversation id", "conversation"));
                q.conversation_id = *id;
            } else if (name == "owner") {
                q.owner = value == "me" ? who->actor.name : value;
            } else if (name == "open") {
                if (value != "true" && value != "false")
                    return r.send(bad("open: expected true or false", "open"));
                q.open_only = value == "true";
            } else if (name == "limit") {
                auto n = number(value);
                if (!n || *n > 200)
                    return r.send(bad("limit must be a number from 1 to 200", "limit"));
                q.limit = static_cast<std::size_t>(*n);
            } else {
                return r.send(bad("unknown parameter \"" + name +
                                      "\" (contact, conversation, owner, open, limit)",
                                  name));
            }
        }
        service.list(q, contact, [r](CaseReply reply) mutable { send(r, reply); });
    });

    router.add("GET", "/v1/cases/{id}",
               [&service, admit](http::RoutedRequest&& req, http::Responder r) {
                   auto who = admit(req, r);
                   if (!who) return;
                   auto id = caseId(req, r);
                   if (!id) return;
                   service.get(*id, [r](CaseReply reply) mutable { send(r, reply); });
               });

    router.add("PATCH", "/v1/cases/{id}",
               [&service, admit](http::RoutedRequest&& req, http::Responder r) {
                   auto who = admit(req, r);
                   if (!who) return;
                   auto id = caseId(req, r);
                   if (!id) return;
                   json b = json::parse(req.http.body, nullptr, false);
                   if (b.is_discarded()) return r.send(bad("the body is not JSON"));
                   auto parsed = commandFromJson(b);
                   if (!parsed.command) return r.send(bad(parsed.error));
                   service.apply(*id, std::move(*parsed.command), byOf(*who),
                                 [r](CaseReply reply) mutable { send(r, reply); });
               });

    router.add("GET", "/v1/engineers",
               [&service, admit](http::RoutedRequest&& req, http::Responder r) {
                   auto who = admit(req, r);
                   if (!who) return;
                   auto params = channels::parseQuery(req.http.query());
                   if (!params) return r.send(bad("malformed query string"));
                   std::optional<std::string> area;
                   for (const auto& [name, value] : *params) {
                       if (name != "area" || value.empty())
                           return r.send(bad("expected area=<service area>", name));
                       area = value;
                   }
                   send(r, service.engineers(area));
               });

    router.add("GET", "/v1/follow-ups",
               [&service, admit](http::RoutedRequest&& req, http::Responder r) {
                   auto who = admit(req, r);
                   if (!who) return;
                   auto params = channels::parseQuery(req.http.query());
                   if (!params) return r.send(bad("malformed query string"));
                   std::optional<std::string> status;
                   for (const auto& [name, value] : *params) {
                       if (name != "status" || (value != "scheduled" && value != "offered"))
                           return r.send(bad("expected status=scheduled or status=offered", name));
                       status = value;
                   }
                   service.followUps(status, [r](CaseReply reply) mutable { send(r, reply); });
               });
}

}  // namespace ccd::daemon::cases
