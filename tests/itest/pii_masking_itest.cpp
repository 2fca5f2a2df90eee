// Personal data masked for the roles `privacy.mask_pii_for` names, with the real `ccd` binary:
// an agent (masked) sees the customer's phone, email and the phone number in the message text
// masked in the console's offer and in GET /v1/conversations/{id}, while an admin (not masked)
// reads the same conversation as it was stored, before and after the agent's reads. The log
// never shows the phone number or the email address.
//
// Arguments (after `--`): the ccd binary and the repository root; without them, the paths
// compiled in by tests/console.cmake.

#include "tests/support/ccd_process.hpp"

#define BOOST_TEST_MODULE pii_masking_itest
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "tests/support/console_client.hpp"
#include "tests/support/temp_dir.hpp"

using ccd::testing::ConsoleClient;
using ccd::testing::readFile;
using ccd::testing::replaceLine;
using ccd::testing::writeFile;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kPassword = "pii itest password";
const std::string kPhone = "13812345678";
const std::string kEmail = "ann@example.com";
const std::string kText = "My printer is broken, it does not print. Call me at 13812345678 "
                          "or write to ann@example.com, 寄到北京市朝阳区建国路88号";

std::string argument(int index, const std::string& fallback) {
    auto& suite = boost::unit_test::framework::master_test_suite();
    if (suite.argc > index && suite.argv[index][0] != '\0') return suite.argv[index];
    return fallback;
}

struct Daemon {
    Daemon() {
        try {
            auto root = fs::path(argument(2, CCD_SOURCE_DIR));
            auto text = ccd::testing::shippedConfigForTest(root, dir.path());
            text = replaceLine(text, "    public: false", "    public: true");
            text = replaceLine(text, "  mask_pii_for: []", "  mask_pii_for: [agent]");
            writeFile(ccd_yaml, text);
            std::string accounts = "accounts:\n";
            for (const auto& [name, role] :
                 {std::pair{"alice", "agent"}, std::pair{"ada", "admin"}})
                accounts += std::string("  - name: ") + name + "\n    role: " + role +
                            "\n    skills: [general, technical, billing, returns]\n"
                            "    languages: [en, zh-Hans]\n";
            writeFile(dir.path() / "config" / "agents.yaml", accounts);
            for (const char* name : {"alice", "ada"}) {
                int rc = ccd::testing::runWithInput(
                    {binary, "agent", "passwd", name, "--config", ccd_yaml.string()},
                    kPassword + "\n", ccd.logPath());
                if (rc != 0) throw std::runtime_error("ccd agent passwd exited " + std::to_string(rc));
            }
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
    }

    std::string login(const std::string& name) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/auth/login",
                                           json{{"name", name}, {"password", kPassword}}.dump());
        if (r.status != 200) throw std::runtime_error("login of " + name + " failed");
        return r.body.at("token").get<std::string>();
    }

    json conversation(std::int64_t id, const std::string& token) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "GET",
                                           "/v1/conversations/" + std::to_string(id), {}, token);
        BOOST_REQUIRE_MESSAGE(r.status == 200, "GET conversation: " << r.status << " " << r.text);
        return r.body;
    }

    ccd::testing::TempDir dir;
    fs::path ccd_yaml = dir.path() / "config" / "ccd.yaml";
    std::string binary = argument(1, CCD_EXECUTABLE);
    ccd::testing::CcdProcess ccd{binary, ccd_yaml.string(), (dir.path() / "ccd.log").string()};
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(an_agent_sees_contact_and_text_masked_an_admin_the_original, Daemon) {
    auto alice_token = login("alice");
    auto ada_token = login("ada");
    ConsoleClient alice(ccd.consolePort(), alice_token);
    BOOST_REQUIRE(alice.open());
    alice.expect("hello");
    alice.ok({{"type", "presence"}, {"presence", "available"}});

    json body{{"from", {{"id", "ann-1"}, {"name", "Ann"}, {"email", kEmail}, {"phone", kPhone}}},
              {"text", kText},
              {"external_id", "pii-1"},
              {"locale", "en"}};
    auto posted =
        ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/messages", body.dump());
    BOOST_REQUIRE_MESSAGE(posted.status == 202, posted.text);
    auto id = posted.body["conversation_id"].get<std::int64_t>();

    // The console: the offer to the agent.
    auto offer = alice.expect("offer", id).dump();
    BOOST_TEST(offer.find(kPhone) == std::string::npos, offer);
    BOOST_TEST(offer.find(kEmail) == std::string::npos, offer);
    BOOST_TEST(offer.find("138****5678") != std::string::npos, offer);
    BOOST_TEST(offer.find("a***@example.com") != std::string::npos, offer);

    // The API: the agent's read is masked ...
    auto masked = conversation(id, alice_token);
    BOOST_TEST(masked["contact"]["phone"] == "138****5678");
    BOOST_TEST(masked["contact"]["email"] == "a***@example.com");
    auto text = masked["messages"][0]["text"].get<std::string>();
    BOOST_TEST(text.find("Call me at 138****5678 or write to a***@example.com") !=
                   std::string::npos,
               text);
    BOOST_TEST(text.find("建国路88号") == std::string::npos, text);
    BOOST_TEST(text.find("My printer is broken") != std::string::npos, text);

    // ... the admin's is what was stored, unchanged by the agent's reads.
    auto original = conversation(id, ada_token);
    BOOST_TEST(original["contact"]["phone"] == kPhone);
    BOOST_TEST(original["contact"]["email"] == kEmail);
    BOOST_TEST(original["messages"][0]["text"] == kText);

    // The log masks them at every level.
    auto log = ccd.log();
    BOOST_TEST(log.find(kPhone) == std::string::npos);
    BOOST_TEST(log.find(kEmail) == std::string::npos);
}
