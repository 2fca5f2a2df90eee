#include "daemon/contact_routes.hpp"

#include <nlohmann/json.hpp>

#include "channels/api/contact_json.hpp"
#include "channels/common/url.hpp"
#include "daemon/contact_history_json.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/conversation_json.hpp"
#include "daemon/http/router.hpp"
#include "daemon/json_time.hpp"
#include "daemon/store/erasure_json.hpp"
#include "daemon/privacy/pii_json.hpp"

namespace ccd::daemon {
namespace {

using channels::WebResponse;
using nlohmann::json;

json optionalJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool isLoopback(std::string_view address) {
    return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

// The caller, or the refusal to send (401, 403), recorded in the audit log when refused.
ContactCaller caller(const ContactAuthorizer& authorize, const http::RoutedRequest& req,
                     console::Role needed) {
    ContactCaller who;
    if (authorize) {
        who = authorize(req);
    } else if (isLoopback(req.http.remote_address)) {
        who.actor = {"local", "loopback", req.http.remote_address};
        who.role = console::Role::Admin;
    } else {
        who.refused =
            WebResponse::error(403, "forbidden", "contacts are available to loopback clients only");
    }
    if (!who.refused && !console::atLeast(who.role, needed))
        who.refused = console::forbidden("this needs the " + std::string(console::toString(needed)) +
                                         " role");
    return who;
}

json contactJson(const store::ContactDetails& d, routing::TimePoint now) {
    json addresses = json::object();
    for (const auto& [channel, address] : d.addresses) addresses[channel].push_back(address);
    json attributes = json::object();
    for (const auto& [k, v] : d.profile.attributes) attributes[k] = v;
    return {{"id", d.id},
            {"key", optionalJson(d.key)},
            {"name", optionalJson(d.profile.name)},
            {"email", optionalJson(d.email)},
            {"phone", optionalJson(d.phone)},
            {"tier", d.profile.tier},
            {"locale", optionalJson(d.profile.locale)},
            {"attributes", std::move(attributes)},
            {"addresses", std::move(addresses)},
            {"products", productsJson(d.profile.products, now)},
            {"in_warranty", routing::anyInWarranty(d.profile, now)},
            {"created_at", formatRfc3339Millis(d.created_at_ms)},
            {"updated_at", formatRfc3339Millis(d.updated_at_ms)}};
}

// The `limit` of GET .../history: 1..100, 20 when absent; nullopt when malformed.
std::optional<std::size_t> historyLimit(std::string_view query) {
    auto params = channels::parseQuery(query);
    if (!params) return std::nullopt;
    std::size_t limit = 20;
    for (const auto& [name, value] : *params) {
        if (name != "limit") continue;
        if (value.empty() || value.size() > 3 ||
            value.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        limit = std::stoul(value);
        if (limit < 1 || limit > 100) return std::nullopt;
    }
    return limit;
}

WebResponse unavailable(const std::string& message) {
    auto res = WebResponse::error(503, "store_unavailable", message);
    res.headers.emplace_back("Retry-After", "1");
    return res;
}

}  // namespace

store::ContactUpdate toContactUpdate(channels::api::ContactInput in) {
    store::ContactUpdate u;
    u.key = std::move(in.key);
    u.name = std::move(in.name);
    u.email = std::move(in.email);
    u.phone = std::move(in.phone);
    u.tier = std::move(in.tier);
    u.locale = std::move(in.locale);
    u.attributes = std::move(in.attributes);
    u.addresses = std::move(in.addresses);
    u.products = std::move(in.products);
    return u;
}

json contactExportJson(const store::ContactExport& x) {
    auto parsed = [](const std::string& text) {
        json j = json::parse(text, nullptr, false);
        return j.is_discarded() ? json::object() : j;
    };
    json conversations = json::array();
    for (const auto& c : x.conversations) conversations.push_back(conversationJson(c));
    json events = json::array();
    for (const auto& e : x.events)
        events.push_back({{"conversation_id", e.conversation_id ? json(e.conversation_id)
                                                                : json(nullptr)},
                          {"type", e.type},
                          {"data", parsed(e.data_json)},
                          {"at", formatRfc3339Millis(e.created_at_ms)}});
    json outbox = json::array();
    for (const auto& o : x.outbox)
        outbox.push_back({{"id", o.id},
                          {"conversation_id", o.conversation_id},
                          {"message_id", o.message_id ? json(*o.message_id) : json(nullptr)},
                          {"channel_instance", o.channel_instance},
                          {"status", o.status},
                          {"payload", parsed(o.payload_json)},
                          {"created_at", formatRfc3339Millis(o.created_at_ms)}});
    return {{"contact", contactJson(x.contact, routing::Clock::now())},
            {"erased_at", x.erased_at_ms ? json(formatRfc3339Millis(*x.erased_at_ms))
                                         : json(nullptr)},
            {"conversations", std::move(conversations)},
            {"events", std::move(events)},
            {"outbox", std::move(outbox)},
            {"exported_at", formatRfc3339Millis(routing::unixMillis(routing::Clock::now()))}};
}

void addContactRoutes(http::Router& router, store::Store& store, ContactAuthorizer authorize,
                      const AuditLog* audit, ContactMasking masked) {
    // Records one use of a route (refused ones too); `detail` holds no personal data.
    auto record = [audit](const ContactCaller& who, const char* action, const std::string& key,
                          const char* outcome, json detail = json::object()) {
        if (audit && !who.actor.kind.empty())
            audit->record(who.actor, action, "contact", key, outcome, detail);
    };
    // The caller when allowed; otherwise the refusal is sent (and recorded) and nullopt.
    auto admit = [authorize, record](const http::RoutedRequest& req, console::Role needed,
                                     const char* action, const http::Responder& r,
                                     const std::string& key) -> std::optional<ContactCaller> {
        auto who = caller(authorize, req, needed);
        if (!who.refused) return who;
        record(who, action, key, "denied");
        r.send(std::move(*who.refused));
        return std::nullopt;
    };

    router.add("PUT", "/v1/contacts/{key}",
               [&store, admit, record](http::RoutedRequest&& req, http::Responder r) {
                   std::string key(req.param("key"));
                   auto who = admit(req, console::Role::Supervisor, "contact.update", r, key);
                   if (!who) return;
                   auto parsed = channels::api::parseContactJson(req.http.header("Content-Type"),
                                                                 req.http.body, req.param("key"));
                   if (parsed.rejection) {
                       const auto& rj = *parsed.rejection;
                       record(*who, "contact.update", key, "invalid", json{{"field", rj.field}});
                       return r.send(WebResponse::error(rj.status, rj.code, rj.reason, rj.field));
                   }
                   key = parsed.contact->key;
                   store.putContact(
                       toContactUpdate(std::move(*parsed.contact)),
                       [r, key, who = *who, record](store::StoreResult<store::ContactPutResult> result) {
                           if (!result) {
                               record(who, "contact.update", key, "failed");
                               return r.send(unavailable("the contact was not stored: " +
                                                         result.error->message));
                           }
                           record(who, "contact.update", key, "ok",
                                  json{{"created", result.value->created},
                                       {"contact_id", result.value->id}});
                           json body{{"id", result.value->id},
                                     {"key", key},
                                     {"created", result.value->created}};
                           auto res = WebResponse::json(result.value->created ? 201 : 200, dump(body));
                           if (result.value->created)
                               res.headers.emplace_back("Location", "/v1/contacts/" + key);
                           r.send(std::move(res));
                       });
               });

    router.add("GET", "/v1/contacts/{key}",
               [&store, admit, record, masked](http::RoutedRequest&& req, http::Responder r) {
                   bool mask = masked && masked(req);
                   std::string key(req.param("key"));
                   auto who = admit(req, console::Role::Supervisor, "contact.read", r, key);
                   if (!who) return;
                   if (channels::api::checkKey(key))
                       return r.send(WebResponse::error(404, "not_found", "no contact " + key));
                   store.getContact(
                       key, [r, key, who = *who, record,
                             mask](store::StoreResult<std::optional<store::ContactDetails>> result) {
                           if (!result) return r.send(unavailable(result.error->message));
                           record(who, "contact.read", key, *result.value ? "ok" : "not_found");
                           if (!*result.value)
                               return r.send(
                                   WebResponse::error(404, "not_found", "no contact " + key));
                           auto body = contactJson(**result.value, routing::Clock::now());
                           if (mask) privacy::maskJson(body);
                           r.send(WebResponse::json(200, dump(body)));
                       });
               });

    // The customer archive (issue 13): as the contact read, with the same role, masking and
    // audit.
    router.add("GET", "/v1/contacts/{key}/history",
               [&store, admit, record, masked](http::RoutedRequest&& req, http::Responder r) {
                   bool mask = masked && masked(req);
                   std::string key(req.param("key"));
                   auto who = admit(req, console::Role::Supervisor, "contact.history", r, key);
                   if (!who) return;
                   auto limit = historyLimit(req.http.query());
                   if (!limit)
                       return r.send(WebResponse::error(400, "bad_request",
                                                        "limit must be a number from 1 to 100",
                                                        "limit"));
                   if (channels::api::checkKey(key))
                       return r.send(WebResponse::error(404, "not_found", "no contact " + key));
                   store::ContactHistoryQuery query;
                   query.key = key;
                   query.limit = *limit;
                   store.getContactHistory(
                       std::move(query),
                       [r, key, who = *who, record,
                        mask](store::StoreResult<std::optional<store::ContactHistory>> result) {
                           if (!result) return r.send(unavailable(result.error->message));
                           record(who, "contact.history", key, *result.value ? "ok" : "not_found");
                           if (!*result.value)
                               return r.send(
                                   WebResponse::error(404, "not_found", "no contact " + key));
                           auto body = contactHistoryJson(**result.value, routing::Clock::now());
                           if (mask) privacy::maskJson(body);
                           r.send(WebResponse::json(200, dump(body)));
                       });
               });

    router.add("DELETE", "/v1/contacts/{key}",
               [&store, admit, record](http::RoutedRequest&& req, http::Responder r) {
                   std::string key(req.param("key"));
                   auto who = admit(req, console::Role::Admin, "contact.erase", r, key);
                   if (!who) return;
                   if (auto bad = channels::api::checkKey(key))
                       return r.send(WebResponse::error(400, "bad_request", *bad, "key"));
                   // Recorded in the commit that erases (without the erased data).
                   auto entry = AuditLog::entry(who->actor, "contact.erase", "contact", key);
                   entry.detail_json = dump(json{{"key", key}});
                   store.eraseContact(
                       key, std::move(entry),
                       [r, key, who = *who,
                        record](store::StoreResult<std::optional<store::ErasureResult>> result) {
                           if (!result) {
                               record(who, "contact.erase", key, "failed");
                               return r.send(unavailable("the contact was not erased: " +
                                                         result.error->message));
                           }
                           if (!*result.value) {
                               record(who, "contact.erase", key, "not_found");
                               return r.send(
                                   WebResponse::error(404, "not_found", "no contact " + key));
                           }
                           const auto& e = **result.value;
                           r.send(WebResponse::json(
                               200, dump(json{{"key", key},
                                              {"id", e.contact_id},
                                              {"already_erased", e.already_erased},
                                              {"erased", store::erasureCountsJson(e.counts)}})));
                       });
               });

    router.add("GET", "/v1/contacts/{key}/export",
               [&store, admit, record](http::RoutedRequest&& req, http::Responder r) {
                   std::string key(req.param("key"));
                   auto who = admit(req, console::Role::Admin, "contact.export", r, key);
                   if (!who) return;
                   if (auto bad = channels::api::checkKey(key))
                       return r.send(WebResponse::error(400, "bad_request", *bad, "key"));
                   store.exportContact(
                       key, [r, key, who = *who,
                             record](store::StoreResult<std::optional<store::ContactExport>> result) {
                           if (!result) return r.send(unavailable(result.error->message));
                           if (!*result.value) {
                               record(who, "contact.export", key, "not_found");
                               return r.send(
                                   WebResponse::error(404, "not_found", "no contact " + key));
                           }
                           const auto& x = **result.value;
                           record(who, "contact.export", key, "ok",
                                  json{{"conversations", x.conversations.size()}});
                           r.send(WebResponse::json(200, dump(contactExportJson(x))));
                       });
               });
}

}  // namespace ccd::daemon
