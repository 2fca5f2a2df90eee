#include "config/yaml_alias_budget.hpp"

#define BOOST_TEST_MODULE yaml_alias_test
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "config/agents_config_parser.hpp"
#include "config/daemon_config_parser.hpp"
#include "config/routing_config_parser.hpp"
#include "config/template_catalog_parser.hpp"
#include "config/yaml_reader.hpp"

// Issue 15, defect 7: one large anchored value referenced many times (a 1.1 MB file with a
// 1 MiB scalar used 4,000 times took 20 s and 4.1 GB in ccd check-config). Every YAML file ccd
// reads goes through YamlDocument, which refuses such a file at the offending alias.

using namespace ccd::config;

namespace {

// `count` references to one anchored scalar of `bytes` bytes, as a list under `key`. The first
// alias is on line 3, column 5.
std::string amplified(const std::string& key, std::size_t bytes, std::size_t count) {
    std::string text = "big: &b " + std::string(bytes, 'x') + "\n" + key + ":\n";
    for (std::size_t i = 0; i < count; ++i) text += "  - *b\n";
    return text;
}

std::vector<ConfigIssue> issuesOf(const std::function<void()>& parse) {
    try {
        parse();
    } catch (const ConfigError& e) {
        return e.issues();
    }
    return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_alias_past_the_expanded_size_is_refused_at_its_position) {
    // 256 KiB + 16 per alias against a budget of 1 MiB (the file is smaller): the 4th alias.
    YamlDocument doc("/etc/ccd/ccd.yaml", amplified("refs", 256 * 1024, 4000));
    BOOST_REQUIRE_EQUAL(doc.issues().size(), 1u);
    const auto& issue = doc.issues()[0];
    BOOST_TEST(issue.file == "/etc/ccd/ccd.yaml");
    BOOST_TEST(issue.line == 3 + 3);
    BOOST_TEST(issue.column == 5);
    BOOST_TEST(issue.path == "refs[3]");
    BOOST_TEST(issue.message.find("expand") != std::string::npos, issue.message);
    BOOST_TEST(!doc.root().present());
}

BOOST_AUTO_TEST_CASE(the_budget_grows_with_the_file) {
    // A 3 MiB file may repeat up to 3 MiB: two references to a 1 MiB value are fine.
    std::string text = amplified("refs", 1 << 20, 2) + "pad: " + std::string(2 << 20, 'y') + "\n";
    BOOST_TEST(!checkAliasBudget(text).has_value());
    // The issue's file: a 1 MiB scalar referenced 4,000 times; refused at the 2nd alias.
    auto problem = checkAliasBudget(amplified("refs", 1 << 20, 4000));
    BOOST_REQUIRE(problem.has_value());
    BOOST_TEST(problem->line == 4);
    BOOST_TEST(problem->path == "refs[1]");
}

BOOST_AUTO_TEST_CASE(too_many_aliases_are_refused_at_the_first_one_over) {
    std::string text = "a: &a 1\nrefs:\n";
    for (int i = 0; i < 600; ++i) text += "  - {x: *a}\n";
    auto problem = checkAliasBudget(text);
    BOOST_REQUIRE(problem.has_value());
    BOOST_TEST(problem->line == 3 + 500);
    BOOST_TEST(problem->column == 9);
    BOOST_TEST(problem->path == "refs[500].x");
    BOOST_TEST(problem->message.find("more than 500 aliases") != std::string::npos);
    // 500 are fine.
    text = "a: &a 1\nrefs:\n";
    for (int i = 0; i < 500; ++i) text += "  - *a\n";
    BOOST_TEST(!checkAliasBudget(text).has_value());
}

BOOST_AUTO_TEST_CASE(nested_expansion_is_counted_without_expanding) {
    // "Billion laughs": 10 levels of 10 references each, 10^10 nodes once expanded, 90 aliases.
    std::string text = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 10; ++i) {
        std::string prev = "*l" + std::to_string(i - 1);
        text += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) text += (j ? ", " : "") + prev;
        text += "]\n";
    }
    YamlDocument doc("routing.yaml", text);
    BOOST_REQUIRE_EQUAL(doc.issues().size(), 1u);
    BOOST_TEST(doc.issues()[0].message.find("expand") != std::string::npos);
    BOOST_TEST(doc.issues()[0].line == 5);  // l4: 10^4 * 10 nodes of 17 bytes > 1 MiB
}

BOOST_AUTO_TEST_CASE(a_recursive_alias_is_refused) {
    auto problem = checkAliasBudget("a: &x {b: [1, *x]}\n");
    BOOST_REQUIRE(problem.has_value());
    BOOST_TEST(problem->line == 1);
    BOOST_TEST(problem->column == 15);
    BOOST_TEST(problem->path == "a.b[1]");
    BOOST_TEST(problem->message.find("recursive") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ordinary_aliases_still_work) {
    auto cfg = parseAgentsConfig(
        "accounts:\n"
        "  - {name: a1, skills: &s [general, technical], languages: &l [en]}\n"
        "  - {name: a2, skills: *s, languages: *l}\n",
        "agents.yaml");
    BOOST_REQUIRE_EQUAL(cfg->accounts.size(), 2u);
    BOOST_TEST(cfg->accounts[1].skills.count("technical") == 1u);
}

BOOST_AUTO_TEST_CASE(every_configuration_file_is_checked) {
    auto expectRefused = [](const std::vector<ConfigIssue>& issues, const std::string& file) {
        BOOST_TEST_CONTEXT(file) {
            BOOST_REQUIRE(!issues.empty());
            BOOST_TEST(issues[0].file == file);
            BOOST_TEST(issues[0].line == 6);
            BOOST_TEST(issues[0].message.find("expand") != std::string::npos);
        }
    };
    const std::string text = amplified("x", 256 * 1024, 100);
    expectRefused(issuesOf([&] { parseDaemonConfig(text, "ccd.yaml", processEnv()); }),
                  "ccd.yaml");
    expectRefused(issuesOf([&] { parseAgentsConfig(text, "agents.yaml"); }), "agents.yaml");
    expectRefused(issuesOf([&] { parseRoutingConfig(text, "routing.yaml"); }), "routing.yaml");
    expectRefused(issuesOf([&] { parseTemplateCatalog({{"en.yaml", text}}, "en"); }), "en.yaml");
}
