// provider_standin against real sockets: each provider dialect's success and error answers, the
// script (429 with retry_after, 500, drop, hang, delay), going down and coming back, recording,
// keep-alive reuse, answer delays by timer.
#define BOOST_TEST_MODULE standin_itest
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "tests/support/standin_process.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using ccd::testing::StandinOptions;
using ccd::testing::StandinProcess;

/// One answer, or why there was none.
struct Reply {
    int status = 0;  ///< 0: no answer (`error` says why)
    beast::error_code error;
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
    json doc;  ///< discarded when the body is not JSON
    std::chrono::milliseconds took{0};

    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

/// A keep-alive HTTP/1.1 client with a timeout per request; reconnects when the connection
/// was closed. The tests' own, so that they see timeouts, resets and response headers.
class Client {
  public:
    explicit Client(std::uint16_t port) : port_(port) {}

    Reply send(const std::string& method, const std::string& target, const std::string& body = {},
               std::vector<std::pair<std::string, std::string>> headers = {},
               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        Reply reply;
        auto start = Clock::now();
        if (!stream_ || !open_) connect(reply.error, timeout);
        if (reply.error) return reply;
        http::request<http::string_body> req{http::string_to_verb(method), target, 11};
        req.set(http::field::host, "127.0.0.1");
        bool typed = false;
        for (auto& [k, v] : headers) {
            req.set(k, v);
            typed = typed || beast::iequals(k, "Content-Type");
        }
        if (!body.empty() && !typed) req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        http::response<http::string_body> res;
        beast::error_code result = asio::error::timed_out;
        stream_->expires_after(timeout);
        http::async_write(*stream_, req, [&](beast::error_code ec, std::size_t) {
            if (ec) {
                result = ec;
                return;
            }
            http::async_read(*stream_, buffer_, res,
                             [&](beast::error_code ec, std::size_t) { result = ec; });
        });
        ioc_.restart();
        ioc_.run();
        reply.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        if (result) {
            reply.error = result;
            close();
            return reply;
        }
        reply.status = static_cast<int>(res.result_int());
        for (const auto& f : res) {
            std::string name(f.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            reply.headers[name] = std::string(f.value());
        }
        reply.body = res.body();
        reply.doc = json::parse(reply.body, nullptr, false);
        if (!res.keep_alive()) close();
        return reply;
    }

    Reply postJson(const std::string& target, const json& body,
                   std::vector<std::pair<std::string, std::string>> headers = {},
                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        return send("POST", target, body.dump(), std::move(headers), timeout);
    }

    /// Whether the last request left the connection open.
    bool open() const { return open_; }
    /// How many TCP connections this client has opened.
    int connections() const { return connections_; }

  private:
    void connect(beast::error_code& error, std::chrono::milliseconds timeout) {
        stream_ = std::make_unique<beast::tcp_stream>(ioc_);
        buffer_.clear();
        error = asio::error::timed_out;
        stream_->expires_after(timeout);
        stream_->async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_),
                               [&](beast::error_code ec) { error = ec; });
        ioc_.restart();
        ioc_.run();
        open_ = !error;
        if (open_) ++connections_;
    }

    void close() {
        if (stream_) {
            beast::error_code ignored;
            stream_->socket().close(ignored);
        }
        open_ = false;
    }

    std::uint16_t port_;
    asio::io_context ioc_;
    std::unique_ptr<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
    bool open_ = false;
    int connections_ = 0;
};

long msSince(Clock::time_point t) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

const std::vector<std::pair<std::string, std::string>> kBearer{
    {"Authorization", "Bearer EAAG-test"}};

json waMessage(const std::string& to, const std::string& text) {
    return json{{"messaging_product", "whatsapp"},
                {"recipient_type", "individual"},
                {"to", to},
                {"type", "text"},
                {"text", {{"preview_url", false}, {"body", text}}}};
}

json rules(const std::string& match, json answers) {
    return json{{"rules", json::array({json{{"match", match}, {"answers", std::move(answers)}}})}};
}

/// One stand-in shared by the cases of the suite, started by the first (not at static
/// initialisation, where a failure could not be reported).
StandinProcess& sharedStandin() {
    static StandinProcess standin;
    return standin;
}

/// Each case starts from a reset stand-in, with a fresh client.
struct Fixture {
    Fixture() : standin(sharedStandin()), client(standin.port()) { standin.reset(); }
    StandinProcess& standin;
    Client client;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(standin, Fixture)

BOOST_AUTO_TEST_CASE(telegram_send_message_and_errors) {
    auto r = client.postJson("/bot123456:ABC-DEF/sendMessage",
                             {{"chat_id", 42}, {"text", "Hello"}, {"reply_to_message_id", 7}});
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc["ok"] == true);
    BOOST_TEST(r.doc["result"]["text"] == "Hello");
    BOOST_TEST(r.doc["result"]["chat"]["id"] == 42);
    BOOST_TEST(r.doc["result"]["from"]["id"] == 123456);
    BOOST_TEST(r.doc["result"]["reply_to_message"]["message_id"] == 7);
    BOOST_TEST(r.doc["result"]["date"].is_number_integer());
    auto first = r.doc["result"]["message_id"].get<long>();

    // Form-encoded like the real API accepts; message ids count per chat.
    r = client.send("POST", "/bot123456:ABC-DEF/sendMessage", "chat_id=42&text=second+one%21",
                    {{"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc["result"]["text"] == "second one!");
    BOOST_TEST(r.doc["result"]["message_id"].get<long>() == first + 1);
    r = client.postJson("/bot123456:ABC-DEF/sendMessage", {{"chat_id", "-1001234"}, {"text", "g"}});
    BOOST_TEST(r.doc["result"]["chat"]["type"] == "supergroup");

    r = client.postJson("/bot123456:ABC-DEF/sendMessage", {{"chat_id", 42}, {"text", ""}});
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.doc == json::parse(R"({"ok":false,"error_code":400,
                                        "description":"Bad Request: message text is empty"})"));
    r = client.postJson("/bot123456:ABC-DEF/sendMessage", {{"text", "no chat"}});
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.doc["description"] == "Bad Request: chat_id is empty");

    r = client.postJson("/bot123456:ABC-DEF/sendChatAction",
                        {{"chat_id", 42}, {"action", "typing"}});
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc == json::parse(R"({"ok":true,"result":true})"));
    r = client.postJson("/bot123456:ABC-DEF/sendChatAction",
                        {{"chat_id", 42}, {"action", "dance"}});
    BOOST_TEST(r.status == 400);

    r = client.send("GET", "/bot123456:ABC-DEF/getMe");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc["result"]["is_bot"] == true);
    r = client.send("POST", "/bot123456:ABC-DEF/noSuchMethod");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.doc["description"] == "Not Found");
    BOOST_TEST(client.connections() == 1);  // every answer kept the connection
}

BOOST_AUTO_TEST_CASE(whatsapp_send_and_errors) {
    auto r = client.postJson("/v21.0/106540352242922/messages", waMessage("16505551234", "Hi"));
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.doc["error"]["type"] == "OAuthException");
    BOOST_TEST(r.doc["error"]["code"] == 190);
    BOOST_TEST(r.doc["error"]["fbtrace_id"].is_string());

    r = client.postJson("/v21.0/106540352242922/messages", waMessage("16505551234", "Hi"), kBearer);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc["messaging_product"] == "whatsapp");
    BOOST_TEST(r.doc["contacts"][0]["input"] == "16505551234");
    BOOST_TEST(r.doc["contacts"][0]["wa_id"] == "16505551234");
    std::string id1 = r.doc["messages"][0]["id"];
    BOOST_TEST(id1.rfind("wamid.", 0) == 0);
    r = client.postJson("/v21.0/106540352242922/messages", waMessage("16505551234", "again"),
                        kBearer);
    BOOST_TEST(r.doc["messages"][0]["id"] != id1);

    json tpl{{"messaging_product", "whatsapp"},
             {"to", "16505551234"},
             {"type", "template"},
             {"template", {{"name", "hello_world"}, {"language", {{"code", "en_US"}}}}}};
    r = client.postJson("/v21.0/106540352242922/messages", tpl, kBearer);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc["messages"][0]["message_status"] == "accepted");

    json bad = waMessage("16505551234", "x");
    bad.erase("messaging_product");
    r = client.postJson("/v21.0/106540352242922/messages", bad, kBearer);
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.doc["error"]["code"] == 100);
    bad = waMessage("16505551234", "");
    r = client.postJson("/v21.0/106540352242922/messages", bad, kBearer);
    BOOST_TEST(r.status == 400);

    // Scripted: the provider's own error codes.
    standin.script(
        rules("/messages",
              {{{"status", 429}, {"retry_after", 3}}, {{"code", 131047}}, {{"code", 131026}}}));
    r = client.postJson("/v21.0/106540352242922/messages", waMessage("16505551234", "a"), kBearer);
    BOOST_TEST(r.status == 429);
    BOOST_TEST(r.doc["error"]["code"] == 130429);
    BOOST_TEST(r.doc["error"]["message"] == "(#130429) Rate limit hit");
    BOOST_TEST(r.header("retry-after") == "3");
    r = client.postJson("/v21.0/106540352242922/messages", waMessage("16505551234", "b"), kBearer);
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.doc["error"]["code"] == 131047);
    BOOST_TEST(r.doc["error"]["error_data"]["details"].get<std::string>().find("24 hours") !=
               std::string::npos);
    r = client.postJson("/v21.0/106540352242922/messages", waMessage("16505551234", "c"), kBearer);
    BOOST_TEST(r.doc["error"]["code"] == 131026);
    r = client.postJson("/v21.0/106540352242922/messages", waMessage("16505551234", "d"), kBearer);
    BOOST_TEST(r.status == 200);
}

BOOST_AUTO_TEST_CASE(wechat_tokens_and_custom_send) {
    auto r = client.send("GET", "/cgi-bin/token?grant_type=client_credential&appid=nope&secret=s");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc == json::parse(R"({"errcode":40013,"errmsg":"invalid appid"})"));
    r = client.send("GET", "/cgi-bin/token?grant_type=client_credential&secret=s");
    BOOST_TEST(r.doc["errcode"] == 40013);

    r = client.send("GET",
                    "/cgi-bin/token?grant_type=client_credential&appid=wx1234567890abcdef&"
                    "secret=topsecret");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc["expires_in"] == 7200);
    std::string token = r.doc["access_token"];
    BOOST_TEST(token.size() >= 32u);
    r = client.send("GET",
                    "/cgi-bin/token?grant_type=client_credential&appid=wx1234567890abcdef&"
                    "secret=topsecret");
    BOOST_TEST(r.doc["access_token"] != token);  // a new random token each time

    json text{{"touser", "oDF3iY9ffA-hqb2vVvbr7qxf6A0Q"},
              {"msgtype", "text"},
              {"text", {{"content", "Hello World"}}}};
    r = client.postJson("/cgi-bin/message/custom/send?access_token=" + token, text);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc == json::parse(R"({"errcode":0,"errmsg":"ok"})"));
    r = client.postJson("/cgi-bin/message/custom/send?access_token=made-up", text);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc["errcode"] == 40001);
    BOOST_TEST(r.doc["errmsg"] == "invalid credential, access_token is invalid or not latest");

    standin.expireTokens();
    r = client.postJson("/cgi-bin/message/custom/send?access_token=" + token, text);
    BOOST_TEST(r.doc["errcode"] == 40001);
    r = client.send("GET",
                    "/cgi-bin/token?grant_type=client_credential&appid=wx1234567890abcdef&"
                    "secret=topsecret");
    std::string fresh = r.doc["access_token"];
    r = client.postJson("/cgi-bin/message/custom/send?access_token=" + fresh, text);
    BOOST_TEST(r.doc["errcode"] == 0);

    // Scripted WeChat errors are HTTP 200 with the errcode, like WeChat answers them.
    standin.script(
        rules("custom/send", {{{"errcode", 45015}}, {{"status", 200}, {"errcode", -1}}}));
    r = client.postJson("/cgi-bin/message/custom/send?access_token=" + fresh, text);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.doc["errcode"] == 45015);
    BOOST_TEST(r.doc["errmsg"] == "response out of time limit or subscription is canceled");
    r = client.postJson("/cgi-bin/message/custom/send?access_token=" + fresh, text);
    BOOST_TEST(r.doc == json::parse(R"({"errcode":-1,"errmsg":"system error"})"));
}

BOOST_AUTO_TEST_CASE(webhook_callbacks) {
    auto r = client.postJson("/callback/crm", {{"text", "hi"}});
    BOOST_TEST(r.status == 200);
    std::string a = r.doc["id"];
    r = client.postJson("/callback/crm/other", {{"text", "hi"}});
    std::string b = r.doc["id"];
    BOOST_TEST(a.rfind("cb-", 0) == 0);
    BOOST_TEST(std::stoi(b.substr(3)) == std::stoi(a.substr(3)) + 1);
    r = client.send("GET", "/nowhere");
    BOOST_TEST(r.status == 404);
}

BOOST_AUTO_TEST_CASE(script_429_500_drop_hang_delay_then_normal) {
    standin.script(json::parse(R"({"rules":[{"match":"sendMessage","answers":[
        {"status":429,"retry_after":2,"times":2},
        {"status":500,"times":1},
        {"drop":true,"times":1},
        {"hang":true,"times":1},
        {"delay_ms":300,"times":1},
        {"status":403,"description":"Forbidden: bot was blocked by the user","times":1}]}]})"));
    const std::string target = "/bot1:T/sendMessage";
    const json msg{{"chat_id", 5}, {"text", "x"}};

    for (int i = 0; i < 2; ++i) {
        auto r = client.postJson(target, msg);
        BOOST_TEST(r.status == 429);
        BOOST_TEST(r.header("retry-after") == "2");
        BOOST_TEST(r.doc == json::parse(R"({"ok":false,"error_code":429,
            "description":"Too Many Requests: retry after 2","parameters":{"retry_after":2}})"));
    }
    auto r = client.postJson(target, msg);
    BOOST_TEST(r.status == 500);
    BOOST_TEST(r.header("content-type") == "text/plain");

    r = client.postJson(target, msg);  // dropped: the connection closes with no answer
    BOOST_TEST(r.status == 0);
    BOOST_TEST((r.error == http::error::end_of_stream), r.error.message());

    r = client.postJson(target, msg, {}, std::chrono::milliseconds(300));  // hangs: we give up
    BOOST_TEST(r.status == 0);
    BOOST_TEST((r.error == beast::error::timeout), r.error.message());
    BOOST_TEST(r.took.count() >= 290);

    r = client.postJson(target, msg);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.took.count() >= 290);

    r = client.postJson(target, msg);
    BOOST_TEST(r.status == 403);
    BOOST_TEST(r.doc["description"] == "Forbidden: bot was blocked by the user");

    r = client.postJson(target, msg);  // the script is used up
    BOOST_TEST(r.status == 200);
    // Another endpoint was never scripted.
    r = client.postJson("/bot1:T/sendChatAction", {{"chat_id", 5}, {"action", "typing"}});
    BOOST_TEST(r.status == 200);

    auto recorded = standin.requests(0, "sendMessage");
    std::vector<int> statuses;
    std::vector<std::string> outcomes;
    for (const auto& q : recorded) {
        statuses.push_back(q["status"]);
        outcomes.push_back(q["outcome"]);
    }
    BOOST_TEST(statuses == (std::vector<int>{429, 429, 500, 0, 0, 200, 403, 200}),
               boost::test_tools::per_element());
    BOOST_TEST(outcomes[3] == "dropped");
    BOOST_TEST(outcomes[4] == "hung");
    BOOST_TEST(standin.waitForRequests(8, "sendMessage").size() == 8u);
    auto s = standin.stats();
    BOOST_TEST(s["dropped"] == 1);
    BOOST_TEST(s["hung"] == 1);
    BOOST_TEST(s["by_status"]["429"] == 2);
    BOOST_TEST(s["requests"] == 9);
    auto left = standin.currentScript();
    BOOST_TEST(left["rules"][0]["answers"][0]["left"] == 0);
}

BOOST_AUTO_TEST_CASE(script_is_validated) {
    BOOST_CHECK_THROW(standin.script(rules("x", {{{"stauts", 429}}})), std::runtime_error);
    BOOST_CHECK_THROW(standin.script(json{{"rule", json::array()}}), std::runtime_error);
    BOOST_CHECK_THROW(standin.script(rules("x", {{{"drop", true}, {"hang", true}}})),
                      std::runtime_error);
    // times < 0: forever.
    standin.script(rules("callback", {{{"status", 503}, {"times", -1}}}));
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(client.postJson("/callback/a", json::object()).status == 503);
}

BOOST_AUTO_TEST_CASE(down_refuses_then_comes_back_on_the_same_port) {
    auto r = client.postJson("/callback/before", json::object());
    BOOST_TEST(r.status == 200);
    BOOST_TEST(client.open());

    auto start = Clock::now();
    standin.down(1.0);
    // The kept-alive connection was reset, and new connections are refused.
    r = client.postJson("/callback/during", json::object(), {}, std::chrono::milliseconds(500));
    BOOST_TEST(r.status == 0);
    BOOST_TEST((r.error == asio::error::connection_refused ||
                r.error == asio::error::connection_reset || r.error == http::error::end_of_stream),
               r.error.message());
    Client fresh(standin.port());
    r = fresh.postJson("/callback/during", json::object(), {}, std::chrono::milliseconds(500));
    BOOST_TEST((r.error == asio::error::connection_refused), r.error.message());

    BOOST_TEST(standin.waitUntilUp(std::chrono::seconds(5)));
    BOOST_TEST(msSince(start) >= 900);
    r = client.postJson("/callback/after", json::object());
    BOOST_TEST(r.status == 200);
    auto recorded = standin.requests();
    BOOST_TEST(recorded.size() == 2u);  // nothing reached it while it was down
    BOOST_TEST(recorded.back()["target"] == "/callback/after");
}

BOOST_AUTO_TEST_CASE(down_drops_answers_in_flight) {
    standin.script(rules("slow", {{{"delay_ms", 3000}}}));
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        standin.down(0.5);
    });
    auto r = client.postJson("/callback/slow", json::object());
    t.join();
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.took.count() < 2000);
    BOOST_TEST(standin.waitUntilUp());
    auto recorded = standin.requests(0, "slow");
    BOOST_TEST(recorded.size() == 1u);
    BOOST_TEST(recorded[0]["outcome"] == "dropped");
    BOOST_TEST(standin.stats()["in_flight"] == 0);
}

BOOST_AUTO_TEST_CASE(records_requests_and_resets) {
    auto r = client.postJson("/v21.0/42/messages", waMessage("4915112345678", "recorded"), kBearer);
    BOOST_TEST(r.status == 200);
    client.postJson("/callback/one", {{"n", 1}});
    auto all = standin.requests();
    BOOST_TEST_REQUIRE(all.size() == 2u);
    const auto& q = all[0];
    BOOST_TEST(q["method"] == "POST");
    BOOST_TEST(q["target"] == "/v21.0/42/messages");
    BOOST_TEST(q["dialect"] == "whatsapp");
    BOOST_TEST(q["headers"]["Authorization"] == "Bearer EAAG-test");
    BOOST_TEST(json::parse(q["body"].get<std::string>())["text"]["body"] == "recorded");
    BOOST_TEST(q["status"] == 200);
    BOOST_TEST(q["outcome"] == "answered");
    BOOST_TEST(q["at_ms"].get<long long>() > 1'600'000'000'000LL);
    BOOST_TEST(q["answered_ms"].get<long long>() >= q["at_ms"].get<long long>());
    // since= is exclusive; match= filters on the target.
    auto later = standin.requests(q["seq"].get<std::uint64_t>());
    BOOST_TEST_REQUIRE(later.size() == 1u);
    BOOST_TEST(later[0]["target"] == "/callback/one");
    BOOST_TEST(standin.requests(0, "/callback/").size() == 1u);
    // The control API is not recorded.
    BOOST_TEST(standin.stats()["requests"] == 2);

    auto last = later[0]["seq"].get<std::uint64_t>();
    standin.reset();
    BOOST_TEST(standin.requests().empty());
    BOOST_TEST(standin.stats()["requests"] == 0);
    client.postJson("/callback/two", json::object());
    auto again = standin.requests();
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0]["seq"].get<std::uint64_t>() > last);  // seqs are never reused
}

BOOST_AUTO_TEST_CASE(keep_alive_connections_are_reused) {
    for (int i = 0; i < 5; ++i) {
        auto r = client.postJson("/bot9:K/sendMessage", {{"chat_id", 1}, {"text", "k"}});
        BOOST_TEST(r.status == 200);
        BOOST_TEST(r.header("connection") != "close");
    }
    BOOST_TEST(client.connections() == 1);
    std::set<long> conns;
    for (const auto& q : standin.requests(0, "/bot9:")) conns.insert(q["conn"].get<long>());
    BOOST_TEST(conns.size() == 1u);
    // Connection: close is honoured.
    auto r = client.send("POST", "/callback/close", "{}", {{"Connection", "close"}});
    BOOST_TEST(r.status == 200);
    BOOST_TEST(!client.open());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(delays_by_timer_with_many_in_flight_and_meta_recording) {
    StandinOptions options;
    options.delay_ms = 200;
    options.record = "meta";
    options.threads = 2;
    StandinProcess slow(options);
    constexpr int kClients = 40;
    std::vector<Reply> replies(kClients);
    auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
        threads.emplace_back([&, i] {
            Client c(slow.port());
            replies[i] = c.postJson("/bot1:D/sendMessage", {{"chat_id", i + 1}, {"text", "d"}});
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& r : replies) {
        BOOST_TEST(r.status == 200);
        BOOST_TEST(r.took.count() >= 190);
    }
    // One thread per client, one answer timer each: concurrently, not one after the other.
    BOOST_TEST(msSince(start) < 2000);
    auto s = slow.stats();
    BOOST_TEST(s["max_in_flight"].get<int>() >= kClients / 2);
    BOOST_TEST(s["by_status"]["200"] == kClients);
    // The control API is never delayed.
    auto t0 = Clock::now();
    auto recorded = slow.requests();
    BOOST_TEST(msSince(t0) < 150);
    BOOST_TEST_REQUIRE(recorded.size() == static_cast<std::size_t>(kClients));
    BOOST_TEST(recorded[0]["body"].is_null());  // meta keeps no bodies
    BOOST_TEST(recorded[0]["headers"].is_null());
    BOOST_TEST(recorded[0]["target"] == "/bot1:D/sendMessage");
    BOOST_TEST(slow.stop().empty());
}

BOOST_AUTO_TEST_CASE(configured_wechat_app_and_command_line) {
    StandinOptions options;
    options.wechat_apps = {"wxabc:s3cret"};
    StandinProcess wx(options);
    Client c(wx.port());
    auto r = c.send("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxabc&secret=s3cret");
    BOOST_TEST(r.doc["expires_in"] == 7200);
    r = c.send("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxother&secret=s3cret");
    BOOST_TEST(r.doc["errcode"] == 40013);
    r = c.send("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxabc&secret=wrong");
    BOOST_TEST(r.doc["errcode"] == 40125);
    BOOST_TEST(wx.stop().empty());  // SIGTERM: exits 0

    options = {};
    options.record = "sideways";
    BOOST_CHECK_THROW(StandinProcess bad(options), std::runtime_error);
}
