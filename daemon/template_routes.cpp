#include "daemon/template_routes.hpp"

#include <cctype>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/http/router.hpp"
#include "templates/catalog.hpp"
#include "templates/locale_chain.hpp"
#include "templates/sample_context.hpp"
#include "templates/variables.hpp"

namespace ccd::daemon {
namespace {

using channels::WebResponse;
using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The value of `key` in a query string ("locale=zh-TW&x=1"); percent-decoded.
std::string queryParam(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto item = query.substr(0, amp);
        auto eq = item.find('=');
        if (item.substr(0, eq) == key && eq != std::string_view::npos) {
            std::string out;
            auto v = item.substr(eq + 1);
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (v[i] == '%' && i + 2 < v.size() &&
                    std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
                    std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
                    out += static_cast<char>(std::stoi(std::string(v.substr(i + 1, 2)), nullptr, 16));
                    i += 2;
                } else {
                    out += v[i] == '+' ? ' ' : v[i];
                }
            }
            return out;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

json preview(const templates::Catalog& catalog, const templates::TemplateInfo& info,
             const std::string& locale, const templates::Vars& vars) {
    json out = json::object();
    for (auto variant : info.variants) {
        auto r = catalog.render(info.id, locale, variant, vars, "UTC");
        if (!r.ok()) {
            out["error"] = r.error;
            continue;
        }
        switch (variant) {
            case templates::Variant::Text: out["text"] = r.value->text; break;
            case templates::Variant::Speech: out["speech"] = r.value->text; break;
            case templates::Variant::Email:
                out["subject"] = *r.value->subject;
                out["email_text"] = r.value->text;
                out["html"] = *r.value->html;
                break;
        }
    }
    return out;
}

}  // namespace

void addTemplateRoutes(http::Router& router,
                       std::function<std::shared_ptr<const templates::Catalog>()> current) {
    router.add("GET", "/v1/templates",
               [current = std::move(current)](http::RoutedRequest&& req, http::Responder r) {
                   auto catalog = current ? current() : nullptr;
                   if (!catalog)
                       return r.send(WebResponse::error(503, "templates_unavailable",
                                                        "no template catalog is loaded", ""));
                   std::string locale = queryParam(req.http.query(), "locale");
                   if (!locale.empty()) {
                       auto tag = templates::parseLanguageTag(locale);
                       if (!tag || !templates::isKnownLanguage(tag->language))
                           return r.send(WebResponse::error(
                               400, "invalid_locale",
                               "expected a language tag such as en or zh-TW", "locale"));
                   }
                   templates::Vars vars;
                   if (!locale.empty())
                       vars = templates::placeholderContext(routing::Clock::now());
                   json list = json::array();
                   for (const auto& info : catalog->list(locale)) {
                       json variables = json::array();
                       for (const auto& name : info.variables) {
                           const auto* spec = templates::findVariable(name);
                           variables.push_back(
                               {{"name", name},
                                {"type", spec ? std::string(toString(spec->type)) : "string"}});
                       }
                       json channels = json::array();
                       for (auto v : info.variants) channels.push_back(std::string(toString(v)));
                       json item{{"id", info.id},
                                 {"description", info.description},
                                 {"category", info.category},
                                 {"locales", info.locales},
                                 {"channels", channels},
                                 {"variables", variables}};
                       if (!locale.empty()) {
                           item["locale"] = catalog->resolveLocale(locale);
                           item["preview"] = preview(*catalog, info, locale, vars);
                       }
                       list.push_back(std::move(item));
                   }
                   json body{{"default_locale", catalog->defaultLocale()},
                             {"locales", catalog->locales()},
                             {"templates", std::move(list)}};
                   r.send(WebResponse::json(200, dump(body)));
               });
}

}  // namespace ccd::daemon
