#include "daemon/http/router.hpp"

#define BOOST_TEST_MODULE router_test
#include <boost/test/unit_test.hpp>

#include <optional>

#include "daemon/metrics.hpp"

using ccd::channels::WebRequest;
using ccd::channels::WebResponse;
using ccd::daemon::Metrics;
using ccd::daemon::http::Responder;
using ccd::daemon::http::RoutedRequest;
using ccd::daemon::http::Router;

namespace {

WebRequest req(std::string method, std::string target) {
    WebRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    return r;
}

std::optional<WebResponse> dispatch(const Router& router, WebRequest r) {
    std::optional<WebResponse> out;
    router.dispatch(std::move(r), Responder([&out](WebResponse w) { out = std::move(w); }));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(routes_match_literals_and_parameters) {
    Metrics metrics;
    Router router(&metrics);
    std::string seen;
    router.add("GET", "/v1/conversations/{id}", [&](RoutedRequest&& r, Responder out) {
        seen = std::string(r.param("id"));
        out.send(WebResponse::json(200, "{}"));
    });
    auto res = dispatch(router, req("GET", "/v1/conversations/42?verbose=1"));
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(seen == "42");
    BOOST_TEST(metrics.render().find(R"(route="/v1/conversations/{id}",status="200"} 1)") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404_and_wrong_method_405_with_allow) {
    Router router(nullptr);
    router.add("POST", "/v1/messages", [](RoutedRequest&&, Responder out) {
        out.send(WebResponse::json(202, "{}"));
    });
    auto nf = dispatch(router, req("GET", "/nope"));
    BOOST_REQUIRE(nf);
    BOOST_TEST(nf->status == 404);
    BOOST_TEST(nf->body.find("\"error\":\"not_found\"") != std::string::npos);

    auto na = dispatch(router, req("GET", "/v1/messages"));
    BOOST_REQUIRE(na);
    BOOST_TEST(na->status == 405);
    BOOST_REQUIRE_EQUAL(na->headers.size(), 1u);
    BOOST_TEST(na->headers[0].first == "Allow");
    BOOST_TEST(na->headers[0].second == "POST");

    auto longer = dispatch(router, req("POST", "/v1/messages/extra"));
    BOOST_TEST(longer->status == 404);
}

BOOST_AUTO_TEST_CASE(an_unmatched_answer_replaces_404_but_not_405) {
    Router router(nullptr);
    router.add("POST", "/v1/messages", [](RoutedRequest&&, Responder out) {
        out.send(WebResponse::json(202, "{}"));
    });
    router.setUnmatched(WebResponse::error(503, "not_leader", "ask the leader"));
    auto other = dispatch(router, req("GET", "/v1/contacts/x"));
    BOOST_REQUIRE(other);
    BOOST_TEST(other->status == 503);
    BOOST_TEST(other->body.find("\"error\":\"not_leader\"") != std::string::npos);
    BOOST_TEST(dispatch(router, req("GET", "/v1/messages"))->status == 405);
    BOOST_TEST(dispatch(router, req("POST", "/v1/messages"))->status == 202);
}

BOOST_AUTO_TEST_CASE(a_relay_takes_what_is_not_served_here_and_what_no_route_answers) {
    Router router(nullptr);
    router.add("POST", "/v1/messages", [](RoutedRequest&&, Responder out) {
        out.send(WebResponse::json(202, "{}"));
    });
    router.add("GET", "/v1/conversations/{id}", [](RoutedRequest&&, Responder out) {
        out.send(WebResponse::json(200, "{\"here\":true}"));
    });
    router.setRelay(
        [](RoutedRequest&& r, Responder out) {
            out.send(WebResponse::json(299, r.http.method + " " + r.http.target));
        },
        [](const WebRequest& r) { return r.path() == "/v1/messages"; });
    BOOST_TEST(dispatch(router, req("POST", "/v1/messages"))->status == 202);
    // A route this node has, but not one it serves here: relayed.
    auto conv = dispatch(router, req("GET", "/v1/conversations/7?x=1"));
    BOOST_TEST(conv->status == 299);
    BOOST_TEST(conv->body == "GET /v1/conversations/7?x=1");
    BOOST_TEST(dispatch(router, req("GET", "/v1/contacts/x"))->status == 299);
    // Another method on a path served here: the leader may have it.
    BOOST_TEST(dispatch(router, req("GET", "/v1/messages"))->status == 299);
}

BOOST_AUTO_TEST_CASE(a_dropped_responder_answers_500) {
    Router router(nullptr);
    router.add("GET", "/drop", [](RoutedRequest&&, Responder) {});
    auto res = dispatch(router, req("GET", "/drop"));
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 500);
}

BOOST_AUTO_TEST_CASE(only_the_first_send_counts) {
    int sends = 0;
    Responder r([&](WebResponse) { ++sends; });
    r.send(WebResponse::json(200, "{}"));
    r.send(WebResponse::json(500, "{}"));
    BOOST_TEST(sends == 1);
}

BOOST_AUTO_TEST_CASE(metrics_render_prometheus_histograms) {
    Metrics m;
    m.intake_latency_seconds.observe(0.0007);
    m.intake_latency_seconds.observe(0.2);
    auto text = m.render();
    BOOST_TEST(text.find("# TYPE ccd_intake_latency_seconds histogram") != std::string::npos);
    BOOST_TEST(text.find("ccd_intake_latency_seconds_bucket{le=\"0.001\"} 1") != std::string::npos);
    BOOST_TEST(text.find("ccd_intake_latency_seconds_bucket{le=\"+Inf\"} 2") != std::string::npos);
    BOOST_TEST(text.find("ccd_intake_latency_seconds_count 2") != std::string::npos);
}
