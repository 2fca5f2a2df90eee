// Ending a session ends its console websockets: the real `ccd` binary on free ports in a temp
// folder, agents logged in over HTTP and connected over websocket; logging out, a password
// change (`ccd agent passwd`, then a reload), and an account removed or left without a password
// (agents.yaml edited, then a reload) close the connections of that token or account at once,
// with 4001. Other agents' connections stay open.
//
// Arguments (after `--`): the ccd binary and the repository root; without them, the paths
// compiled in by tests/console.cmake.

#include "tests/support/ccd_process.hpp"

#define BOOST_TEST_MODULE console_revocation_itest
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "tests/support/console_client.hpp"
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

const std::string kPassword = "revocation itest password";

/// agents.yaml: agents alice, bob and carol and the admin ada, each with their hash.
std::string accountsYaml(const std::map<std::string, std::string>& hashes) {
    std::string out = "accounts:\n";
    for (const auto& [name, hash] : hashes) {
        out += "  - name: " + name + "\n    role: " + (name == "ada" ? "admin" : "agent") +
               "\n    skills: [general, technical]\n    password_hash: " + hash + "\n";
    }
    return out;
}

/// The real ccd with four accounts, all with kPassword.
struct Daemon {
    Daemon() {
        try {
            auto root = fs::path(argument(2, CCD_SOURCE_DIR));
            writeFile(ccd_yaml, ccd::testing::shippedConfigForTest(root, dir.path()));
            hashes = {{"ada", "\"\""}, {"alice", "\"\""}, {"bob", "\"\""}, {"carol", "\"\""}};
            writeFile(agents_yaml, accountsYaml(hashes));
            auto hash = passwd("alice", kPassword);
            for (auto& [name, h] : hashes) h = hash;
            writeFile(agents_yaml, accountsYaml(hashes));
            ccd.start();
            admin = login("ada");
        } catch (...) {
            ccd.stop();
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
            throw;
        }
    }
    ~Daemon() {
        auto problem = ccd.stop();
        BOOST_CHECK_MESSAGE(problem.empty(), problem);
    }

    /// `ccd agent passwd NAME`: the hash it wrote.
    std::string passwd(const std::string& name, const std::string& password) {
        int rc = ccd::testing::runWithInput(
            {binary, "agent", "passwd", name, "--config", ccd_yaml.string()}, password + "\n",
            ccd.logPath());
        if (rc != 0) throw std::runtime_error("ccd agent passwd exited " + std::to_string(rc));
        // It writes to the data directory (beside ccd.db), never to agents.yaml.
        const std::regex kHash("\"" + name + R"re(": ("\$argon2id[^"]+"))re");
        std::smatch m;
        std::string written = readFile(dir.path() / "passwords.yaml");
        if (!std::regex_search(written, m, kHash))
            throw std::runtime_error("no hash for " + name + " in passwords.yaml:\n" + written);
        return m[1];
    }

    std::string login(const std::string& name) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/auth/login",
                                           json{{"name", name}, {"password", kPassword}}.dump());
        if (r.status != 200)
            throw std::runtime_error("login of " + name + ": " + std::to_string(r.status));
        return r.body.at("token").get<std::string>();
    }

    std::unique_ptr<ConsoleClient> connect(const std::string& token) {
        auto c = std::make_unique<ConsoleClient>(ccd.consolePort(), token);
        BOOST_REQUIRE_MESSAGE(c->open(), "cannot connect: " << c->upgradeStatus());
        c->expect("hello");
        return c;
    }

    void reload() {
        // The answer comes after the reload, which trains the classifier on its corpus again:
        // seconds, more under the sanitizers.
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/admin/reload", {}, admin,
                                           std::chrono::seconds(120));
        BOOST_REQUIRE_MESSAGE(r.status == 200, "reload: " << r.status << " " << r.text);
    }

    ccd::testing::TempDir dir;
    fs::path ccd_yaml = dir.path() / "config" / "ccd.yaml";
    fs::path agents_yaml = dir.path() / "config" / "agents.yaml";
    std::string binary = argument(1, CCD_EXECUTABLE);
    ccd::testing::CcdProcess ccd{binary, ccd_yaml.string(), (dir.path() / "ccd.log").string()};
    std::map<std::string, std::string> hashes;
    std::string admin;
};

/// Whether the connection closes (within a generous deadline) with `code`.
bool closesWith(ConsoleClient& c, int code) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (c.open() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    BOOST_TEST_MESSAGE("close code " << c.closeCode());
    return !c.open() && c.closeCode() == code;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(logout_closes_that_tokens_websocket, Daemon) {
    auto first = login("alice");
    auto second = login("bob");
    auto alice = connect(first);
    auto bob = connect(second);
    auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/auth/logout", {}, first);
    BOOST_REQUIRE(r.status == 204);
    BOOST_TEST(closesWith(*alice, 4001));
    // Bob is not concerned.
    BOOST_TEST(bob->open());
    BOOST_TEST(bob->ok({{"type", "presence"}, {"presence", "away"}})["type"] == "ack");
}

BOOST_FIXTURE_TEST_CASE(a_password_change_closes_the_accounts_websockets, Daemon) {
    auto alice = connect(login("alice"));
    auto bob = connect(login("bob"));
    passwd("alice", "a brand new password");
    reload();
    BOOST_TEST(closesWith(*alice, 4001));
    BOOST_TEST(bob->open());
}

BOOST_FIXTURE_TEST_CASE(an_account_removed_or_left_without_a_password_is_closed, Daemon) {
    auto alice = connect(login("alice"));
    auto bob = connect(login("bob"));
    auto carol = connect(login("carol"));
    hashes.erase("bob");
    hashes["carol"] = "\"\"";  // disabled: nobody can log in as carol any more
    writeFile(agents_yaml, accountsYaml(hashes));
    reload();
    BOOST_TEST(closesWith(*bob, 4001));
    BOOST_TEST(closesWith(*carol, 4001));
    BOOST_TEST(alice->open());
}
