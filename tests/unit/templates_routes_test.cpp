// GET /v1/templates through the router, without sockets: the list for the console, the preview
// with ?locale=, 400 for a bad locale and 503 without a catalog.
#include "daemon/template_routes.hpp"

#define BOOST_TEST_MODULE templates_routes_test
#include <boost/test/unit_test.hpp>

#include <optional>

#include <nlohmann/json.hpp>

#include "config/template_catalog_parser.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"

using ccd::channels::WebRequest;
using ccd::channels::WebResponse;
using ccd::daemon::Metrics;
using ccd::daemon::http::Responder;
using ccd::daemon::http::Router;
using nlohmann::json;

namespace {

std::optional<WebResponse> get(const Router& router, std::string target) {
    WebRequest r;
    r.method = "GET";
    r.target = std::move(target);
    std::optional<WebResponse> out;
    router.dispatch(std::move(r), Responder([&out](WebResponse w) { out = std::move(w); }));
    return out;
}

std::shared_ptr<const ccd::templates::Catalog> shipped() {
    static auto c = ccd::config::loadTemplateCatalog(CCD_SOURCE_DIR "/templates/default", "en");
    return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lists_templates) {
    Metrics metrics;
    Router router(&metrics);
    ccd::daemon::addTemplateRoutes(router, [] { return shipped(); });
    auto res = get(router, "/v1/templates");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    auto body = json::parse(res->body);
    BOOST_TEST(body["default_locale"] == "en");
    BOOST_TEST(body["locales"].size() == 3u);
    BOOST_TEST(body["templates"].size() == 24u);
    const json& ack = body["templates"][0];
    BOOST_TEST(ack["id"] == "ack");
    BOOST_TEST(ack["category"] == "acknowledgement");
    BOOST_TEST(ack["channels"] == json({"text", "email", "speech"}));
    BOOST_TEST(ack["variables"].dump().find(R"({"name":"first_response_due","type":"time"})") !=
               std::string::npos);
    BOOST_TEST(!ack.contains("preview"));
}

BOOST_AUTO_TEST_CASE(preview_in_a_locale) {
    Metrics metrics;
    Router router(&metrics);
    ccd::daemon::addTemplateRoutes(router, [] { return shipped(); });
    auto res = get(router, "/v1/templates?locale=zh-TW");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    auto body = json::parse(res->body);
    const json& ack = body["templates"][0];
    BOOST_TEST(ack["locale"] == "zh-Hant");
    BOOST_TEST(ack["description"].get<std::string>().find("受理") != std::string::npos);
    std::string text = ack["preview"]["text"];
    BOOST_TEST(text.find("#{ticket} 已受理") != std::string::npos, text);
    BOOST_TEST(ack["preview"].contains("subject"));
    BOOST_TEST(ack["preview"].contains("speech"));
    auto bad = get(router, "/v1/templates?locale=%7Bx%7D");
    BOOST_REQUIRE(bad);
    BOOST_TEST(bad->status == 400);
}

BOOST_AUTO_TEST_CASE(no_catalog_is_503) {
    Metrics metrics;
    Router router(&metrics);
    ccd::daemon::addTemplateRoutes(router, [] { return nullptr; });
    auto res = get(router, "/v1/templates");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 503);
}
