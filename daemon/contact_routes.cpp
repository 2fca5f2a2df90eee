#include "daemon/contact_routes.hpp"

#include <nlohmann/json.hpp>

#include "channels/api/contact_json.hpp"
#include "daemon/http/router.hpp"
#include "daemon/json_time.hpp"
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

std::optional<WebResponse> allowed(const ContactAuthorizer& authorize,
                                   const http::RoutedRequest& req) {
    if (authorize) return authorize(req);
    if (!isLoopback(req.http.remote_address))
        return WebResponse::error(403, "forbidden", "contacts are available to loopback clients only");
    return std::nullopt;
}

json contactJson(const store::ContactDetails& d, routing::TimePoint now) {
    json addresses = json::object();
    for (const auto& [channel, address] : d.addresses) addresses[channel].push_back(address);
    json products = json::array();
    for (const auto& p : d.profile.products) {
        products.push_back({{"sku", p.sku},
                            {"name", p.name.empty() ? json(nullptr) : json(p.name)},
                            {"serial", optionalJson(p.serial)},
                            {"purchased_on", optionalJson(p.purchased_on)},
                            {"warranty_until", optionalJson(p.warranty_until)},
                            {"in_warranty", routing::inWarranty(p, now)}});
    }
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
            {"products", std::move(products)},
            {"in_warranty", routing::anyInWarranty(d.profile, now)},
            {"created_at", formatRfc3339Millis(d.created_at_ms)},
            {"updated_at", formatRfc3339Millis(d.updated_at_ms)}};
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

void addContactRoutes(http::Router& router, store::Store& store, ContactAuthorizer authorize,
                      ContactMasking masked) {
    router.add("PUT", "/v1/contacts/{key}",
               [&store, authorize](http::RoutedRequest&& req, http::Responder r) {
                   if (auto refused = allowed(authorize, req)) return r.send(std::move(*refused));
                   auto parsed = channels::api::parseContactJson(req.http.header("Content-Type"),
                                                                 req.http.body, req.param("key"));
                   if (parsed.rejection) {
                       const auto& rj = *parsed.rejection;
                       return r.send(WebResponse::error(rj.status, rj.code, rj.reason, rj.field));
                   }
                   std::string key = parsed.contact->key;
                   store.putContact(
                       toContactUpdate(std::move(*parsed.contact)),
                       [r, key](store::StoreResult<store::ContactPutResult> result) {
                           if (!result)
                               return r.send(unavailable("the contact was not stored: " +
                                                         result.error->message));
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
               [&store, authorize, masked](http::RoutedRequest&& req, http::Responder r) {
                   if (auto refused = allowed(authorize, req)) return r.send(std::move(*refused));
                   bool mask = masked && masked(req);
                   std::string key(req.param("key"));
                   if (channels::api::checkKey(key))
                       return r.send(WebResponse::error(404, "not_found", "no contact " + key));
                   store.getContact(
                       key,
                       [r, key, mask](store::StoreResult<std::optional<store::ContactDetails>> result) {
                           if (!result) return r.send(unavailable(result.error->message));
                           if (!*result.value)
                               return r.send(
                                   WebResponse::error(404, "not_found", "no contact " + key));
                           auto body = contactJson(**result.value, routing::Clock::now());
                           if (mask) privacy::maskJson(body);
                           r.send(WebResponse::json(200, dump(body)));
                       });
               });
}

}  // namespace ccd::daemon
