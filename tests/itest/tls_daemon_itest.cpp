// TLS on both listeners of the real `ccd` binary: a certificate the test makes (OpenSSL's API,
// in a temp folder) under `server.tls` (the console inherits it), HTTPS answers with
// Strict-Transport-Security, TLS 1.0/1.1 refused, a renewed certificate taken on SIGHUP by new
// connections while an open one stays, a bad renewal refused (the previous certificate keeps
// serving), a client that never finishes its handshake closed, and the console over wss:// with
// a login.
//
// Arguments (after `--`): the ccd binary and the repository root; without them, the paths
// compiled in by tests/daemon.cmake.

#include "tests/support/tls_client.hpp"

#define BOOST_TEST_MODULE tls_daemon_itest
#include <openssl/ssl.h>
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/ccd_process.hpp"
#include "tests/support/console_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_argument.hpp"

using ccd::testing::httpsRequest;
using ccd::testing::argument;
using ccd::testing::readFile;
using ccd::testing::replaceLine;
using ccd::testing::writeFile;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kPassword = "tls itest password";

/// The real ccd with a certificate of serial 1 and the agent alice (kPassword).
struct Daemon {
    Daemon() {
        try {
            auto root = fs::path(argument(2, CCD_SOURCE_DIR));
            ccd::testing::makeSelfSignedCertificate(cert, key, 1);
            auto text = ccd::testing::shippedConfigForTest(root, dir.path());
            text = replaceLine(text, "  threads: 2",
                               "  threads: 2\n  tls: {cert: \"" + cert.string() + "\", key: \"" +
                                   key.string() + "\"}");
            text = replaceLine(text, "    read_timeout: 30s", "    read_timeout: 2s");
            writeFile(dir.path() / "config" / "ccd.yaml", text);
            writeFile(dir.path() / "config" / "agents.yaml",
                      "accounts:\n  - name: alice\n    role: agent\n    skills: [general]\n");
            int rc = ccd::testing::runWithInput({binary, "agent", "passwd", "alice", "--config",
                                                 (dir.path() / "config" / "ccd.yaml").string()},
                                                kPassword + "\n", ccd.logPath());
            if (rc != 0) throw std::runtime_error("ccd agent passwd exited " + std::to_string(rc));
            ccd.start();
        } catch (...) {
            ccd.stop();
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
            throw;
        }
    }
    ~Daemon() {
        auto problem = ccd.stop();
        BOOST_CHECK_MESSAGE(problem.empty(), problem);
        if (!problem.empty())
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
    }

    std::string login() {
        auto r = httpsRequest(ccd.httpPort(), "POST", "/v1/auth/login",
                              json{{"name", "alice"}, {"password", kPassword}}.dump());
        BOOST_REQUIRE_MESSAGE(r.status == 200, "login: " << r.status << " " << r.error);
        return json::parse(r.body).at("token").get<std::string>();
    }

    /// The serial a new HTTPS connection sees, once it is `want` (SIGHUP and the file watcher
    /// reload asynchronously); what it last saw otherwise.
    std::string awaitSerial(const std::string& want) {
        std::string seen;
        // (a reload trains the classifier on its corpus again: seconds, more under sanitizers)
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < deadline) {
            seen = httpsRequest(ccd.httpPort(), "GET", "/healthz").serial;
            if (seen == want) break;
            std::this_thread::sleep_for(20ms);
        }
        return seen;
    }

    /// Waits until the log has one more line matching `pattern` than `before` had.
    bool awaitLog(const std::string& pattern, std::size_t before) {
        std::regex re(pattern);
        // (a reload trains the classifier on its corpus again: seconds, more under sanitizers)
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto log = ccd.log();
            auto n = static_cast<std::size_t>(
                std::distance(std::sregex_iterator(log.begin(), log.end(), re), {}));
            if (n > before) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    std::size_t countLog(const std::string& pattern) {
        std::regex re(pattern);
        auto log = ccd.log();
        return static_cast<std::size_t>(
            std::distance(std::sregex_iterator(log.begin(), log.end(), re), {}));
    }

    ccd::testing::TempDir dir;
    fs::path cert = dir.path() / "cert.pem";
    fs::path key = dir.path() / "key.pem";
    std::string binary = argument(1, CCD_EXECUTABLE);
    ccd::testing::CcdProcess ccd{binary, (dir.path() / "config" / "ccd.yaml").string(),
                                 (dir.path() / "ccd.log").string()};
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(https_answers_carry_hsts_and_old_protocols_are_refused, Daemon) {
    auto r = httpsRequest(ccd.httpPort(), "GET", "/healthz");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.error);
    BOOST_TEST(r.protocol == "TLSv1.3");
    BOOST_TEST(r.serial == "01");
    BOOST_TEST(r.header("Strict-Transport-Security") == "max-age=31536000");

    auto v12 = httpsRequest(ccd.httpPort(), "GET", "/healthz", {}, {}, {0, TLS1_2_VERSION});
    BOOST_TEST(v12.status == 200);
    BOOST_TEST(v12.protocol == "TLSv1.2");
    for (int old : {TLS1_VERSION, TLS1_1_VERSION}) {
        auto refused = httpsRequest(ccd.httpPort(), "GET", "/healthz", {}, {}, {old, old});
        BOOST_TEST(refused.status == 0);
        BOOST_TEST_MESSAGE("TLS " << std::hex << old << ": " << refused.error);
    }
    // Plain HTTP on the TLS port gets no HTTP answer.
    auto plain = ccd::testing::httpRequest(ccd.httpPort(), "GET", "/healthz", {}, {}, 5s);
    BOOST_TEST(plain.status == 0);
}

BOOST_FIXTURE_TEST_CASE(a_client_that_never_finishes_its_handshake_is_closed, Daemon) {
    // Connected, nothing sent: the HTTP listener closes it after read_timeout (2 s here), the
    // console's after websocketpp's handshake timeout (5 s); neither holds its place forever.
    for (auto port : {ccd.httpPort(), ccd.consolePort()}) {
        auto stalled = ccd::testing::HttpClient::exchange(port, "", 20000);
        BOOST_TEST(stalled.closed, "port " << port << " kept a silent client");
    }
    BOOST_TEST(httpsRequest(ccd.httpPort(), "GET", "/healthz").status == 200);
}

BOOST_FIXTURE_TEST_CASE(sighup_takes_a_renewed_certificate_and_refuses_a_bad_one, Daemon) {
    auto token = login();
    ccd::testing::WssClient open_before(ccd.consolePort(), token);
    BOOST_REQUIRE_MESSAGE(open_before.open(), open_before.error());
    BOOST_REQUIRE(open_before.next("hello"));

    // Renewed at the same paths (written aside and renamed, as certbot does), then SIGHUP.
    ccd::testing::makeSelfSignedCertificate(dir.path() / "new-cert.pem",
                                            dir.path() / "new-key.pem", 2);
    fs::rename(dir.path() / "new-key.pem", key);
    fs::rename(dir.path() / "new-cert.pem", cert);
    ccd.signal(SIGHUP);
    BOOST_TEST(awaitSerial("02") == "02");
    BOOST_TEST(ccd.log().find("new connections get " + cert.string() + " (serial 02") !=
               std::string::npos);
    // The connection opened before the renewal is still served.
    open_before.send({{"type", "presence"}, {"presence", "available"}, {"id", "p1"}});
    auto ack = open_before.next("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "p1");
    // So is a new wss connection, with the new certificate.
    ccd::testing::WssClient after(ccd.consolePort(), token);
    BOOST_TEST(after.open(), after.error());

    // A certificate whose key is elsewhere: refused with the reason, serial 02 keeps serving.
    auto rejected = countLog("reload: rejected");
    ccd::testing::makeSelfSignedCertificate(dir.path() / "bad-cert.pem",
                                            dir.path() / "bad-key.pem", 3);
    fs::rename(dir.path() / "bad-cert.pem", cert);
    ccd.signal(SIGHUP);
    BOOST_REQUIRE(awaitLog("reload: rejected", rejected));
    BOOST_TEST(ccd.log().find("does not match the certificate in " + cert.string()) !=
               std::string::npos);
    BOOST_TEST(httpsRequest(ccd.httpPort(), "GET", "/healthz").serial == "02");
}

BOOST_FIXTURE_TEST_CASE(the_console_works_over_wss_with_a_login, Daemon) {
    auto config = httpsRequest(ccd.httpPort(), "GET", "/console/config.json");
    BOOST_REQUIRE(config.status == 200);
    auto page = json::parse(config.body);
    BOOST_TEST(page["websocket_scheme"] == "wss");
    BOOST_TEST(page["websocket_port"] == ccd.consolePort());

    auto token = login();
    // As a browser on the https page would: with its Origin.
    ccd::testing::WssClient ws(ccd.consolePort(), token,
                               "https://127.0.0.1:" + std::to_string(ccd.httpPort()));
    BOOST_REQUIRE_MESSAGE(ws.open(), ws.error());
    auto hello = ws.next("hello");
    BOOST_REQUIRE(hello);
    BOOST_TEST((*hello)["agent"] == "alice");
    // The http:// origin of the same listener is not its origin any more.
    ccd::testing::WssClient wrong(ccd.consolePort(), token,
                                  "http://127.0.0.1:" + std::to_string(ccd.httpPort()));
    BOOST_TEST(!wrong.open());
    // ws:// (no TLS) on the wss port gets no upgrade.
    ccd::testing::ConsoleClient plain(ccd.consolePort(), token);
    BOOST_TEST(!plain.open());
}
