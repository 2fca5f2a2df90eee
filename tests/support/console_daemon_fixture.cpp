// console_daemon_itest's fixture: the real ccd in a temp folder, its configuration made for the
// test (short offer timeouts and grace, the API without keys, three accounts with one password),
// and the HTTP and websocket calls the test makes of it.
#include "tests/support/console_daemon_fixture.hpp"

#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "tests/support/test_argument.hpp"

namespace ccd::testing {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kPassword = "console itest password 1";

std::string ccdBinary() {
#ifdef CCD_EXECUTABLE
    return argument(1, CCD_EXECUTABLE);
#else
    return argument(1, "");
#endif
}

std::string repoRoot() { return argument(2, CCD_SOURCE_DIR); }

/// routing.yaml with `offer_timeout: {live: 2s, async: 2s}` on every queue (the shipped
/// general queue's own offer_timeout line is dropped).
std::string shortOfferTimeouts(const std::string& routing) {
    static const std::regex kQueue(R"(^  [A-Za-z0-9_-]+:\s*(#.*)?$)");
    std::istringstream in(routing);
    std::ostringstream out;
    bool in_queues = false;
    int queues = 0;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line[0] != ' ' && line[0] != '#')
            in_queues = line.rfind("queues:", 0) == 0;
        if (in_queues && line.find("offer_timeout:") != std::string::npos) continue;
        out << line << '\n';
        if (in_queues && std::regex_match(line, kQueue)) {
            out << "    offer_timeout: {live: 2s, async: 2s}\n";
            ++queues;
        }
    }
    if (queues < 2) throw std::runtime_error("routing.yaml: no queues to shorten the offers of");
    return out.str();
}

/// The accounts: alice and bob (agents for every shipped queue and language), sam
/// (supervisor); `hash` for all of them.
std::string accountsYaml(const std::string& hash) {
    std::string out = "accounts:\n";
    for (const char* name : {"alice", "bob"}) {
        out += std::string("  - name: ") + name +
               "\n"
               "    role: agent\n"
               "    skills: [general, technical, billing, returns]\n"
               "    languages: [en, zh-Hans, zh-Hant]\n"
               "    capacity: {voice: 1, chat: 3, messaging: 5, email: 5}\n"
               "    password_hash: " +
               hash + "\n";
    }
    out +=
        "  - name: sam\n"
        "    role: supervisor\n"
        "    skills: [general, supervisor]\n"
        "    languages: [en, zh-Hans, zh-Hant]\n"
        "    capacity: {voice: 1, chat: 2, messaging: 5, email: 5}\n"
        "    password_hash: " +
        hash + "\n";
    return out;
}

/// One argon2id hash for every account, made once by `ccd agent passwd` (slow by design).
std::string g_password_hash;

}  // namespace

ConsoleDaemon::ConsoleDaemon() : binary(ccdBinary()) {
    try {
        configure();
        ccd.start();
        for (const char* name : {"alice", "bob", "sam"}) tokens[name] = login(name);
    } catch (...) {
        // The destructor does not run after a constructor that threw.
        ccd.stop();
        std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
        throw;
    }
}

ConsoleDaemon::~ConsoleDaemon() {
    std::string problem = ccd.stop();
    const auto& results = boost::unit_test::results_collector.results(
        boost::unit_test::framework::current_test_case().p_id);
    if (!problem.empty() || results.p_assertions_failed > results.p_expected_failures)
        std::cerr << "---- ccd log (" << ccd.logPath() << ") ----\n"
                  << ccd.log() << "---- end of ccd log ----\n";
    BOOST_CHECK_MESSAGE(problem.empty(), problem);
}

void ConsoleDaemon::configure() {
    if (binary.empty() || !fs::exists(binary))
        throw std::runtime_error("no ccd binary at \"" + binary +
                                 "\" (pass it: console_daemon_itest -- PATH/TO/ccd ROOT)");
    auto root = fs::path(repoRoot());
    auto config = dir.path() / "config";
    auto ccd_yaml = config / "ccd.yaml";
    std::string text = ccd::testing::shippedConfigForTest(root, dir.path());
    text = replaceLine(text, "  grace: ", "  grace: 2s");
    // The API without keys (api_keys_e2e tests them).
    text = replaceLine(text, "    public: false", "    public: true");
    writeFile(ccd_yaml, text);
    writeFile(config / "routing.yaml", shortOfferTimeouts(readFile(config / "routing.yaml")));

    auto agents_yaml = config / "agents.yaml";
    if (g_password_hash.empty()) {
        writeFile(agents_yaml, accountsYaml("\"\""));
        int rc = ccd::testing::runWithInput(
            {binary, "agent", "passwd", "alice", "--config", ccd_yaml.string()}, kPassword + "\n",
            ccd.logPath());
        if (rc != 0)
            throw std::runtime_error("ccd agent passwd exited " + std::to_string(rc) + ":\n" +
                                     ccd.log());
        // It writes to the data directory (beside ccd.db), never to agents.yaml.
        static const std::regex kHash(R"re("alice": ("\$argon2id[^"]+"))re");
        std::smatch m;
        std::string written = readFile(dir.path() / "passwords.yaml");
        if (!std::regex_search(written, m, kHash))
            throw std::runtime_error("no argon2id hash in passwords.yaml after passwd:\n" +
                                     written);
        g_password_hash = m[1];
    }
    writeFile(agents_yaml, accountsYaml(g_password_hash));
}

std::string ConsoleDaemon::login(const std::string& name) {
    auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/auth/login",
                                       json{{"name", name}, {"password", kPassword}}.dump());
    if (r.status != 200)
        throw std::runtime_error("login of " + name + ": " + std::to_string(r.status) + " " +
                                 r.text);
    return r.body.at("token").get<std::string>();
}

std::unique_ptr<ConsoleClient> ConsoleDaemon::connect(const std::string& name,
                                                      const std::string& target, json* hello) {
    auto c = std::make_unique<ConsoleClient>(ccd.consolePort(), tokens.at(name), target);
    BOOST_REQUIRE_MESSAGE(c->open(),
                          name << " cannot connect: " << c->upgradeStatus() << " " << c->error());
    auto h = c->expect("hello");
    BOOST_REQUIRE(h["agent"] == name);
    if (hello) *hello = h;
    return c;
}

std::unique_ptr<ConsoleClient> ConsoleDaemon::available(const std::string& name) {
    auto c = connect(name);
    c->ok({{"type", "presence"}, {"presence", "available"}});
    return c;
}

ConsoleDaemon::Posted ConsoleDaemon::post(const std::string& from, const std::string& name,
                                          const std::string& text) {
    json body{{"from", {{"id", from}, {"name", name}, {"email", from + "@example.com"}}},
              {"text", text},
              {"external_id", from + "-" + std::to_string(++posted)},
              {"locale", "en"}};
    auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/messages", body.dump());
    BOOST_REQUIRE_MESSAGE(r.status == 202, "POST /v1/messages: " << r.status << " " << r.text);
    BOOST_REQUIRE(r.body["duplicate"] == false);
    return {r.body["conversation_id"].get<std::int64_t>(),
            r.body["message_id"].get<std::int64_t>()};
}

json ConsoleDaemon::conversation(std::int64_t id) {
    auto r = ccd::testing::httpRequest(
        ccd.httpPort(), "GET", "/v1/conversations/" + std::to_string(id), {}, tokens.at("sam"));
    BOOST_REQUIRE_MESSAGE(r.status == 200,
                          "GET conversation " << id << ": " << r.status << " " << r.text);
    return r.body;
}

}  // namespace ccd::testing
