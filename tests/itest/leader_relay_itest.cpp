#include "daemon/cluster/leader_relay.hpp"

#define BOOST_TEST_MODULE leader_relay_itest
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "daemon/http/http_server.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"
#include "daemon/outbox/http_client.hpp"

// A follower's relay to the leader (daemon/cluster/leader_relay.hpp), on loopback sockets: the
// TCP relay of the websocket listeners and the HTTP relay of the router.

using namespace ccd;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using daemon::cluster::LeaderAddress;
using daemon::cluster::TcpRelay;

namespace {

/// The io_context the relays run on, with a thread.
struct Io {
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work{asio::make_work_guard(ioc)};
    std::thread thread{[this] { ioc.run(); }};
    ~Io() {
        work.reset();
        ioc.stop();
        thread.join();
    }
};

/// A blocking TCP "leader" on a loopback port: accepts one connection at a time.
struct Upstream {
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::uint16_t port() const { return acceptor.local_endpoint().port(); }
    tcp::socket accept() {
        tcp::socket s(ioc);
        acceptor.accept(s);
        return s;
    }
};

tcp::socket connectTo(asio::io_context& ioc, std::uint16_t port) {
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    return s;
}

std::string readExactly(tcp::socket& s, std::size_t n) {
    std::string buf(n, '\0');
    asio::read(s, asio::buffer(buf));
    return buf;
}

/// Whether the peer closed `s` (a read ends with EOF or a reset) within a few seconds.
bool closedByPeer(tcp::socket& s) {
    auto fut = std::async(std::launch::async, [&s] {
        char c;
        boost::system::error_code ec;
        s.read_some(asio::buffer(&c, 1), ec);
        return ec == asio::error::eof || ec == asio::error::connection_reset;
    });
    if (fut.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
        boost::system::error_code ignored;
        s.shutdown(tcp::socket::shutdown_both, ignored);
        s.close(ignored);
        fut.wait();
        return false;
    }
    return fut.get();
}

std::optional<TcpRelay::Endpoint> at(std::uint16_t port) {
    return TcpRelay::Endpoint{"127.0.0.1", port};
}

/// What the router answered.
struct Answered {
    std::promise<channels::WebResponse> promise;
    std::future<channels::WebResponse> future = promise.get_future();
    daemon::http::Responder responder() {
        return daemon::http::Responder(
            [this](channels::WebResponse r) { promise.set_value(std::move(r)); });
    }
    channels::WebResponse get() {
        BOOST_REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        return future.get();
    }
};

std::string header(const channels::WebResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (channels::equalsIgnoreCase(k, name)) return v;
    return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(bytes_pass_both_ways_and_an_upstream_close_closes_the_client) {
    Upstream leader;
    Io io;
    TcpRelay relay(io.ioc, "console", [&] { return at(leader.port()); }, {});
    relay.start({"127.0.0.1", 0});
    asio::io_context client_io;
    auto client = connectTo(client_io, relay.port());
    auto up = leader.accept();
    asio::write(client, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
    const std::string relayed = "GET / HTTP/1.1\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n";
    BOOST_TEST(readExactly(up, relayed.size()) == relayed);
    asio::write(up, asio::buffer(std::string("HTTP/1.1 101 Switching")));
    BOOST_TEST(readExactly(client, 22) == "HTTP/1.1 101 Switching");
    BOOST_TEST(relay.openConnections() == 1u);
    up.close();  // the leader ends (or is killed): the client must reconnect
    BOOST_TEST(closedByPeer(client));
}

// The leader counts each client by its own address (webchat's per-address limits) only if the
// upgrade request names it: the relay adds it after what the client (or a balancer) wrote, even
// when the head comes in pieces, and passes anything that is not a plain upgrade as it is.
BOOST_AUTO_TEST_CASE(a_plain_upgrade_request_gets_the_clients_address) {
    Upstream leader;
    Io io;
    TcpRelay relay(io.ioc, "webchat chat", [&] { return at(leader.port()); }, {});
    relay.start({"127.0.0.1", 0});
    asio::io_context client_io;
    {
        auto client = connectTo(client_io, relay.port());
        auto up = leader.accept();
        asio::write(client, asio::buffer(std::string("GE")));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        asio::write(client, asio::buffer(std::string("T /chat HTTP/1.1\r\nHost: x\r\n"
                                                     "X-Forwarded-For: 198.51.100.7\r\n")));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        asio::write(client, asio::buffer(std::string("Upgrade: websocket\r\n\r\nframe")));
        const std::string relayed =
            "GET /chat HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.7\r\n"
            "Upgrade: websocket\r\nX-Forwarded-For: 127.0.0.1\r\n\r\nframe";
        BOOST_TEST(readExactly(up, relayed.size()) == relayed);
        asio::write(client, asio::buffer(std::string("more")));
        BOOST_TEST(readExactly(up, 4) == "more");  // after the head, bytes pass as they are
    }
    {
        auto client = connectTo(client_io, relay.port());
        auto up = leader.accept();
        const std::string tls("\x16\x03\x01\x02\x00GET ", 9);  // a TLS ClientHello's start
        asio::write(client, asio::buffer(tls));
        BOOST_TEST(readExactly(up, tls.size()) == tls);
    }
    {
        auto client = connectTo(client_io, relay.port());
        auto up = leader.accept();
        // A head that does not end within 16 KiB goes on as it is.
        std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(17 * 1024, 'a');
        asio::write(client, asio::buffer(big));
        BOOST_TEST(readExactly(up, big.size()) == big);
    }
}

BOOST_AUTO_TEST_CASE(a_new_leader_closes_relayed_connections) {
    Upstream leader;
    Io io;
    TcpRelay relay(io.ioc, "console", [&] { return at(leader.port()); }, {});
    relay.start({"127.0.0.1", 0});
    asio::io_context client_io;
    auto client = connectTo(client_io, relay.port());
    auto up = leader.accept();
    asio::write(client, asio::buffer(std::string("x")));
    BOOST_TEST(readExactly(up, 1) == "x");
    relay.closeAll();
    BOOST_TEST(closedByPeer(client));
    BOOST_TEST(closedByPeer(up));
}

BOOST_AUTO_TEST_CASE(no_leader_known_or_none_listening_closes_the_client) {
    Io io;
    std::atomic<int> unreachable{0};
    TcpRelay none(io.ioc, "console", [] { return std::optional<TcpRelay::Endpoint>(); }, {});
    none.start({"127.0.0.1", 0});
    asio::io_context client_io;
    auto client = connectTo(client_io, none.port());
    BOOST_TEST(closedByPeer(client));

    std::uint16_t gone;
    {
        Upstream dead;
        gone = dead.port();
    }  // nothing listens there now
    TcpRelay refused(io.ioc, "console", [&] { return at(gone); }, {}, [&] { ++unreachable; });
    refused.start({"127.0.0.1", 0});
    auto second = connectTo(client_io, refused.port());
    BOOST_TEST(closedByPeer(second));
    BOOST_TEST(unreachable.load() == 1);
}

BOOST_AUTO_TEST_CASE(the_listeners_connection_limit_holds) {
    Upstream leader;
    Io io;
    TcpRelay relay(io.ioc, "webchat chat", [&] { return at(leader.port()); }, {1, 1});
    relay.start({"127.0.0.1", 0});
    asio::io_context client_io;
    auto first = connectTo(client_io, relay.port());
    auto up = leader.accept();
    asio::write(first, asio::buffer(std::string("a")));
    BOOST_TEST(readExactly(up, 1) == "a");
    auto second = connectTo(client_io, relay.port());  // over max_connections: closed
    BOOST_TEST(closedByPeer(second));
    BOOST_TEST(relay.openConnections() == 1u);
}

BOOST_AUTO_TEST_CASE(http_without_a_known_leader_is_503_not_leader) {
    daemon::outbox::HttpClient client;
    auto relay = daemon::cluster::httpRelay(
        client, [] { return std::shared_ptr<const LeaderAddress>(); }, {});
    Answered answered;
    daemon::http::RoutedRequest req;
    req.http.method = "POST";
    req.http.target = "/v1/auth/login";
    relay(std::move(req), answered.responder());
    auto r = answered.get();
    BOOST_TEST(r.status == 503);
    BOOST_TEST(header(r, "Retry-After") == "1");
    auto body = nlohmann::json::parse(r.body);
    BOOST_TEST(body["error"] == "not_leader");
    BOOST_TEST(body["reason"].get<std::string>().find("no leader") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_relayed_request_is_not_relayed_again) {
    daemon::outbox::HttpClient client;
    auto address = std::make_shared<LeaderAddress>();
    address->host = "127.0.0.1";
    address->http_port = 9;  // never reached
    auto relay = daemon::cluster::httpRelay(client, [address] { return address; }, {});
    Answered answered;
    daemon::http::RoutedRequest req;
    req.http.method = "GET";
    req.http.target = "/v1/auth/me";
    req.http.headers = {{"X-Ccd-Relayed", "1"}};
    relay(std::move(req), answered.responder());
    auto r = answered.get();
    BOOST_TEST(r.status == 503);
    BOOST_TEST(nlohmann::json::parse(r.body)["error"] == "not_leader");
}

BOOST_AUTO_TEST_CASE(http_to_a_leader_that_cannot_be_reached_is_503_not_leader) {
    std::uint16_t gone;
    {
        Upstream dead;
        gone = dead.port();
    }
    daemon::outbox::HttpClient client;
    auto address = std::make_shared<LeaderAddress>();
    address->host = "127.0.0.1";
    address->http_port = gone;
    std::atomic<int> unreachable{0};
    auto relay = daemon::cluster::httpRelay(
        client, [address] { return address; }, [&] { ++unreachable; });
    Answered answered;
    daemon::http::RoutedRequest req;
    req.http.method = "GET";
    req.http.target = "/v1/contacts/x";
    relay(std::move(req), answered.responder());
    auto r = answered.get();
    BOOST_TEST(r.status == 503);
    BOOST_TEST(nlohmann::json::parse(r.body)["error"] == "not_leader");
    BOOST_TEST(header(r, "Retry-After") == "1");
    BOOST_TEST(unreachable.load() == 1);
}

BOOST_AUTO_TEST_CASE(http_is_relayed_to_the_leader_and_its_answer_returned) {
    // The "leader": a real HTTP server whose one route echoes what it got.
    Io io;
    daemon::Metrics metrics;
    daemon::http::Router leader_router(&metrics);
    leader_router.add("PUT", "/v1/things/{id}",
                      [](daemon::http::RoutedRequest&& req, daemon::http::Responder r) {
                          nlohmann::json seen{
                              {"target", req.http.target},
                              {"body", req.http.body},
                              {"xff", std::string(req.http.header("X-Forwarded-For"))},
                              {"auth", std::string(req.http.header("Authorization"))},
                              {"hop", std::string(req.http.header("X-Hop"))}};
                          auto out = channels::WebResponse::json(207, seen.dump());
                          out.headers.emplace_back("X-Leader", "yes");
                          r.send(std::move(out));
                      });
    daemon::http::HttpServer leader(io.ioc, leader_router, metrics,
                                    [] { return config::ServerLimits{}; });
    leader.start({"127.0.0.1", 0});
    auto address = std::make_shared<LeaderAddress>();
    address->host = "127.0.0.1";
    address->http_port = leader.port();

    // The follower's router: health here, the rest relayed.
    daemon::outbox::HttpClient client;
    daemon::http::Router follower(nullptr);
    follower.add("GET", "/healthz", [](daemon::http::RoutedRequest&&, daemon::http::Responder r) {
        r.send(channels::WebResponse::json(200, "{\"here\":true}"));
    });
    follower.setRelay(daemon::cluster::httpRelay(client, [address] { return address; }, {}),
                      daemon::cluster::servedByFollower);

    Answered here;
    channels::WebRequest health;
    health.method = "GET";
    health.target = "/healthz";
    follower.dispatch(std::move(health), here.responder());
    BOOST_TEST(here.get().body == "{\"here\":true}");

    Answered relayed;
    channels::WebRequest req;
    req.method = "PUT";
    req.target = "/v1/things/7?x=1";
    req.body = "{\"a\":1}";
    req.remote_address = "192.0.2.7";
    req.headers = {{"Authorization", "Bearer t0ken"},
                   {"X-Forwarded-For", "198.51.100.1"},
                   {"Connection", "X-Hop"},
                   {"X-Hop", "dropped"},
                   {"Content-Type", "application/json"}};
    follower.dispatch(std::move(req), relayed.responder());
    auto r = relayed.get();
    BOOST_TEST(r.status == 207);
    BOOST_TEST(header(r, "X-Leader") == "yes");
    BOOST_TEST(r.content_type == "application/json");
    auto seen = nlohmann::json::parse(r.body);
    BOOST_TEST(seen["target"] == "/v1/things/7?x=1");
    BOOST_TEST(seen["body"] == "{\"a\":1}");
    BOOST_TEST(seen["auth"] == "Bearer t0ken");
    BOOST_TEST(seen["xff"] == "198.51.100.1, 192.0.2.7");
    BOOST_TEST(seen["hop"] == "");  // named by Connection: hop-by-hop
    leader.stop();
}

BOOST_AUTO_TEST_CASE(the_leader_address_round_trips_and_bad_rows_are_refused) {
    LeaderAddress a;
    a.host = "::1";
    a.http_port = 8080;
    a.console_port = 8081;
    a.webchat = {{"chat", 8082}};
    BOOST_TEST(a.httpBase() == "http://[::1]:8080");
    auto back = daemon::cluster::readLeaderAddress(daemon::cluster::leaderAddressJson(a));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST((*back == a));
    BOOST_TEST(!daemon::cluster::readLeaderAddress("{\"host\":\"h\"}").has_value());
    BOOST_TEST(!daemon::cluster::readLeaderAddress("not json").has_value());
    BOOST_TEST(!daemon::cluster::readLeaderAddress("{\"host\":\"h\",\"http_port\":70000}"));
}
