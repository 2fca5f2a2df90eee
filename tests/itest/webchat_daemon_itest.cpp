// The web chat against the real daemon: the `ccd` binary (real engine, SQLite store, shipped
// rules and templates) on free ports with two `type: webchat` instances, driven by real
// websocket clients (the customer) and the console (the agent). docs/webchat-protocol.md.
//
// Arguments (after `--`): the ccd binary and the repository root; without them, the paths
// compiled in by tests/console.cmake.
//   webchat_daemon_itest -- build/daemon/ccd /path/to/repo

#include "tests/support/ccd_process.hpp"

#define BOOST_TEST_MODULE webchat_daemon_itest
#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/console_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_argument.hpp"

using ccd::testing::ConsoleClient;
using ccd::testing::readFile;
using ccd::testing::replaceLine;
using ccd::testing::writeFile;
using ccd::testing::argument;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kPassword = "webchat itest password 1";
const std::string kOrigin = "https://shop.example";
const std::string kProblem = "my printer is broken, it shows error E05";

std::string ccdBinary() {
#ifdef CCD_EXECUTABLE
    return argument(1, CCD_EXECUTABLE);
#else
    return argument(1, "");
#endif
}

std::string repoRoot() { return argument(2, CCD_SOURCE_DIR); }

std::string g_password_hash;  // one argon2id hash, made once by `ccd agent passwd`

std::string accountsYaml(const std::string& hash) {
    return "accounts:\n"
           "  - name: alice\n"
           "    role: agent\n"
           "    skills: [general, technical, billing, returns]\n"
           "    languages: [en, zh-Hans, zh-Hant]\n"
           "    capacity: {voice: 1, chat: 3, messaging: 5, email: 5}\n"
           "    password_hash: " + hash + "\n"
           "  - name: sam\n"
           "    role: supervisor\n"
           "    skills: [general, supervisor]\n"
           "    languages: [en]\n"
           "    capacity: {voice: 1, chat: 2, messaging: 5, email: 5}\n"
           "    password_hash: " + hash + "\n";
}

/// The real ccd with two web chat instances: `web` (the shop's origin, 5 messages a minute,
/// 1 KiB frames) and `short` (tokens for 1 s, 2 sessions per address an hour, 3 websockets).
struct Daemon {
    /// `closed_today`: the shipped calendar (Asia/Shanghai) has today and tomorrow as holidays.
    explicit Daemon(bool closed_today = false) {
        try {
            configure(closed_today);
            ccd.start();
            web_port = webchatPort("web");
            short_port = webchatPort("short");
        } catch (...) {
            ccd.stop();
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
            throw;
        }
    }
    ~Daemon() {
        std::string problem = ccd.stop();
        const auto& results = boost::unit_test::results_collector.results(
            boost::unit_test::framework::current_test_case().p_id);
        if (!problem.empty() || results.p_assertions_failed > results.p_expected_failures)
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
        BOOST_CHECK_MESSAGE(problem.empty(), problem);
    }

    void configure(bool closed_today) {
        if (binary.empty() || !fs::exists(binary))
            throw std::runtime_error("no ccd binary at \"" + binary + "\"");
        auto config = dir.path() / "config";
        auto ccd_yaml = config / "ccd.yaml";
        std::string text = ccd::testing::shippedConfigForTest(fs::path(repoRoot()), dir.path());
        text = replaceLine(
            text, "channels:",
            "channels:\n"
            "  - {name: web, type: webchat, port: 0, allowed_origins: [" + kOrigin + "],\n"
            "     messages_per_minute: 5, max_frame_bytes: 1KiB, order_field: Order number}\n"
            "  - {name: short, type: webchat, port: 0, session_ttl: 1s,\n"
            "     sessions_per_address_per_hour: 2, max_connections: 3}");
        // The test's own address is a trusted proxy: a websocket with X-Forwarded-For stands
        // for the client it names (trusted_proxy_clients_have_their_own_session_quota).
        text = replaceLine(text, "server:", "server:\n  trusted_proxies: [127.0.0.1]");
        writeFile(ccd_yaml, text);
        if (closed_today) {
            auto day = [](int plus) {
                auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() +
                                                              std::chrono::hours(8 + 24 * plus));
                char buf[16];
                std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
                return std::string(buf);
            };
            auto routing = config / "routing.yaml";
            writeFile(routing, replaceLine(readFile(routing), "    holidays:",
                                           "    holidays: [" + day(0) + ", " + day(1) + "]"));
        }
        auto agents_yaml = config / "agents.yaml";
        if (g_password_hash.empty()) {
            writeFile(agents_yaml, accountsYaml("\"\""));
            g_password_hash = ccd::testing::passwordHash(binary, ccd_yaml, dir.path(), "alice",
                                                         kPassword, ccd.logPath());
        }
        writeFile(agents_yaml, accountsYaml(g_password_hash));
    }

    std::uint16_t webchatPort(const std::string& name) {
        std::regex re("webchat " + name + R"(: listening on ws://[0-9.]+:([0-9]+)/)");
        std::smatch m;
        auto log = ccd.log();
        if (!std::regex_search(log, m, re)) throw std::runtime_error("no webchat " + name + " port");
        return static_cast<std::uint16_t>(std::stoi(m[1]));
    }

    std::string login(const std::string& name) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/auth/login",
                                           json{{"name", name}, {"password", kPassword}}.dump());
        if (r.status != 200) throw std::runtime_error("login: " + r.text);
        return r.body.at("token").get<std::string>();
    }

    std::unique_ptr<ConsoleClient> agent(const std::string& name) {
        auto c = std::make_unique<ConsoleClient>(ccd.consolePort(), login(name));
        BOOST_REQUIRE(c->open());
        c->expect("hello");
        c->ok({{"type", "presence"}, {"presence", "available"}});
        return c;
    }

    std::unique_ptr<ConsoleClient> customer(std::uint16_t port, const std::string& origin = kOrigin) {
        auto c = std::make_unique<ConsoleClient>(port, "", "/", origin);
        BOOST_REQUIRE_MESSAGE(c->open(), "upgrade " << c->upgradeStatus() << " " << c->error());
        return c;
    }

    /// A started session's token.
    std::string start(ConsoleClient& c, json fields = {{"name", "Ann Example"}}) {
        fields["type"] = "start";
        BOOST_REQUIRE(c.send(fields));
        auto s = c.expect("session");
        BOOST_TEST(s["resumed"] == false);
        return s["token"].get<std::string>();
    }

    /// Sends a message and returns its ack.
    json say(ConsoleClient& c, const std::string& id, const std::string& text) {
        BOOST_REQUIRE(c.send({{"type", "message"}, {"id", id}, {"text", text}}));
        auto a = c.take([&](const json& f) { return f.contains("id") && f["id"] == id; });
        BOOST_REQUIRE_MESSAGE(a, "no answer to message " << id << ":" << c.pending());
        return *a;
    }

    json conversation(std::int64_t id) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "GET",
                                           "/v1/conversations/" + std::to_string(id), {},
                                           login("sam"));
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.text);
        return r.body;
    }

    ccd::testing::TempDir dir;
    std::string binary = ccdBinary();
    ccd::testing::CcdProcess ccd{binary, (dir.path() / "config" / "ccd.yaml").string(),
                                 (dir.path() / "ccd.log").string()};
    std::uint16_t web_port = 0;
    std::uint16_t short_port = 0;
};

std::size_t count(const json& messages, const std::string& direction, const std::string& text) {
    std::size_t n = 0;
    for (const auto& m : messages) n += m["direction"] == direction && m["text"] == text;
    return n;
}

}  // namespace

// Start, a message into the engine, the agent accepts (agent_joined), types and answers (the
// reply arrives live, its HTML escaped); the customer reconnects with the token and gets the
// history once, a resend of the same client id is stored once; end and survey (the rating).
BOOST_FIXTURE_TEST_CASE(chat_with_an_agent, Daemon) {
    auto alice = agent("alice");
    auto ann = customer(web_port);
    auto token = start(*ann, {{"name", "Ann Example"},
                              {"email", "ann@example.com"},
                              {"locale", "en"},
                              {"order", "SO-1234"}});

    auto ack = say(*ann, "m1", kProblem);
    BOOST_REQUIRE_MESSAGE(ack["type"] == "ack", ack.dump());
    BOOST_TEST(ack["duplicate"] == false);
    auto first_id = ack["message_id"].get<std::int64_t>();

    auto offer = alice->expect("offer");
    auto conv = offer["conversation_id"].get<std::int64_t>();
    BOOST_TEST(offer["channel"] == "webchat");
    BOOST_TEST(offer["customer"]["name"] == "Ann Example");
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    auto joined = ann->expect("agent_joined");
    BOOST_TEST(joined["agent"] == "alice");

    alice->ok({{"type", "typing"}, {"conversation_id", conv}});
    BOOST_TEST(ann->expect("typing")["agent"] == "alice");
    // The customer types (three key strokes): alice is shown it, once for the burst.
    for (int i = 0; i < 3; ++i) BOOST_REQUIRE(ann->send({{"type", "typing"}}));
    auto typing = alice->expect("customer_typing", conv);
    BOOST_TEST(!typing.contains("seq"));

    const std::string answer = "Hello Ann, please restart it <b>now</b> & wait.";
    alice->ok({{"type", "reply"}, {"conversation_id", conv}, {"text", answer}});
    auto reply = ann->take([&](const json& f) { return f["type"] == "message" && f["text"] == answer; });
    BOOST_REQUIRE_MESSAGE(reply, "no reply:" << ann->pending());
    // The reply came after the burst's frames were read: a second indicator would be here.
    BOOST_TEST(!alice->has(ConsoleClient::matching("customer_typing")), alice->pending());
    BOOST_TEST((*reply)["author"] == "agent");
    BOOST_TEST((*reply)["agent"] == "alice");
    BOOST_TEST((*reply)["html"] == "Hello Ann, please restart it &lt;b&gt;now&lt;/b&gt; &amp; wait.");

    // A reload of the page: the same token, the whole history, each message once.
    ann->close();
    auto again = customer(web_port);
    BOOST_REQUIRE(again->send({{"type", "resume"}, {"token", token}}));
    auto resumed = again->expect("session");
    BOOST_TEST(resumed["resumed"] == true);
    BOOST_TEST(resumed["conversation_id"] == conv);
    auto history = again->expect("history")["messages"];
    BOOST_TEST(count(history, "in", kProblem) == 1u, history.dump());
    BOOST_TEST(count(history, "out", answer) == 1u, history.dump());
    for (const auto& m : history)
        if (m["direction"] == "in") BOOST_TEST(m["client_id"] == "m1");

    // The widget sends m1 again (it had no ack before the reload): stored once.
    auto repeat = say(*again, "m1", kProblem);
    BOOST_TEST(repeat["type"] == "ack");
    BOOST_TEST(repeat["duplicate"] == true);
    BOOST_TEST(repeat["message_id"] == first_id);
    auto read = conversation(conv);
    BOOST_TEST(count(read["messages"], "in", kProblem) == 1u);
    BOOST_TEST(read["channel_ref"] == "SO-1234");
    BOOST_TEST(read["contact"]["email"] == "ann@example.com");

    // A resume from after the last message seen gets nothing again.
    auto third = customer(web_port);
    BOOST_REQUIRE(third->send({{"type", "resume"}, {"token", token}, {"after", (*reply)["message_id"]}}));
    third->expect("session");
    BOOST_TEST(third->expect("history")["messages"].empty());
    // One live connection per session: the newer one takes over.
    for (int i = 0; i < 100 && again->open(); ++i) std::this_thread::sleep_for(20ms);
    BOOST_TEST(again->closeCode() == 4002);
    BOOST_REQUIRE(third->send({{"type", "end"}}));
    auto ended = third->expect("ended");
    BOOST_TEST(ended["survey"] == true);
    BOOST_REQUIRE(third->send({{"type", "survey"}, {"stars", 4}, {"comment", "quick, thanks"}}));
    BOOST_TEST(third->expect("ack")["id"] == "survey");
    BOOST_TEST(conversation(conv)["rating"] == 4);

    BOOST_REQUIRE(third->send({{"type", "survey"}, {"stars", 9}}));
    BOOST_TEST(third->expect("error")["field"] == "stars");
}

struct ClosedToday : Daemon {
    ClosedToday() : Daemon(true) {}
};

// Nobody there (a holiday): the after-hours answer with the next opening time arrives live, and
// the customer leaves an email address, recorded on the contact for an answer by email.
BOOST_FIXTURE_TEST_CASE(after_hours, ClosedToday) {
    auto bo = customer(web_port);
    start(*bo, {{"name", "Bo"}, {"locale", "en"}});
    auto ack = say(*bo, "h1", kProblem);
    BOOST_REQUIRE(ack["type"] == "ack");
    auto queued = bo->expect("queue");  // nobody is logged in: it waits
    BOOST_TEST(queued["position"] == 1);
    BOOST_TEST(queued["expected_wait_seconds"].is_null());  // no handle times yet
    auto answer = bo->take([](const json& f) { return f["type"] == "message"; });
    BOOST_REQUIRE_MESSAGE(answer, "no automatic answer:" << bo->pending());
    BOOST_TEST((*answer)["author"] == "auto");
    BOOST_TEST((*answer)["text"].get<std::string>().find("we are back") != std::string::npos,
               (*answer)["text"]);

    BOOST_REQUIRE(bo->send({{"type", "contact"}, {"email", "not an address"}}));
    BOOST_TEST(bo->expect("error")["field"] == "email");
    auto before = conversation(ack["conversation_id"].get<std::int64_t>());
    // ccd's words "Please answer by email: …" are not classified: an address that reads as a
    // hazard neither makes the conversation P1 nor moves it to another queue.
    const std::string address = "sparks-and-smoke@example.com";
    BOOST_REQUIRE(bo->send({{"type", "contact"}, {"email", address}}));
    auto stored = bo->take([](const json& f) { return f["type"] == "ack"; });
    BOOST_REQUIRE_MESSAGE(stored, bo->pending());
    BOOST_TEST((*stored)["conversation_id"] == ack["conversation_id"]);
    auto read = conversation(ack["conversation_id"].get<std::int64_t>());
    BOOST_TEST(read["contact"]["email"] == address);
    BOOST_TEST(count(read["messages"], "in", "Please answer by email: " + address) == 1u);
    BOOST_REQUIRE(before["routing"].is_object());
    // The engine routes after the ack: watch the conversation for a second.
    for (int i = 0; i < 10; ++i) {
        const auto routing = conversation(ack["conversation_id"].get<std::int64_t>())["routing"];
        BOOST_TEST_REQUIRE(routing["priority"] == before["routing"]["priority"], routing.dump());
        BOOST_TEST_REQUIRE(routing["queue"] == before["routing"]["queue"], routing.dump());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// A photo of the fault over HTTP with the session's token: checked by type, size and content,
// stored with the conversation, its bytes served to the console; a resend is stored once.
BOOST_FIXTURE_TEST_CASE(photo_upload, Daemon) {
    auto cy = customer(web_port);
    auto token = start(*cy, {{"name", "Cy"}});
    const std::string png("\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0"
                          "\x90wS\xDE\0\0\0\x0CIDATx\x9C" "c\xF8\xCF\xC0\0\0\x03\x01\x01\0"
                          "\xC9\xFE\x92\xEF\0\0\0\0IEND\xAE\x42\x60\x82", 69);
    ccd::testing::HttpClient http(ccd.httpPort());
    auto up = [&](const std::string& target, const std::string& type, const std::string& body,
                  const std::string& tok) {
        return http.request("POST", target, body,
                            {{"Content-Type", type}, {"Authorization", "Bearer " + tok}});
    };
    auto ok = up("/chat/upload/web?id=p1&name=broken%20screen.png", "image/png", png, token);
    BOOST_REQUIRE_MESSAGE(ok.status == 202, ok.status << " " << ok.body);
    auto stored = json::parse(ok.body);
    BOOST_TEST(stored["duplicate"] == false);
    auto conv = stored["conversation_id"].get<std::int64_t>();
    auto again = up("/chat/upload/web?id=p1&name=broken%20screen.png", "image/png", png, token);
    BOOST_TEST(json::parse(again.body)["duplicate"] == true);

    BOOST_TEST(up("/chat/upload/web?id=p2&name=x.jpg", "image/jpeg", "not a jpeg at all", token).status == 422);
    BOOST_TEST(up("/chat/upload/web?id=p3&name=x.exe", "application/x-msdownload", "MZ", token).status == 415);
    BOOST_TEST(up("/chat/upload/web?id=p4&name=x.png", "image/png", "", token).status == 400);
    BOOST_TEST(up("/chat/upload/web?id=p5&name=x.png", "image/png", png, "bad-token").status == 401);
    BOOST_TEST(up("/chat/upload/nope?id=p6", "image/png", png, token).status == 404);
    auto preflight = http.request("OPTIONS", "/chat/upload/web", {}, {{"Origin", kOrigin}});
    BOOST_TEST(preflight.status == 204);
    BOOST_TEST(preflight.header("Access-Control-Allow-Origin") == kOrigin);

    auto read = conversation(conv);
    json photo;
    for (const auto& m : read["messages"])
        if (!m["attachments"].empty()) photo = m["attachments"][0];
    BOOST_REQUIRE_MESSAGE(photo.is_object(), read["messages"].dump());
    BOOST_TEST(photo["file_name"] == "broken screen.png");
    BOOST_TEST(photo["mime_type"] == "image/png");
    BOOST_TEST(photo["size"] == 69);
    auto bytes = ccd::testing::httpRequest(ccd.httpPort(), "GET",
                                           photo["content_url"].get<std::string>(), {},
                                           login("sam"));
    BOOST_TEST(bytes.status == 200);
    BOOST_TEST(bytes.text == png);

    // The history shows the file to the customer.
    auto back = customer(web_port);
    BOOST_REQUIRE(back->send({{"type", "resume"}, {"token", token}}));
    back->expect("session");
    auto history = back->expect("history")["messages"];
    std::size_t files = 0;  // the photo once (with the automatic answer it got)
    for (const auto& m : history) {
        if (!m.contains("attachments")) continue;
        ++files;
        BOOST_TEST(m["author"] == "customer");
        BOOST_TEST(m["client_id"] == "p1");
        BOOST_TEST(m["attachments"][0]["name"] == "broken screen.png");
    }
    BOOST_TEST(files == 1u, history.dump());
}

// The widget's files and settings on the HTTP listener; no webhook route for the instance.
BOOST_FIXTURE_TEST_CASE(widget_files, Daemon) {
    auto get = [&](const std::string& target) {
        return ccd::testing::httpRequest(ccd.httpPort(), "GET", target);
    };
    auto js = get("/chat/widget.js");
    BOOST_TEST(js.status == 200);
    BOOST_TEST(js.text.find("attachShadow") != std::string::npos);
    auto demo = get("/chat/demo");
    BOOST_TEST(demo.status == 200);
    BOOST_TEST(demo.text.find("/chat/widget.js") != std::string::npos);
    BOOST_TEST(get("/chat/widget.css").status == 200);
    auto config = get("/chat/config/web");
    BOOST_TEST(config.status == 200);
    BOOST_TEST(config.body["websocket_port"] == web_port);
    BOOST_TEST(config.body["order_field"] == "Order number");
    BOOST_TEST(get("/chat/config/nope").status == 404);
    BOOST_TEST(get("/chat/..%2Fccd.yaml").status == 404);
    auto post = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/webhooks/webchat/web",
                                          R"({"from":{"id":"x"},"text":"forged"})");
    BOOST_TEST(post.status == 405);
}

// server.trusted_proxies: a load balancer's websocket is rated by the client its upgrade's
// X-Forwarded-For names, not by the balancer's own address. (Without the header, the peer.)
BOOST_FIXTURE_TEST_CASE(trusted_proxy_clients_have_their_own_session_quota, Daemon) {
    // `short`: two sessions per address an hour, three open websockets in all.
    auto via = [&](const std::string& client) {
        return std::make_unique<ConsoleClient>(short_port, "", "/", "", client);
    };
    auto one = via("198.51.100.1");
    auto two = via("198.51.100.1");
    BOOST_REQUIRE(one->open() && two->open());
    start(*one);
    start(*two);
    auto three = via("198.51.100.1");
    BOOST_REQUIRE(three->open());
    BOOST_REQUIRE(three->send({{"type", "start"}, {"name", "Third"}}));
    BOOST_TEST(three->expect("error")["code"] == "rate_limited");  // and closed (1008)
    for (int i = 0; i < 100 && three->open(); ++i) std::this_thread::sleep_for(20ms);
    // Another customer behind the same balancer has a quota of their own.
    std::unique_ptr<ConsoleClient> other;
    for (int i = 0; i < 50 && !(other && other->open()); ++i) {
        if (other) std::this_thread::sleep_for(20ms);
        other = via("198.51.100.2");
    }
    BOOST_REQUIRE(other->open());
    start(*other);
}

// The safety limits: origin, frame size, message rate, sessions per address, an expired token,
// bad frames.
BOOST_FIXTURE_TEST_CASE(limits, Daemon) {
    // Another website's page may not open the shop's chat.
    ConsoleClient evil(web_port, "", "/", "https://evil.example");
    BOOST_TEST(!evil.open());
    BOOST_TEST(evil.upgradeStatus() == 403);

    // A frame over max_frame_bytes (1 KiB) closes the connection with 1009.
    auto big = customer(web_port);
    start(*big);
    BOOST_REQUIRE(big->send({{"type", "message"}, {"id", "b1"}, {"text", std::string(2000, 'x')}}));
    for (int i = 0; i < 100 && big->open(); ++i) std::this_thread::sleep_for(20ms);
    BOOST_TEST(!big->open());
    BOOST_TEST(big->closeCode() == 1009);

    // Five messages a minute per session: the sixth is refused and not stored.
    auto chatty = customer(web_port);
    start(*chatty);
    for (int i = 1; i <= 5; ++i)
        BOOST_TEST(say(*chatty, "r" + std::to_string(i), "question " + std::to_string(i))["type"] == "ack");
    auto refused = say(*chatty, "r6", "question 6");
    BOOST_TEST(refused["type"] == "error");
    BOOST_TEST(refused["code"] == "rate_limited");

    // Bad frames are answered, not fatal.
    BOOST_REQUIRE(chatty->sendText("not json"));
    BOOST_TEST(chatty->expect("error")["code"] == "bad_request");
    BOOST_REQUIRE(chatty->send({{"type", "message"}, {"id", "bad id!"}, {"text", "x"}}));
    BOOST_TEST(chatty->expect("error")["field"] == "id");
    auto nameless = customer(web_port);
    BOOST_REQUIRE(nameless->send({{"type", "start"}, {"email", "x@example.com"}}));
    BOOST_TEST(nameless->expect("error")["field"] == "name");

    // `short`: two sessions per address an hour; tokens valid for one second.
    auto one = customer(short_port, "");
    auto token = start(*one);
    BOOST_TEST(say(*one, "s1", "hello")["type"] == "ack");
    auto two = customer(short_port, "");
    start(*two);
    auto three = customer(short_port, "");
    BOOST_REQUIRE(three->send({{"type", "start"}, {"name", "Third"}}));
    BOOST_TEST(three->expect("error")["code"] == "rate_limited");  // and closed (1008)
    // `short` takes three open websockets in all: a fourth is refused until one closes.
    for (int i = 0; i < 100 && three->open(); ++i) std::this_thread::sleep_for(20ms);
    std::unique_ptr<ConsoleClient> idle;  // the third, once ccd has seen `three` go
    for (int i = 0; i < 50 && !(idle && idle->open()); ++i) {
        if (idle) std::this_thread::sleep_for(20ms);
        idle = std::make_unique<ConsoleClient>(short_port, "", "/", "");
    }
    BOOST_REQUIRE(idle->open());
    ConsoleClient fourth(short_port, "", "/", "");
    BOOST_TEST(!fourth.open());
    BOOST_TEST(fourth.upgradeStatus() == 503);
    one->close();

    std::this_thread::sleep_for(1500ms);  // the token's lifetime passes: nothing to await
    auto late = customer(short_port, "");
    BOOST_REQUIRE(late->send({{"type", "resume"}, {"token", token}}));
    BOOST_TEST(late->expect("error")["code"] == "invalid_token");
    for (int i = 0; i < 100 && late->open(); ++i) std::this_thread::sleep_for(20ms);
    BOOST_TEST(late->closeCode() == 4001);
}

// A reload adds an instance: its listener binds and its customers chat at once; a reload that
// removes it closes them (1001) and stops listening.
BOOST_FIXTURE_TEST_CASE(a_reload_adds_and_removes_an_instance, Daemon) {
    auto ccd_yaml = dir.path() / "config" / "ccd.yaml";
    const auto before = readFile(ccd_yaml);
    writeFile(ccd_yaml, replaceLine(before, "channels:",
                                    "channels:\n  - {name: extra, type: webchat, port: 0}"));
    ccd.signal(SIGHUP);
    std::uint16_t port = 0;
    for (int i = 0; i < 3000 && !port; ++i) {  // a reload retrains the classifier: seconds
        try {
            port = webchatPort("extra");
        } catch (const std::runtime_error&) {
            std::this_thread::sleep_for(20ms);
        }
    }
    BOOST_REQUIRE_MESSAGE(port, "no listener for the added instance:\n" << ccd.log());
    auto get = [&](const std::string& target) {
        return ccd::testing::httpRequest(ccd.httpPort(), "GET", target);
    };
    BOOST_TEST(get("/chat/config/extra").body["websocket_port"] == port);
    auto bo = customer(port, "");
    start(*bo, {{"name", "Bo"}});
    auto ack = say(*bo, "x1", "Hello from the new chat");
    BOOST_TEST(ack["type"] == "ack", ack.dump());
    BOOST_TEST(conversation(ack["conversation_id"].get<std::int64_t>())["channel_instance"] ==
               "extra");

    writeFile(ccd_yaml, before);
    ccd.signal(SIGHUP);
    // A reload trains the classifier again: seconds under the sanitizers. Wait as long as for
    // the first reload's listener, and more.
    for (int i = 0; i < 3000 && bo->open(); ++i) std::this_thread::sleep_for(20ms);
    BOOST_TEST(bo->closeCode() == 1001);
    BOOST_TEST(ccd.log().find("webchat extra: removed by the reload") != std::string::npos);
    BOOST_TEST(get("/chat/config/extra").status == 404);
    ConsoleClient refused(port, "", "/", "");
    BOOST_TEST(!refused.open());
    // The instance in force is untouched.
    auto ann = customer(web_port);
    start(*ann);
}
