#include "config/agents_config_parser.hpp"

#define BOOST_TEST_MODULE agents_config_test
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>

#include "config/agents_passwords.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd::config;

namespace {

const std::string kHash =
    "$argon2id$v=19$m=65536,t=2,p=1$3SZ8gi7/EDfsfB1tLhU95A$CylFj1u0MBziPHG4v7gnlzZoVp6wNTAG4MuPanrvpjc";
const std::string kOtherHash =
    "$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

std::vector<std::string> problems(const std::string& yaml) {
    try {
        parseAgentsConfig(yaml, "agents.yaml");
    } catch (const ConfigError& e) {
        std::vector<std::string> out;
        for (const auto& i : e.issues()) out.push_back(i.format());
        return out;
    }
    return {};
}

bool has(const std::vector<std::string>& list, const std::string& part) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

std::string dump(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& s : list) out += s + "\n";
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(shipped_file_has_alice_sam_admin_and_an_engineer_without_passwords) {
    // The tracked file: ccd never writes it (passwords go to the data directory).
    auto cfg = loadAgentsConfig(std::string(CCD_SOURCE_DIR) + "/config/agents.yaml");
    BOOST_REQUIRE(cfg->accounts.size() == 4u);
    const auto* zhang = cfg->find("zhang");
    BOOST_REQUIRE(zhang);
    BOOST_TEST((zhang->skills == std::set<std::string>{"engineer"}));
    BOOST_TEST((zhang->service_areas == std::vector<std::string>{"pudong", "xuhui"}));
    BOOST_TEST(cfg->find("alice")->service_areas.empty());
    for (const auto& a : cfg->accounts) BOOST_TEST(a.password_hash.empty(), a.name);
    BOOST_REQUIRE(cfg->find("admin"));
    BOOST_TEST(cfg->find("admin")->role == "admin");
    const auto* alice = cfg->find("alice");
    BOOST_REQUIRE(alice);
    BOOST_TEST(alice->role == "agent");
    BOOST_TEST((alice->skills == std::set<std::string>{"general", "technical"}));
    BOOST_TEST((alice->languages == std::set<std::string>{"en", "zh-Hans"}));
    BOOST_TEST(alice->password_hash.empty());
    BOOST_TEST(alice->display_name == "Alice");
    const auto* sam = cfg->find("sam");
    BOOST_REQUIRE(sam);
    BOOST_TEST(sam->role == "supervisor");
    BOOST_TEST(sam->capacity.max[1] == 2);
    auto agent = AgentsConfig::toRoutingAgent(*alice);
    BOOST_TEST(agent.id == "alice");
    BOOST_TEST(agent.skills.count("technical") == 1u);
}

BOOST_AUTO_TEST_CASE(defaults_and_a_valid_hash) {
    auto cfg = parseAgentsConfig("accounts:\n  - name: bob\n    password_hash: \"" + kHash + "\"\n",
                                 "agents.yaml");
    const auto& bob = cfg->accounts.at(0);
    BOOST_TEST(bob.display_name == "bob");
    BOOST_TEST(bob.role == "agent");
    BOOST_TEST(bob.languages.empty());
    BOOST_TEST(bob.password_hash == kHash);
    BOOST_TEST(parseAgentsConfig("", "agents.yaml")->accounts.empty());
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_with_its_position) {
    auto p = problems(R"(accounts:
  - name: alice
    role: boss
    skils: [x]
    languages: [en, fr]
    capacity: {voice: 2, chat: 3, fax: 1}
    password_hash: "$2y$10$notargon"
  - name: alice
  - name: "bad name"
    teams: {a: 1}
  - display_name: Nobody
  - just a string
)");
    BOOST_TEST_INFO(dump(p));
    BOOST_TEST(has(p, "agents.yaml:3:11: accounts[0].role: expected one of: agent, supervisor, admin"));
    BOOST_TEST(has(p, "agents.yaml:4:5: accounts[0].skils: unknown key \"skils\"; did you mean \"skills\"?"));
    BOOST_TEST(has(p, "agents.yaml:5:21: accounts[0].languages[1]: unknown language \"fr\""));
    BOOST_TEST(has(p, "agents.yaml:6:23: accounts[0].capacity.voice: expected an integer between 0 and 1"));
    BOOST_TEST(has(p, "agents.yaml:6:35: accounts[0].capacity.fax: unknown key"));
    BOOST_TEST(has(p, "agents.yaml:7:20: accounts[0].password_hash: not an argon2id hash"));
    BOOST_TEST(!has(p, "notargon"));  // the value is not repeated
    BOOST_TEST(has(p, "agents.yaml:8:11: accounts[1].name: duplicate account name \"alice\" (first at line 2)"));
    BOOST_TEST(has(p, "agents.yaml:9:11: accounts[2].name: a name is 1 to 64 letters"));
    BOOST_TEST(has(p, "agents.yaml:10:12: accounts[2].teams: expected a list"));
    BOOST_TEST(has(p, "agents.yaml:11:5: accounts[3].name: missing required key \"name\""));
    BOOST_TEST(has(p, "agents.yaml:12:5: accounts[4]: expected a map"));
    BOOST_TEST(p.size() == 11u);
}

BOOST_AUTO_TEST_CASE(top_level_and_type_errors) {
    auto p = problems("acounts: []\n");
    BOOST_TEST(has(p, "agents.yaml:1:1: acounts: unknown key \"acounts\"; did you mean \"accounts\"?"));
    p = problems("accounts: {alice: {}}\n");
    BOOST_TEST(has(p, "agents.yaml:1:11: accounts: expected a list"));
    p = problems("accounts:\n  - name: a\n    capacity: {chat: lots}\n    skills: [[x]]\n");
    BOOST_TEST_INFO(dump(p));
    BOOST_TEST(has(p, "agents.yaml:3:22: accounts[0].capacity.chat: expected an integer between 0 and 10"));
    BOOST_TEST(has(p, "agents.yaml:4:14: accounts[0].skills[0]: expected a string"));
    p = problems("accounts:\n  - name: a\n    password_hash: [1]\n");
    BOOST_TEST(has(p, "agents.yaml:3:20: accounts[0].password_hash: expected a string"));
}

BOOST_AUTO_TEST_CASE(argon2id_strings_are_recognised) {
    BOOST_TEST(isArgon2idHash(kHash));
    BOOST_TEST(!isArgon2idHash(""));
    BOOST_TEST(!isArgon2idHash("$argon2i$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"));
    BOOST_TEST(!isArgon2idHash("$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$"));
    BOOST_TEST(!isArgon2idHash("$argon2id$v=19$m=,t=2,p=1$c2FsdA$aGFzaA"));
    BOOST_TEST(!isArgon2idHash("$argon2id$v=19$m=65536,t=2,p=1$c2F sdA$aGFzaA"));
    BOOST_TEST(isArgon2idHash("$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"));
}

// Issue 15: passwords set at run time live in the data directory, never in agents.yaml.
BOOST_AUTO_TEST_CASE(a_passwords_file_round_trips_and_overrides_agents_yaml) {
    PasswordHashes hashes{{"alice", kHash}, {"null", kOtherHash}};
    auto text = formatPasswords(hashes);
    BOOST_TEST(parsePasswords(text, "passwords.yaml") == hashes);
    BOOST_TEST(parsePasswords(formatPasswords({}), "passwords.yaml").empty());
    BOOST_TEST(parsePasswords("", "passwords.yaml").empty());

    ccd::testing::TempDir dir;
    std::ofstream(dir.file("agents.yaml"))
        << "accounts:\n  - name: alice\n  - name: sam\n    password_hash: \"" << kOtherHash
        << "\"\n";
    // No passwords file: agents.yaml as it is.
    auto plain = loadAgentsWithPasswords(dir.file("agents.yaml"), dir.file("var/passwords.yaml"));
    BOOST_TEST(plain->find("alice")->password_hash.empty());
    BOOST_TEST(plain->find("sam")->password_hash == kOtherHash);
    // A hash there overrides; a name that is no account is ignored.
    std::ofstream(dir.file("passwords.yaml"))
        << formatPasswords({{"sam", kHash}, {"gone", kHash}});
    auto merged = loadAgentsWithPasswords(dir.file("agents.yaml"), dir.file("passwords.yaml"));
    BOOST_TEST(merged->accounts.size() == 2u);
    BOOST_TEST(merged->find("alice")->password_hash.empty());
    BOOST_TEST(merged->find("sam")->password_hash == kHash);
    BOOST_TEST(!merged->find("gone"));
}

BOOST_AUTO_TEST_CASE(a_bad_passwords_file_is_reported_with_its_position) {
    try {
        parsePasswords("passwords:\n  alice: not-a-hash\n  bob: [1]\n", "/var/ccd/passwords.yaml");
        BOOST_FAIL("no error");
    } catch (const ConfigError& e) {
        BOOST_REQUIRE_EQUAL(e.issues().size(), 2u);
        BOOST_TEST(e.issues()[0].format().find("/var/ccd/passwords.yaml:2:10: passwords.alice: "
                                               "not an argon2id hash") == 0u);
        BOOST_TEST(e.issues()[0].message.find("not-a-hash") == std::string::npos);
        BOOST_TEST(e.issues()[1].line == 3);
    }
    BOOST_CHECK_THROW(parsePasswords("accounts: []\n", "p.yaml"), ConfigError);
}
