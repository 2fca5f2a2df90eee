#include "config/agents_config_parser.hpp"

#define BOOST_TEST_MODULE agents_config_test
#include <boost/test/unit_test.hpp>

#include <algorithm>

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

BOOST_AUTO_TEST_CASE(shipped_file_has_alice_and_sam_without_passwords) {
    auto cfg = loadAgentsConfig(std::string(CCD_SOURCE_DIR) + "/config/agents.yaml");
    BOOST_REQUIRE(cfg->accounts.size() == 2u);
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

BOOST_AUTO_TEST_CASE(setting_a_hash_changes_only_that_value) {
    const std::string text = R"(# people
accounts:
  - name: alice        # the demo agent
    role: agent
    password_hash: ""  # none yet
  - name: sam
    password_hash: ""
)";
    auto out = withPasswordHash(text, "agents.yaml", "alice", kHash);
    BOOST_TEST(out == R"(# people
accounts:
  - name: alice        # the demo agent
    role: agent
    password_hash: ")" + kHash + R"("  # none yet
  - name: sam
    password_hash: ""
)");
    // Again, over a hash that is already there.
    auto again = withPasswordHash(out, "agents.yaml", "alice", kOtherHash);
    BOOST_TEST(again.find(kOtherHash + "\"  # none yet") != std::string::npos);
    BOOST_TEST(again.find(kHash) == std::string::npos);
    BOOST_TEST(parseAgentsConfig(again, "agents.yaml")->find("sam")->password_hash.empty());
}

BOOST_AUTO_TEST_CASE(setting_a_hash_in_other_layouts) {
    // No password_hash key: added under the name, at the map's indentation.
    auto added = withPasswordHash("accounts:\n  - name: bob\n    role: admin\n", "a.yaml", "bob", kHash);
    BOOST_TEST(added == "accounts:\n  - name: bob\n    password_hash: \"" + kHash +
                            "\"\n    role: admin\n");
    // A flow map, with and without the key.
    auto flow = withPasswordHash("accounts:\n  - {name: bob, role: admin}\n", "a.yaml", "bob", kHash);
    BOOST_TEST(flow == "accounts:\n  - {name: bob, password_hash: \"" + kHash + "\", role: admin}\n");
    auto flow2 = withPasswordHash("accounts: [{name: bob, password_hash: ''}]\n", "a.yaml", "bob",
                                  kHash);
    BOOST_TEST(flow2 == "accounts: [{name: bob, password_hash: \"" + kHash + "\"}]\n");
    // An empty value, a null, and a plain (unquoted) old hash.
    auto empty = withPasswordHash("accounts:\n  - name: bob\n    password_hash:\n", "a.yaml", "bob",
                                  kHash);
    BOOST_TEST(empty == "accounts:\n  - name: bob\n    password_hash: \"" + kHash + "\"\n");
    auto tilde = withPasswordHash("accounts:\n  - name: bob\n    password_hash: ~ # x\n", "a.yaml",
                                  "bob", kHash);
    BOOST_TEST(tilde == "accounts:\n  - name: bob\n    password_hash: \"" + kHash + "\" # x\n");
    auto plain = withPasswordHash("accounts:\n  - name: bob\n    password_hash: " + kOtherHash +
                                      "\n    role: admin\n",
                                  "a.yaml", "bob", kHash);
    BOOST_TEST(plain == "accounts:\n  - name: bob\n    password_hash: \"" + kHash +
                            "\"\n    role: admin\n");
    // No newline at the end of the file.
    auto eof = withPasswordHash("accounts:\n  - name: bob", "a.yaml", "bob", kHash);
    BOOST_TEST(parseAgentsConfig(eof, "a.yaml")->find("bob")->password_hash == kHash);
}

BOOST_AUTO_TEST_CASE(setting_a_hash_refuses_unknown_accounts_and_invalid_files) {
    BOOST_CHECK_THROW(withPasswordHash("accounts:\n  - name: bob\n", "a.yaml", "carol", kHash),
                      ConfigError);
    BOOST_CHECK_THROW(withPasswordHash("accounts:\n  - name: bob\n    role: x\n", "a.yaml", "bob",
                                       kHash),
                      ConfigError);
    // A block scalar cannot be edited in place: refused rather than guessed.
    const std::string folded = "accounts:\n  - name: bob\n    password_hash: >-\n      " + kOtherHash + "\n";
    BOOST_REQUIRE(parseAgentsConfig(folded, "a.yaml")->find("bob")->password_hash == kOtherHash);
    BOOST_CHECK_THROW(withPasswordHash(folded, "a.yaml", "bob", kHash), ConfigError);
}
