#include "daemon/daemon.hpp"

#define BOOST_TEST_MODULE http_itest
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "daemon/console/auth.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"
#include "tests/support/descriptor_exhaustion.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/support/temp_dir.hpp"
#include "channels/api/api_channel.hpp"

using namespace ccd;
using nlohmann::json;
using testing::HttpClient;

namespace {

/// A real daemon on 127.0.0.1:<any free port> with a database in a temp folder.
struct RunningDaemon {
    explicit RunningDaemon(const std::function<void(config::DaemonConfig&)>& tweak = {},
                           std::string db = {}) {
        auto cfg = std::make_shared<config::DaemonConfig>();
        // The API without keys (api_keys_e2e tests the keys).
        auto api = std::make_shared<channels::api::ApiSettings>();
        api->name = "api";
        api->type = "api";
        api->is_public = true;
        cfg->channels.push_back(api);
        cfg->server.listen.host = "127.0.0.1";
        cfg->server.listen.port = 0;
        cfg->storage.sqlite.path = db.empty() ? dir.file("ccd.db") : db;
        // Conversations are read by a supervisor.
        static const std::string hash = daemon::console::AuthService::hashPassword("sup password");
        std::ofstream(dir.file("agents.yaml"))
            << "accounts:\n  - name: sup\n    role: supervisor\n    password_hash: \"" << hash
            << "\"\n";
        cfg->agents_path = dir.file("agents.yaml");
        if (tweak) tweak(*cfg);
        db_path = cfg->storage.sqlite.path;
        daemon = std::make_unique<daemon::Daemon>(cfg);
        daemon->start();
        port = daemon->port();
    }
    /// GET as the supervisor.
    testing::HttpReply read(testing::HttpClient& c, const std::string& target) {
        if (token.empty()) {
            auto r = c.postJson("/v1/auth/login", R"({"name":"sup","password":"sup password"})");
            token = nlohmann::json::parse(r.body).at("token").get<std::string>();
        }
        return c.request("GET", target, "", {{"Authorization", "Bearer " + token}});
    }
    testing::TempDir dir;
    std::string token;
    std::string db_path;
    std::unique_ptr<daemon::Daemon> daemon;
    std::uint16_t port = 0;
};

long long count(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

json bodyOf(const testing::HttpReply& r) { return json::parse(r.body); }

}  // namespace

BOOST_AUTO_TEST_CASE(post_message_is_202_only_after_commit_and_readable) {
    RunningDaemon d;
    HttpClient c(d.port);
    auto r = c.postJson("/v1/messages", R"({"from":{"id":"c1","name":"Ann"},"text":"my printer is broken"})");
    BOOST_TEST(r.status == 202);
    BOOST_TEST(r.header("Content-Type") == "application/json");
    auto j = bodyOf(r);
    BOOST_TEST(j["message_id"].get<long long>() > 0);
    auto conv = j["conversation_id"].get<long long>();
    // Committed before the answer: a separate connection sees it now.
    BOOST_TEST(count(d.db_path, "SELECT count(*) FROM messages WHERE body = 'my printer is broken'") == 1);

    auto g = d.read(c, "/v1/conversations/" + std::to_string(conv));
    BOOST_TEST(g.status == 200);
    auto cj = bodyOf(g);
    BOOST_TEST(cj["id"].get<long long>() == conv);
    BOOST_TEST(cj["contact"]["name"] == "Ann");
    BOOST_REQUIRE(cj["messages"].size() == 1u);
    BOOST_TEST(cj["messages"][0]["text"] == "my printer is broken");
    BOOST_TEST(cj["messages"][0]["direction"] == "in");
    BOOST_TEST(c.connected());  // keep-alive held across both requests
}

BOOST_AUTO_TEST_CASE(same_sender_joins_conversation_over_http) {
    RunningDaemon d;
    HttpClient c(d.port);
    auto a = bodyOf(c.postJson("/v1/messages", R"({"from":{"id":"u1"},"text":"one"})"));
    auto b = bodyOf(c.postJson("/v1/messages", R"({"from":{"id":"u1"},"text":"two"})"));
    auto other = bodyOf(c.postJson("/v1/messages", R"({"from":{"id":"u2"},"text":"three"})"));
    BOOST_TEST(a["conversation_id"] == b["conversation_id"]);
    BOOST_TEST(a["conversation_id"] != other["conversation_id"]);
    auto conv = bodyOf(d.read(c, "/v1/conversations/" + a["conversation_id"].dump()));
    BOOST_TEST(conv["messages"].size() == 2u);
}

BOOST_AUTO_TEST_CASE(concurrent_duplicates_are_stored_once_with_the_original_ids) {
    RunningDaemon d;
    constexpr int kClients = 16;
    std::vector<std::thread> threads;
    std::mutex m;
    std::set<std::string> bodies;
    std::vector<int> statuses;
    for (int i = 0; i < kClients; ++i) {
        threads.emplace_back([&, i] {
            HttpClient c(d.port);
            // Half use external_id, half the Idempotency-Key header: both name the same message.
            auto r = i % 2 ? c.postJson("/v1/messages", R"({"from":{"id":"c9"},"text":"dup","external_id":"same-1"})")
                           : c.postJson("/v1/messages", R"({"from":{"id":"c9"},"text":"dup"})",
                                        {{"Idempotency-Key", "same-1"}});
            auto j = bodyOf(r);
            std::lock_guard lock(m);
            statuses.push_back(r.status);
            bodies.insert(j["message_id"].dump() + "/" + j["conversation_id"].dump());
        });
    }
    for (auto& t : threads) t.join();
    for (int s : statuses) BOOST_TEST(s == 202);
    BOOST_TEST(bodies.size() == 1u);
    BOOST_TEST(count(d.db_path, "SELECT count(*) FROM messages") == 1);
}

// Issue 15, defect 10: external_id identified a message per channel instance only, so a second
// sender (another client's customer) using the same id got the first sender's message and
// conversation ids back, and its message was dropped; the same id with different content was
// answered as a success too.
BOOST_AUTO_TEST_CASE(external_ids_are_scoped_per_sender_and_a_reuse_with_other_content_is_409) {
    RunningDaemon d;
    HttpClient c(d.port);
    auto first = c.postJson("/v1/messages", R"({"from":{"id":"s1"},"text":"hello","external_id":"m-1"})");
    BOOST_TEST(first.status == 202);
    auto other = c.postJson("/v1/messages", R"({"from":{"id":"s2"},"text":"hello","external_id":"m-1"})");
    BOOST_TEST(other.status == 202);
    BOOST_TEST(bodyOf(other)["duplicate"] == false);
    BOOST_TEST(bodyOf(other)["message_id"] != bodyOf(first)["message_id"]);
    BOOST_TEST(bodyOf(other)["conversation_id"] != bodyOf(first)["conversation_id"]);
    BOOST_TEST(count(d.db_path, "SELECT count(*) FROM messages WHERE direction = 'in'") == 2);

    // The same sender, id and content: the original ids, stored once.
    auto again = c.postJson("/v1/messages", R"({"from":{"id":"s1"},"text":"hello","external_id":"m-1"})");
    BOOST_TEST(again.status == 202);
    BOOST_TEST(bodyOf(again)["duplicate"] == true);
    BOOST_TEST(bodyOf(again)["message_id"] == bodyOf(first)["message_id"]);
    // The same sender and id with other content: 409, nothing stored.
    auto changed = c.postJson("/v1/messages", R"({"from":{"id":"s1"},"text":"bye","external_id":"m-1"})");
    BOOST_TEST(changed.status == 409);
    BOOST_TEST(bodyOf(changed)["error"] == "conflict");
    BOOST_TEST(bodyOf(changed)["field"] == "external_id");
    auto header = c.postJson("/v1/messages", R"({"from":{"id":"s1"},"text":"bye"})",
                             {{"Idempotency-Key", "m-1"}});
    BOOST_TEST(header.status == 409);
    BOOST_TEST(count(d.db_path, "SELECT count(*) FROM messages WHERE direction = 'in'") == 2);
    BOOST_TEST(count(d.db_path, "SELECT count(*) FROM messages WHERE body = 'bye'") == 0);
}

BOOST_AUTO_TEST_CASE(bad_requests_get_json_errors) {
    RunningDaemon d([](config::DaemonConfig& c) { c.server.limits.max_body_bytes = 4096; });
    HttpClient c(d.port);

    auto malformed = c.postJson("/v1/messages", "{\"from\":");
    BOOST_TEST(malformed.status == 400);
    BOOST_TEST(bodyOf(malformed)["error"] == "invalid_json");

    auto missing = c.postJson("/v1/messages", R"({"text":"x"})");
    BOOST_TEST(missing.status == 422);
    BOOST_TEST(bodyOf(missing)["field"] == "from");

    auto missing_id = c.postJson("/v1/messages", R"({"from":{},"text":"x"})");
    BOOST_TEST(missing_id.status == 422);
    BOOST_TEST(bodyOf(missing_id)["field"] == "from.id");

    auto wrong_type = c.request("POST", "/v1/messages", R"({"from":{"id":"c"},"text":"x"})",
                                {{"Content-Type", "text/plain"}});
    BOOST_TEST(wrong_type.status == 415);

    auto not_found = c.get("/v2/nothing");
    BOOST_TEST(not_found.status == 404);
    BOOST_TEST(bodyOf(not_found)["error"] == "not_found");

    auto wrong_method = c.request("DELETE", "/v1/messages");
    BOOST_TEST(wrong_method.status == 405);
    BOOST_TEST(wrong_method.header("Allow") == "POST");

    auto no_conv = d.read(c, "/v1/conversations/424242");
    BOOST_TEST(no_conv.status == 404);
    auto bad_id = d.read(c, "/v1/conversations/abc");
    BOOST_TEST(bad_id.status == 404);
    BOOST_TEST(c.connected());  // errors in the body do not cost the connection

    std::string big(5000, 'x');
    auto too_big = c.postJson("/v1/messages", R"({"from":{"id":"c"},"text":")" + big + "\"}");
    BOOST_TEST(too_big.status == 413);
    BOOST_TEST(bodyOf(too_big)["error"] == "payload_too_large");

    // Nothing of the above was stored.
    BOOST_TEST(count(d.db_path, "SELECT count(*) FROM messages") == 0);
}

BOOST_AUTO_TEST_CASE(protocol_errors_are_answered_then_closed) {
    RunningDaemon d([](config::DaemonConfig& c) {
        c.server.limits.max_header_bytes = 1024;
        c.server.limits.max_body_bytes = 1000;
    });
    auto garbage = HttpClient::raw(d.port, "THIS IS NOT HTTP\r\n\r\n");
    BOOST_TEST(garbage.rfind("HTTP/1.1 400", 0) == 0);
    BOOST_TEST(garbage.find("\"error\":\"bad_request\"") != std::string::npos);

    auto huge_header = HttpClient::raw(
        d.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
    BOOST_TEST(huge_header.rfind("HTTP/1.1 431", 0) == 0);

    // Expect: 100-continue with a declared length over the limit is refused before the body.
    auto expect = HttpClient::raw(d.port,
                                  "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  "Content-Length: 50000\r\nExpect: 100-continue\r\n\r\n");
    BOOST_TEST(expect.rfind("HTTP/1.1 413", 0) == 0);

    // A small body with Expect: 100-continue gets 100 first, then the answer.
    std::string body = R"({"from":{"id":"c"},"text":"hello"})";
    auto ok = HttpClient::raw(d.port,
                              "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Connection: close\r\nContent-Length: " + std::to_string(body.size()) +
                                  "\r\nExpect: 100-continue\r\n\r\n" + body);
    BOOST_TEST(ok.rfind("HTTP/1.1 100 Continue", 0) == 0);
    BOOST_TEST(ok.find("HTTP/1.1 202") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(idle_and_slow_connections_are_closed_by_the_timeouts) {
    RunningDaemon d([](config::DaemonConfig& c) {
        c.server.limits.read_timeout = std::chrono::milliseconds(300);
        c.server.limits.idle_timeout = std::chrono::milliseconds(300);
    });
    auto started = std::chrono::steady_clock::now();
    // Half a request, then silence: the server gives up and closes; raw() returns on close.
    auto out = HttpClient::raw(d.port, "POST /v1/messages HTTP/1.1\r\nHost: x\r\n", 5000);
    auto waited = std::chrono::steady_clock::now() - started;
    BOOST_TEST(out.empty());
    // Closed by ccd, not by our own 5 s receive limit.
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() < 4000);
}

BOOST_AUTO_TEST_CASE(restart_keeps_every_message) {
    testing::TempDir keep;
    std::string db = keep.file("ccd.db");
    std::vector<long long> convs;
    {
        RunningDaemon d({}, db);
        HttpClient c(d.port);
        for (int i = 0; i < 50; ++i) {
            auto r = c.postJson("/v1/messages", R"({"from":{"id":"r)" + std::to_string(i % 5) +
                                                    R"("},"text":"m)" + std::to_string(i) + "\"}");
            BOOST_REQUIRE(r.status == 202);
            convs.push_back(bodyOf(r)["conversation_id"].get<long long>());
        }
        d.daemon->stop();
    }
    RunningDaemon d({}, db);
    HttpClient c(d.port);
    long long total = 0;
    for (int i = 0; i < 5; ++i) {
        auto conv = bodyOf(
            d.read(c, "/v1/conversations/" + std::to_string(convs[static_cast<std::size_t>(i)])));
        total += static_cast<long long>(conv["messages"].size());
    }
    BOOST_TEST(total == 50);
}

BOOST_AUTO_TEST_CASE(reload_applies_new_limits_at_once) {
    RunningDaemon d;
    HttpClient c(d.port);
    std::string text(2000, 'y');
    std::string body = R"({"from":{"id":"c"},"text":")" + text + "\"}";
    BOOST_TEST(c.postJson("/v1/messages", body).status == 202);
    auto next = std::make_shared<config::DaemonConfig>(*d.daemon->currentConfig());
    next->server.limits.max_body_bytes = 1024;
    d.daemon->reload(next);
    HttpClient fresh(d.port);
    BOOST_TEST(fresh.postJson("/v1/messages", body).status == 413);
}

BOOST_AUTO_TEST_CASE(healthz_and_metrics) {
    RunningDaemon d;
    HttpClient c(d.port);
    auto h = c.get("/healthz");
    BOOST_TEST(h.status == 200);
    BOOST_TEST(bodyOf(h)["status"] == "ok");
    BOOST_TEST(bodyOf(h)["store"]["driver"] == "sqlite");
    c.postJson("/v1/messages", R"({"from":{"id":"m"},"text":"x"})");
    c.postJson("/v1/messages", "nope");
    auto m = c.get("/metrics");
    BOOST_TEST(m.status == 200);
    BOOST_TEST(m.header("Content-Type").find("text/plain") == 0);
    BOOST_TEST(m.body.find(R"(ccd_http_requests_total{method="POST",route="/v1/messages",status="202"} 1)") !=
               std::string::npos);
    BOOST_TEST(m.body.find(R"(ccd_http_requests_total{method="POST",route="/v1/messages",status="400"} 1)") !=
               std::string::npos);
    BOOST_TEST(m.body.find("ccd_intake_latency_seconds_count 1") != std::string::npos);
    BOOST_TEST(m.body.find("ccd_store_commit_batch_size_count") != std::string::npos);
    BOOST_TEST(m.body.find("ccd_store_queue_depth 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(stop_finishes_requests_in_progress_and_refuses_new_connections) {
    RunningDaemon d;
    std::atomic<bool> go{true};
    std::atomic<int> accepted{0}, other{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&, t] {
            try {
                HttpClient c(d.port);
                for (int i = 0; go; ++i) {
                    auto r = c.postJson("/v1/messages",
                                        R"({"from":{"id":"s)" + std::to_string(t) + R"("},"text":"x"})");
                    (r.status == 202 ? accepted : other)++;
                    if (!r.keep_alive) break;
                }
            } catch (const std::exception&) {
                // The connection closed under us during shutdown: expected.
            }
        });
    }
    while (accepted.load() < 50) std::this_thread::yield();  // load is flowing
    d.daemon->stop();
    go = false;
    for (auto& t : clients) t.join();
    BOOST_TEST(accepted.load() > 0);
    BOOST_TEST(other.load() == 0);
    // Every acknowledged message is in the file.
    BOOST_TEST(count(d.db_path, "SELECT count(*) FROM messages") >= accepted.load());
    BOOST_CHECK_THROW(HttpClient(d.port).get("/healthz"), std::exception);
}

BOOST_AUTO_TEST_CASE(transfer_encodings_not_ending_in_chunked_are_400_and_close) {
    // RFC 9112 6.3: framing the server cannot trust is an error, and the connection ends, so
    // that bytes after it (here a second request) are never run as a request of their own.
    RunningDaemon d;
    const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string length = std::to_string(smuggled.size());
    struct Case {
        std::string headers;
        int status;
    };
    for (const Case& c :
         {Case{"Transfer-Encoding: gzip\r\n", 400}, Case{"Transfer-Encoding: xchunked\r\n", 400},
          Case{"Transfer-Encoding: chunked, identity\r\n", 400},
          Case{"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", 400},
          Case{"Transfer-Encoding: gzip\r\nContent-Length: " + length + "\r\n", 400},
          Case{"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400},
          Case{"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400},
          // Chunked framing is sound, but ccd cannot undo gzip: 501.
          Case{"Transfer-Encoding: gzip, chunked\r\n", 501}}) {
        BOOST_TEST_CONTEXT(c.headers) {
            auto out = HttpClient::exchange(
                d.port,
                "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                    c.headers + "\r\n" + smuggled,
                10000);
            BOOST_TEST(out.received.rfind("HTTP/1.1 " + std::to_string(c.status), 0) == 0);
            std::size_t responses = 0;
            for (auto at = out.received.find("HTTP/1.1 "); at != std::string::npos;
                 at = out.received.find("HTTP/1.1 ", at + 1))
                ++responses;
            BOOST_TEST(responses == 1u);
            BOOST_TEST(out.closed);
        }
    }
    // Chunked alone is fine.
    std::string body = R"({"from":{"id":"te"},"text":"chunked"})";
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    auto ok =
        HttpClient::raw(d.port,
                        "POST /v1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                            std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
    BOOST_TEST(ok.rfind("HTTP/1.1 202", 0) == 0);
    BOOST_TEST(count(d.db_path, "SELECT count(*) FROM messages") == 1);
}

BOOST_AUTO_TEST_CASE(a_started_request_must_arrive_within_the_read_timeout) {
    // The idle timeout is for waiting for a request; once its first bytes are in, the headers
    // too must arrive within the (shorter) read timeout.
    RunningDaemon d([](config::DaemonConfig& c) {
        c.server.limits.read_timeout = std::chrono::milliseconds(200);
        c.server.limits.idle_timeout = std::chrono::hours(1);
    });
    auto fresh = HttpClient::exchange(d.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n", 20000);
    BOOST_TEST(fresh.received.empty());
    BOOST_TEST(fresh.closed);
    // The second request of a kept-alive connection too.
    auto second = HttpClient::exchange(
        d.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n",
        20000);
    BOOST_TEST(second.received.rfind("HTTP/1.1 200", 0) == 0);
    BOOST_TEST(second.closed);
}

BOOST_AUTO_TEST_CASE(connections_from_one_address_are_capped) {
    RunningDaemon d([](config::DaemonConfig& c) {
        c.server.limits.max_connections_per_address = 2;
    });
    const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    auto a = std::make_unique<HttpClient>(d.port);
    HttpClient b(d.port);
    BOOST_TEST(a->get("/healthz").status == 200);
    BOOST_TEST(b.get("/healthz").status == 200);
    // A third one from the same address is closed unanswered.
    auto third = HttpClient::exchange(d.port, get, 10000);
    BOOST_TEST(third.received.empty());
    BOOST_TEST(third.closed);
    // Other addresses are not affected.
    auto other = HttpClient::exchange(d.port, get, 10000, "127.0.0.2");
    BOOST_TEST(other.received.rfind("HTTP/1.1 200", 0) == 0);
    // A slot comes back when one of the two closes (as soon as ccd has seen it close).
    a.reset();
    bool served = false;
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         !served && std::chrono::steady_clock::now() < deadline;) {
        served = HttpClient::exchange(d.port, get, 10000).received.rfind("HTTP/1.1 200", 0) == 0;
    }
    BOOST_TEST(served);
}

BOOST_AUTO_TEST_CASE(trusted_proxies_name_the_client_and_are_not_capped_per_address) {
    namespace asio = boost::asio;
    asio::io_context ioc;
    auto work = asio::make_work_guard(ioc);
    daemon::Metrics metrics;
    daemon::http::Router router(&metrics);
    router.add("GET", "/who", [](daemon::http::RoutedRequest&& req, daemon::http::Responder r) {
        r.send(channels::WebResponse::json(
            200, R"({"client":")" + req.http.remote_address + R"(","peer":")" +
                     req.http.peer_address + "\"}"));
    });
    config::ServerLimits limits;
    limits.max_connections_per_address = 1;
    limits.trusted_proxies.push_back(*config::IpNetwork::parse("127.0.0.2"));
    daemon::http::HttpServer server(ioc, router, metrics, [limits] { return limits; });
    server.start({"127.0.0.1", 0});
    std::thread io([&] { ioc.run(); });

    // A keep-alive connection from `source` that asks /who once and stays open.
    asio::io_context client_ioc;
    auto ask = [&](const std::string& source, const std::string& forwarded,
                   asio::ip::tcp::socket& s) {
        s.open(asio::ip::tcp::v4());
        s.bind({asio::ip::make_address(source), 0});
        s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
        std::string get = "GET /who HTTP/1.1\r\nHost: x\r\n";
        if (!forwarded.empty()) get += "X-Forwarded-For: " + forwarded + "\r\n";
        get += "\r\n";
        asio::write(s, asio::buffer(get));
        std::string answer;
        char buf[1024];
        boost::system::error_code ec;
        while (answer.find('}') == std::string::npos) {
            auto n = s.read_some(asio::buffer(buf), ec);
            if (ec) break;
            answer.append(buf, n);
        }
        return answer;
    };
    // Not a trusted proxy: what it says in X-Forwarded-For is ignored.
    asio::ip::tcp::socket direct(client_ioc);
    auto a = ask("127.0.0.1", "198.51.100.1", direct);
    BOOST_TEST(a.find(R"("client":"127.0.0.1","peer":"127.0.0.1")") != std::string::npos, a);
    // A trusted proxy: the client it names, and no per-address cap (two at once, limit 1).
    asio::ip::tcp::socket p1(client_ioc), p2(client_ioc);
    auto b = ask("127.0.0.2", "203.0.113.9, 127.0.0.2", p1);
    BOOST_TEST(b.find(R"("client":"203.0.113.9","peer":"127.0.0.2")") != std::string::npos, b);
    auto c = ask("127.0.0.2", "198.51.100.7", p2);
    BOOST_TEST(c.find(R"("client":"198.51.100.7")") != std::string::npos, c);
    // The untrusted address still is capped: its second connection is closed unanswered.
    auto second = HttpClient::exchange(
        server.port(), "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10000);
    BOOST_TEST(second.received.empty());
    direct.close();
    p1.close();
    p2.close();
    server.stop();
    work.reset();
    ioc.stop();
    io.join();
}

BOOST_AUTO_TEST_CASE(accept_backs_off_and_logs_once_while_descriptors_run_out) {
    namespace asio = boost::asio;
    asio::io_context ioc;
    auto work = asio::make_work_guard(ioc);
    daemon::Metrics metrics;
    daemon::http::Router router(&metrics);
    router.add("GET", "/healthz", [](daemon::http::RoutedRequest&&, daemon::http::Responder r) {
        r.send(channels::WebResponse::json(200, R"({"status":"ok"})"));
    });
    daemon::http::HttpServer server(ioc, router, metrics, [] { return config::ServerLimits{}; });
    server.start({"127.0.0.1", 0});
    std::thread io([&] { ioc.run(); });
    testing::LogCapture log;

    // The client's socket exists before the descriptors run out; it connects after (the kernel
    // completes the handshake), and ccd cannot accept it while the process has none left.
    asio::io_context client_ioc;
    asio::ip::tcp::socket client(client_ioc);
    client.open(asio::ip::tcp::v4());
    {
        testing::DescriptorExhaustion full;
        client.connect({asio::ip::make_address("127.0.0.1"), server.port()});
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (metrics.accept_failures.load() < 3 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    BOOST_TEST(metrics.accept_failures.load() >= 3u);
    // Once per interval, not once per failure.
    BOOST_TEST(log.count("accept failed") == 1u);

    // Descriptors are back: the waiting connection is accepted and served.
    std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    asio::write(client, asio::buffer(get));
    std::string answer;
    boost::system::error_code ec;
    char buf[1024];
    for (;;) {
        auto n = client.read_some(asio::buffer(buf), ec);
        if (ec) break;
        answer.append(buf, n);
    }
    BOOST_TEST(answer.rfind("HTTP/1.1 200", 0) == 0);
    server.stop();
    work.reset();
    ioc.stop();
    io.join();
}
