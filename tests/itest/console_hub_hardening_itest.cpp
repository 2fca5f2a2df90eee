// console_hub_itest, continued: the websocket server's connection hardening (bad and oversized
// frames, authentication and origins, commands before authentication, clients that do not read,
// the frame rate limit, connections per address, accept while descriptors run out), on the
// fixture of tests/support/console_hub_fixture.hpp.
#include "daemon/console/console_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/console_hub_fixture.hpp"
#include "tests/support/descriptor_exhaustion.hpp"
#include "tests/support/log_capture.hpp"

using namespace ccd;
using namespace ccd::daemon::console;
using namespace ccd::testing::hub;
using nlohmann::json;
namespace asio = boost::asio;

BOOST_AUTO_TEST_CASE(malformed_frames_get_errors_and_the_connection_stays) {
    Console c;
    auto alice = c.agent("alice-token");
    for (std::string bad : {"not json", "[1,2]", R"({"type":"fly","id":"f"})",
                            R"({"type":"accept","id":"n"})", R"({"type":"reply","conversation_id":1,"text":"x"})"}) {
        alice->sendRaw(bad);
        auto err = alice->readType("error");
        BOOST_REQUIRE_MESSAGE(err, bad);
        BOOST_TEST(!(*err)["code"].get<std::string>().empty());
    }
    alice->send({{"type", "typing"}, {"conversation_id", 1}, {"id", "still-here"}});
    auto ack = alice->readType("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "still-here");
}

BOOST_AUTO_TEST_CASE(oversized_frames_close_with_1009) {
    Console c(std::chrono::seconds(60), 1024);
    auto alice = c.agent("alice-token");
    alice->sendRaw(std::string(4096, 'x'));
    while (alice->read()) {
    }
    BOOST_TEST(alice->close_code == 1009);
}

BOOST_AUTO_TEST_CASE(authentication_and_origin_are_checked) {
    Console c;
    Client evil(c.server->port(), "/", {{"Origin", "http://evil.example"}});
    BOOST_TEST(!evil.open);
    BOOST_TEST(upgradeStatus(c.server->port(), {{"Origin", "http://evil.example"}}) == 403);

    Client wrong(c.server->port(), "/", {{"Authorization", "Bearer nope"}});
    BOOST_TEST(!wrong.open);
    BOOST_TEST(upgradeStatus(c.server->port(), {{"Authorization", "Bearer nope"}}) == 401);
    BOOST_TEST(upgradeStatus(c.server->port(), {{"Origin", "http://127.0.0.1:8080"},
                                                {"Authorization", "Bearer bob-token"}}) == 101);

    // A browser from the allowed origin authenticates with a frame.
    Client page(c.server->port(), "/", {{"Origin", "http://127.0.0.1:8080"}});
    BOOST_REQUIRE(page.open);
    page.send({{"type", "auth"}, {"token", "alice-token"}, {"id", "login"}});
    auto hello = page.readType("hello");
    BOOST_REQUIRE(hello);
    BOOST_TEST((*hello)["agent"] == "alice");
    BOOST_TEST((*hello)["role"] == "agent");
    auto ack = page.readType("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "login");

    Client bad(c.server->port());
    BOOST_REQUIRE(bad.open);
    bad.send({{"type", "auth"}, {"token", "stolen"}});
    auto err = bad.readType("error");
    BOOST_REQUIRE(err);
    BOOST_TEST((*err)["code"] == "unauthorized");
    BOOST_TEST(!bad.read());
    BOOST_TEST(bad.close_code == 4001);
}

BOOST_AUTO_TEST_CASE(a_command_before_authentication_gets_one_error_then_the_connection_closes) {
    Console c;
    Client early(c.server->port());
    BOOST_REQUIRE(early.open);
    early.send({{"type", "presence"}, {"presence", "away"}, {"id", "early"}});
    auto err = early.readType("error");
    BOOST_REQUIRE(err);
    BOOST_TEST((*err)["code"] == "not_authenticated");
    BOOST_TEST((*err)["id"] == "early");
    BOOST_TEST(!early.read());
    BOOST_TEST(early.close_code == 1008, early.error);

    // Garbage counts as a command.
    Client garbage(c.server->port());
    BOOST_REQUIRE(garbage.open);
    garbage.sendRaw("not json");
    BOOST_REQUIRE(garbage.readType("error"));
    BOOST_TEST(!garbage.read());
    BOOST_TEST(garbage.close_code == 1008, garbage.error);

    // A client that does not wait for the answer gets no second one. (ccd closes without
    // waiting for the client's close frame, so the end may be a reset: any end will do.)
    Client flood(c.server->port());
    BOOST_REQUIRE(flood.open);
    for (int i = 0; i < 5; ++i)
        flood.trySend({{"type", "presence"}, {"presence", "away"}, {"id", std::to_string(i)}});
    int errors = 0;
    while (auto f = flood.read()) errors += (*f)["type"] == "error" ? 1 : 0;
    BOOST_TEST(errors <= 1);
    BOOST_TEST(flood.error != "timeout");  // ended by ccd, not by our patience
}

BOOST_AUTO_TEST_CASE(a_client_that_does_not_read_is_closed_past_the_send_queue_bound) {
    Console c(std::chrono::seconds(60), 64 * 1024,
              [](ConsoleServerOptions& o) { o.max_send_queue_bytes = 256 * 1024; });
    auto alice = std::make_unique<Client>(
        c.server->port(), "/",
        std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer alice-token"}},
        "", /*small_buffer=*/true);
    BOOST_REQUIRE(alice->open);
    BOOST_REQUIRE(alice->readType("hello"));
    c.engine.emit(routing::Tick{}, {routing::Assigned{1, "alice"}});
    // Far more than the socket buffers hold, and alice reads none of it for now.
    const std::string big(8 * 1024, 'x');
    for (int i = 0; i < 2000; ++i) c.engine.emit(customerMessage(1, big), {});
    int frames = 0;
    while (alice->read()) ++frames;
    BOOST_TEST(alice->close_code == 1008);
    BOOST_TEST(frames < 2000);
}

BOOST_AUTO_TEST_CASE(frames_past_the_rate_limit_close_the_connection) {
    Console c(std::chrono::seconds(60), 64 * 1024, [](ConsoleServerOptions& o) {
        o.frame_rate = 1;
        o.frame_burst = 10;
    });
    auto alice = c.agent("alice-token");
    // One more than the burst, sent at once (ccd drops the connection right after its close
    // frame, so nothing is sent after the frame that closes it).
    for (int i = 0; i < 11; ++i)
        alice->send({{"type", "typing"}, {"conversation_id", 1}, {"id", std::to_string(i)}});
    int acks = 0;
    while (auto f = alice->read()) acks += (*f)["type"] == "ack" ? 1 : 0;
    BOOST_TEST(alice->close_code == 1008, alice->error);
    BOOST_TEST(acks <= 10);
}

BOOST_AUTO_TEST_CASE(refused_origins_are_logged_escaped_and_cut_short) {
    Console c;
    testing::LogCapture log;
    std::string origin = "http://evil.example/\x1b[2J\x07" + std::string(2000, 'a');
    BOOST_TEST(upgradeStatus(c.server->port(), {{"Origin", origin}}) == 403);
    auto lines = log.lines();
    auto it = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
        return l.find("refused a websocket from origin") != std::string::npos;
    });
    BOOST_REQUIRE(it != lines.end());
    BOOST_TEST(it->find('\x1b') == std::string::npos);
    BOOST_TEST(it->find('\x07') == std::string::npos);
    BOOST_TEST(it->find("http://evil.example/") != std::string::npos);
    BOOST_TEST(it->size() < 400u);
}

BOOST_AUTO_TEST_CASE(connections_from_one_address_are_capped) {
    Console c(std::chrono::seconds(60), 64 * 1024,
              [](ConsoleServerOptions& o) { o.max_connections_per_address = 2; });
    auto alice = c.agent("alice-token");
    auto bob = c.agent("bob-token");
    Client third(c.server->port());
    BOOST_TEST(!third.open);
    Client elsewhere(c.server->port(), "/", {}, "127.0.0.2");
    BOOST_TEST(elsewhere.open);
    // A slot comes back once a connection has closed.
    alice->close();
    alice.reset();
    bool opened = false;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         !opened && std::chrono::steady_clock::now() < deadline;) {
        opened = Client(c.server->port()).open;
    }
    BOOST_TEST(opened);
}

BOOST_AUTO_TEST_CASE(accept_backs_off_and_logs_once_while_descriptors_run_out) {
    Console c;
    testing::LogCapture log;
    // The socket exists before the descriptors run out; it connects after (the kernel completes
    // the handshake), and ccd cannot accept it while the process has none left.
    asio::io_context client_ioc;
    asio::ip::tcp::socket socket(client_ioc);
    socket.open(asio::ip::tcp::v4());
    {
        testing::DescriptorExhaustion full;
        socket.connect({asio::ip::make_address("127.0.0.1"), c.server->port()});
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (c.server->acceptFailures() < 3 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BOOST_TEST(c.server->acceptFailures() >= 3u);
    BOOST_TEST(log.count("accept failed") == 1u);
    socket.close();
    // Descriptors are back: connections are accepted again.
    auto alice = c.agent("alice-token");
    BOOST_TEST(alice->open);
}
