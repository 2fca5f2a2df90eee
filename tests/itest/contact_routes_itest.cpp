#include "daemon/contact_routes.hpp"

#define BOOST_TEST_MODULE contact_routes_itest
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "daemon/http/http_server.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
using nlohmann::json;
using testing::HttpClient;

namespace {

/// The contact routes on a real HTTP server on 127.0.0.1:<any free port> over a real store.
struct Server {
    explicit Server(daemon::ContactAuthorizer authorize = {}, daemon::ContactMasking masked = {})
        : store(store::sqlite::SqliteStoreOptions{dir.file("ccd.db")}, nullptr),
          router(&metrics),
          work(boost::asio::make_work_guard(ioc)),
          server(ioc, router, metrics, [] { return config::ServerLimits{}; }) {
        daemon::addContactRoutes(router, store, std::move(authorize), nullptr, std::move(masked));
        server.start(config::ListenAddress{"127.0.0.1", 0});
        port = server.port();
        thread = std::thread([this] { ioc.run(); });
    }
    ~Server() {
        server.stop();
        store.close();
        work.reset();
        ioc.stop();
        thread.join();
    }
    HttpClient client() { return HttpClient(port); }

    testing::TempDir dir;
    daemon::Metrics metrics;
    store::sqlite::SqliteStore store;
    daemon::http::Router router;
    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
    daemon::http::HttpServer server;
    std::thread thread;
    std::uint16_t port = 0;
};

testing::HttpReply put(HttpClient& c, const std::string& key, const std::string& body,
                       const std::string& content_type = "application/json") {
    return c.request("PUT", "/v1/contacts/" + key, body, {{"Content-Type", content_type}});
}

std::string dayFromToday(int days) {
    std::time_t t = std::time(nullptr) + days * 86400;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

// A Telegram message from `from`, stored; the conversation it joined or opened.
std::int64_t ingest(store::Store& s, const std::string& from, const std::string& text) {
    routing::InboundMessage m;
    m.channel = routing::ChannelKind::Telegram;
    m.from.id = from;
    m.text = text;
    m.received_at = routing::Clock::now();
    std::promise<store::StoreResult<store::IngestResult>> p;
    s.ingest(std::move(m), [&p](store::StoreResult<store::IngestResult> r) {
        p.set_value(std::move(r));
    });
    auto r = p.get_future().get();
    BOOST_REQUIRE(r.value);
    return r.value->conversation_id;
}

store::RoutingApplied apply(store::Store& s, store::RoutingUpdate u) {
    std::promise<store::StoreResult<store::RoutingApplied>> p;
    s.applyRouting(std::move(u), [&p](store::StoreResult<store::RoutingApplied> r) {
        p.set_value(std::move(r));
    });
    auto r = p.get_future().get();
    BOOST_REQUIRE(r.value);
    return std::move(*r.value);
}

// CRM-1 (Telegram 123, a printer in warranty) complained once, rated it 2, and wrote again: the
// first conversation is closed, the second open. Returns (first, second).
std::pair<std::int64_t, std::int64_t> returningCustomer(Server& s) {
    auto c = s.client();
    auto created = put(c, "CRM-1",
                       R"({"name":"Ann","addresses":{"telegram":["123"]},"products":[{"sku":"P-1",)"
                       R"("name":"Printer","purchased_on":")" + dayFromToday(-30) +
                           R"(","warranty_until":")" + dayFromToday(300) + R"("}]})");
    BOOST_REQUIRE(created.status == 201);
    auto first = ingest(s.store, "123", "The toner leaks all over my desk");
    routing::ConversationSnapshot snap;
    snap.id = first;
    snap.channel = routing::ChannelKind::Telegram;
    snap.category = "complaint";
    snap.subtype = "staff";
    snap.priority = 2;
    store::RoutingUpdate closing;
    closing.conversations.push_back(snap);
    closing.ratings.emplace_back(first, 2);
    closing.closed.push_back(first);
    apply(s.store, std::move(closing));
    auto second = ingest(s.store, "123", "Hello again");
    BOOST_REQUIRE(second != first);
    return {first, second};
}

}  // namespace

BOOST_AUTO_TEST_CASE(history_lists_the_earlier_conversations_products_and_counts) {
    Server s;
    auto [first, second] = returningCustomer(s);
    auto c = s.client();
    auto got = c.get("/v1/contacts/CRM-1/history");
    BOOST_TEST(got.status == 200, got.body);
    auto h = json::parse(got.body);
    BOOST_TEST(h["key"] == "CRM-1");
    BOOST_REQUIRE(h["conversations"].size() == 2u);
    BOOST_TEST(h["conversations"][0]["id"] == second);  // newest first
    BOOST_TEST(h["conversations"][0]["status"] == "open");
    const auto& earlier = h["conversations"][1];
    BOOST_TEST(earlier["id"] == first);
    BOOST_TEST(earlier["channel"] == "telegram");
    BOOST_TEST(earlier["status"] == "closed");
    BOOST_TEST(earlier["closed_at"].is_string());
    BOOST_TEST(earlier["category"] == "complaint");
    BOOST_TEST(earlier["subtype"] == "staff");               // kept beside the category
    BOOST_TEST(h["conversations"][0]["subtype"].is_null());  // not routed yet
    BOOST_TEST(earlier["complaint"] == true);
    BOOST_TEST(earlier["rating"] == 2);
    BOOST_TEST(earlier["subject"] == "The toner leaks all over my desk");
    BOOST_TEST(h["summary"]["conversations"] == 2);
    BOOST_TEST(h["summary"]["complaints"] == 1);
    BOOST_TEST(h["summary"]["average_rating"] == 2.0);
    BOOST_REQUIRE(h["products"].size() == 1u);
    BOOST_TEST(h["products"][0]["in_warranty"] == true);
    BOOST_TEST(h["in_warranty"] == true);
    BOOST_TEST(h["cases"] == json::array());

    auto one = json::parse(c.get("/v1/contacts/CRM-1/history?limit=1").body);
    BOOST_TEST(one["conversations"].size() == 1u);
    BOOST_TEST(one["summary"]["conversations"] == 2);
    auto bad = c.get("/v1/contacts/CRM-1/history?limit=0");
    BOOST_TEST(bad.status == 400);
    BOOST_TEST(json::parse(bad.body)["field"] == "limit");
    BOOST_TEST(c.get("/v1/contacts/CRM-1/history?limit=many").status == 400);

    auto missing = c.get("/v1/contacts/CRM-2/history");
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(json::parse(missing.body)["error"] == "not_found");
    BOOST_TEST(c.get("/v1/contacts/bad%20key/history").status == 404);

    // An offer read back with the new conversation carries the archive without it.
    store::RoutingUpdate offer;
    offer.read_back.push_back(second);
    auto applied = apply(s.store, std::move(offer));
    BOOST_REQUIRE(applied.conversations.size() == 1u);
    const auto& archive = applied.conversations[0].customer_history;
    BOOST_REQUIRE(archive);
    BOOST_REQUIRE(archive->conversations.size() == 1u);
    BOOST_TEST(archive->conversations[0].id == first);
    BOOST_TEST(archive->conversations_total == 1u);

    // Erased, the person's archive keeps the skeleton: no products, no text.
    BOOST_REQUIRE(c.request("DELETE", "/v1/contacts/CRM-1", "", {}).status == 200);
    auto erased = c.get("/v1/contacts/CRM-1/history");
    BOOST_TEST(erased.status == 200, erased.body);
    auto e = json::parse(erased.body);
    BOOST_TEST(e["products"].empty());
    BOOST_REQUIRE(e["conversations"].size() == 2u);
    BOOST_TEST(e["conversations"][1]["subject"] != "The toner leaks all over my desk");
    BOOST_TEST(e["conversations"][1]["rating"] == 2);
}

BOOST_AUTO_TEST_CASE(history_is_refused_and_masked_as_the_contact_read) {
    Server s(
        [](const daemon::http::RoutedRequest& req) {
            daemon::ContactCaller who;
            auto auth = req.http.header("Authorization");
            if (auth == "Bearer sup" || auth == "Bearer masked") {
                who.actor = {"account", "sam", req.http.remote_address};
                who.role = daemon::console::Role::Supervisor;
            } else if (auth == "Bearer agent") {
                who.actor = {"account", "alice", req.http.remote_address};
                who.role = daemon::console::Role::Agent;
            } else {
                who.refused = channels::WebResponse::error(401, "unauthorized", "a token is required");
            }
            return who;
        },
        [](const daemon::http::RoutedRequest& req) {
            return req.http.header("Authorization") == "Bearer masked";
        });
    auto c = s.client();
    auto as = [&](const std::string& token) {
        return c.request("GET", "/v1/contacts/CRM-1/history", "",
                         {{"Authorization", "Bearer " + token}});
    };
    BOOST_TEST(c.get("/v1/contacts/CRM-1/history").status == 401);
    BOOST_TEST(as("agent").status == 403);  // as GET /v1/contacts/{key}: supervisors and up
    BOOST_TEST(as("sup").status == 404);
    auto created = c.request("PUT", "/v1/contacts/CRM-1", R"({"addresses":{"telegram":["123"]}})",
                             {{"Content-Type", "application/json"}, {"Authorization", "Bearer sup"}});
    BOOST_REQUIRE(created.status == 201);
    ingest(s.store, "123", "My card 4111 1111 1111 1111 was charged twice");
    auto plain = json::parse(as("sup").body);
    BOOST_TEST(plain["conversations"][0]["subject"] ==
               "My card 4111 1111 1111 1111 was charged twice");
    auto masked = as("masked");
    BOOST_TEST(masked.status == 200);
    auto m = json::parse(masked.body);
    BOOST_TEST(m["conversations"][0]["subject"] != plain["conversations"][0]["subject"]);
    BOOST_TEST(m["conversations"][0]["subject"].get<std::string>().find("4111 1111 1111 1111") ==
               std::string::npos);
    BOOST_TEST(m["conversations"][0]["channel"] == "telegram");  // not personal
}

BOOST_AUTO_TEST_CASE(put_creates_then_updates_and_get_shows_warranty) {
    Server s;
    auto c = s.client();
    std::string body = R"({"name":"张伟","email":"Zhang@Example.com","phone":"+8613800000000",
        "tier":"vip","locale":"zh-Hans","attributes":{"region":"east"},
        "addresses":{"telegram":["123"]},
        "products":[{"sku":"P-1","name":"Printer","purchased_on":")" +
                       dayFromToday(-30) + R"(","warranty_until":")" + dayFromToday(300) +
                       R"("},{"sku":"OLD","purchased_on":"2019-01-01","warranty_until":"2020-01-01"}]})";
    auto created = put(c, "CRM-1", body);
    BOOST_TEST(created.status == 201, created.body);
    auto cj = json::parse(created.body);
    BOOST_TEST(cj["created"] == true);
    BOOST_TEST(cj["key"] == "CRM-1");
    BOOST_TEST(created.header("Location") == "/v1/contacts/CRM-1");

    auto again = put(c, "CRM-1", R"({"locale":"en"})");
    BOOST_TEST(again.status == 200, again.body);
    auto aj = json::parse(again.body);
    BOOST_TEST(aj["created"] == false);
    BOOST_TEST(aj["id"] == cj["id"]);

    auto got = c.get("/v1/contacts/CRM-1");
    BOOST_TEST(got.status == 200, got.body);
    auto g = json::parse(got.body);
    BOOST_TEST(g["name"] == "张伟");
    BOOST_TEST(g["email"] == "zhang@example.com");
    BOOST_TEST(g["tier"] == "vip");
    BOOST_TEST(g["locale"] == "en");  // updated; everything else kept
    BOOST_TEST(g["attributes"]["region"] == "east");
    BOOST_TEST(g["addresses"]["telegram"][0] == "123");
    BOOST_TEST(g["addresses"]["voice"][0] == "+8613800000000");
    BOOST_TEST(g["addresses"]["email"][0] == "zhang@example.com");
    BOOST_REQUIRE(g["products"].size() == 2u);
    BOOST_TEST(g["products"][0]["in_warranty"] == true);
    BOOST_TEST(g["products"][1]["in_warranty"] == false);
    BOOST_TEST(g["in_warranty"] == true);

    auto missing = c.get("/v1/contacts/CRM-2");
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(json::parse(missing.body)["error"] == "not_found");
    BOOST_TEST(c.get("/v1/contacts/bad%20key").status == 404);
}

BOOST_AUTO_TEST_CASE(bad_requests_name_the_field) {
    Server s;
    auto c = s.client();
    auto field = [&](const std::string& body) {
        auto r = put(c, "K", body);
        BOOST_TEST(r.status == 422, body << " -> " << r.body);
        return json::parse(r.body).value("field", "");
    };
    BOOST_TEST(field(R"({"email":"nope"})") == "email");
    BOOST_TEST(field(R"({"phone":"12345"})") == "phone");
    BOOST_TEST(field(R"({"addresses":{"fax":["1"]}})") == "addresses.fax");
    BOOST_TEST(field(R"({"products":[{"sku":"a","purchased_on":"2024-02-30"}]})") ==
               "products[0].purchased_on");
    BOOST_TEST(field(R"({"products":[{"sku":"a","purchased_on":"2024-02-03",
                                       "warranty_until":"2024-02-01"}]})") ==
               "products[0].warranty_until");
    BOOST_TEST(field(R"({"tier":"Gold Members"})") == "tier");
    BOOST_TEST(field(R"({"colour":"red"})") == "colour");
    auto bad_key = put(c, "a%2Fb", "{}");
    BOOST_TEST(bad_key.status == 422);
    BOOST_TEST(json::parse(bad_key.body)["field"] == "key");
    BOOST_TEST(put(c, "K", "{\"name\":").status == 400);
    BOOST_TEST(put(c, "K", "{}", "text/csv").status == 415);
    BOOST_TEST(c.get("/v1/contacts/K").status == 404);  // nothing was stored
}

BOOST_AUTO_TEST_CASE(the_authorization_hook_decides) {
    Server s([](const daemon::http::RoutedRequest& req) {
        daemon::ContactCaller who;
        if (req.http.header("Authorization") == "Bearer sup") {
            who.actor = {"account", "sam", req.http.remote_address};
            who.role = daemon::console::Role::Supervisor;
        } else {
            who.refused =
                channels::WebResponse::error(401, "unauthorized", "a supervisor token is required");
        }
        return who;
    });
    auto c = s.client();
    BOOST_TEST(put(c, "K", "{}").status == 401);
    BOOST_TEST(c.get("/v1/contacts/K").status == 401);
    auto ok = c.request("PUT", "/v1/contacts/K", "{}",
                        {{"Content-Type", "application/json"}, {"Authorization", "Bearer sup"}});
    BOOST_TEST(ok.status == 201);
    // Erasure and export are for admins.
    auto erase = c.request("DELETE", "/v1/contacts/K", "", {{"Authorization", "Bearer sup"}});
    BOOST_TEST(erase.status == 403);
    auto exported = c.request("GET", "/v1/contacts/K/export", "", {{"Authorization", "Bearer sup"}});
    BOOST_TEST(exported.status == 403);
}
