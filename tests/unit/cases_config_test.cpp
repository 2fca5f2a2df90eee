// The `cases:` section of routing.yaml: the shipped one, and every mistake reported with its
// file, line, column and YAML path.
#include "config/cases_parser.hpp"

#define BOOST_TEST_MODULE cases_config_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <sstream>
#include <vector>

#include "config/routing_config_parser.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/shipped_routing.hpp"

using namespace ccd;
using namespace std::chrono_literals;
using config::ConfigError;
using config::ConfigIssue;

namespace {

// A small valid routing.yaml; tests replace one line (numbered from 1) to make a mistake.
const std::vector<std::string> kBase = {
    "business_hours:",  // 1
    "  office: {time_zone: UTC, week: {mon: 09:00-18:00}}",
    "queues:",                            // 3
    "  general: {}",                      // 4
    "cases:",                             // 5
    "  initial_stage: open",              // 6
    "  stages:",                          // 7
    "    open: {next: [working, done]}",  // 8
    "    working: {owner: engineer, next: [done], milestone: fix, within: 2h, calendar: office}",
    "    done: {terminal: true, needs_summary: true}",  // 10
    "  types:",                                         // 11
    "    repair: {label: Repair}",                      // 12
    "    complaint: {complaint: true, owner: sam}",     // 13
    "  follow_ups:",                                    // 14
    "    - name: check",                                // 15
    "      on: \"stage:done\"",                         // 16
    "      types: [repair]",                            // 17
    "      kind: voice",                                // 18
    "      queue: general",                             // 19
};

std::string yamlWith(int line, const std::string& text) {
    std::ostringstream out;
    for (std::size_t i = 0; i < kBase.size(); ++i)
        out << (static_cast<int>(i) + 1 == line ? text : kBase[i]) << "\n";
    return out.str();
}

std::vector<ConfigIssue> issuesOf(const std::string& yaml) {
    try {
        config::parseRoutingConfig(yaml, "/etc/ccd/routing.yaml");
    } catch (const ConfigError& e) {
        return e.issues();
    }
    return {};
}

void expectIssue(int replace, const std::string& text, int line, int column,
                 const std::string& path, const std::string& words) {
    ccd::testing::expectOneIssue(issuesOf(yamlWith(replace, text)), text, line, column, path,
                                 words, "/etc/ccd/routing.yaml");
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_small_file_parses) {
    auto cfg = config::parseRoutingConfig(yamlWith(0, ""), "/etc/ccd/routing.yaml");
    const auto& cases = cfg->cases;
    BOOST_REQUIRE_EQUAL(cases.stages.size(), 3u);
    BOOST_TEST(cases.initial_stage == "open");
    const auto* working = cases.stage("working");
    BOOST_REQUIRE(working);
    BOOST_TEST(working->label == "Working");
    BOOST_TEST(working->owner == "engineer");
    BOOST_TEST(working->milestone.value_or("") == "fix");
    BOOST_TEST((working->within && *working->within == 2h));
    BOOST_TEST(working->warn_fraction == 0.8);
    BOOST_TEST(working->calendar.value_or("") == "office");
    BOOST_TEST(cases.stage("done")->terminal);
    BOOST_TEST(cases.type("complaint")->complaint);
    BOOST_TEST(cases.type("complaint")->owner == "sam");
    BOOST_TEST(cases.type("repair")->label == "Repair");
    BOOST_TEST(!cases.type("nothing"));
    BOOST_REQUIRE_EQUAL(cases.follow_ups.size(), 1u);
    const auto& f = cases.follow_ups[0];
    BOOST_TEST(f.on == "stage:done");
    BOOST_TEST(f.types == std::set<std::string>{"repair"});
    BOOST_TEST(f.kind == "voice");
    BOOST_TEST(f.queue == "general");
    BOOST_TEST((f.after == 2h && f.retry_after == 4h && f.max_attempts == 3 && f.priority == 3));
    BOOST_TEST(cfg->template_refs.empty());
}

BOOST_AUTO_TEST_CASE(without_the_section_no_case_can_be_opened) {
    auto cfg = config::parseRoutingConfig("queues:\n  general: {}\n", "/etc/ccd/routing.yaml");
    BOOST_TEST(cfg->cases.types.empty());
    BOOST_TEST(cfg->cases.stages.empty());
    BOOST_TEST(cfg->cases.follow_ups.empty());
}

BOOST_AUTO_TEST_CASE(the_shipped_section) {
    auto cfg = ccd::testing::shippedRouting();
    const auto& cases = cfg->cases;
    BOOST_TEST(cases.stages.size() == 9u);
    BOOST_TEST(cases.types.size() == 6u);
    BOOST_TEST(cases.follow_ups.size() == 3u);
    BOOST_TEST(cases.initial_stage == "registered");
    BOOST_TEST(cases.warranty_months == 12);
    BOOST_TEST(cases.warranty_months_by_sku.empty());
    BOOST_TEST((cases.repeat_window == 24h * 90));
    BOOST_TEST(cases.currency == "CNY");
    BOOST_TEST((cases.account_manager_wait == 2min));
    BOOST_TEST(cases.visit_template.value_or("") == "case_visit_booked");
    BOOST_TEST(cases.visit_changed_template.value_or("") == "case_visit_changed");
    BOOST_TEST(cases.quote_template.value_or("") == "case_quote");
    const auto* diagnosing = cases.stage("diagnosing");
    BOOST_REQUIRE(diagnosing);
    BOOST_TEST(diagnosing->calendar.value_or("") == "cn-office");
    BOOST_TEST(cases.stage("in_repair")->needs_agreement);
    BOOST_TEST(cases.stage("awaiting_customer")->owner == "customer");
    BOOST_TEST(cases.follow_ups[2].types.size() == 4u);
    BOOST_TEST((cases.follow_ups[2].after == 24h));
    BOOST_TEST(cases.follow_ups[2].kind == "messaging");
    // Every template the section names is checked against the catalog at load time.
    std::vector<std::string> ids;
    for (const auto& ref : cfg->template_refs) {
        if (ref.path.rfind("cases.", 0) == 0) ids.push_back(ref.id + "@" + ref.path);
    }
    BOOST_TEST(
        ids == (std::vector<std::string>{"case_visit_booked@cases.templates.visit",
                                         "case_visit_changed@cases.templates.visit_changed",
                                         "case_quote@cases.templates.quote",
                                         "case_plan_proposed@cases.stages.plan_proposed.notify",
                                         "case_repaired@cases.stages.repaired.notify"}),
        boost::test_tools::per_element());
    auto quote = std::find_if(cfg->template_refs.begin(), cfg->template_refs.end(),
                              [](const auto& r) { return r.id == "case_quote"; });
    BOOST_REQUIRE(quote != cfg->template_refs.end());
    // Where the shipped file names it: the line of "quote: case_quote", after "quote: ".
    std::ifstream in(CCD_SOURCE_DIR "/config/routing.yaml");
    std::string line;
    int number = 0, expected_line = 0, expected_column = 0;
    while (std::getline(in, line)) {
        ++number;
        auto at = line.find("quote: case_quote");
        if (at != std::string::npos) {
            expected_line = number;
            expected_column = static_cast<int>(at + 8);  // 1-based column of the value
            break;
        }
    }
    BOOST_REQUIRE(expected_line > 0);
    BOOST_TEST(quote->line == expected_line);
    BOOST_TEST(quote->column == expected_column);
}

BOOST_AUTO_TEST_CASE(a_next_stage_must_exist) {
    expectIssue(8, "    open: {next: [working, don]}", 8, 28, "cases.stages.open.next[1]",
                "no stage named \"don\"");
    expectIssue(8, "    open: {next: [working, working]}", 8, 28, "cases.stages.open.next[1]",
                "listed twice");
}

BOOST_AUTO_TEST_CASE(a_follow_up_kind_is_voice_messaging_or_email) {
    expectIssue(18, "      kind: chat", 18, 13, "cases.follow_ups[0].kind",
                "expected one of: voice, messaging, email (got \"chat\")");
}

BOOST_AUTO_TEST_CASE(a_follow_up_queue_must_be_configured) {
    expectIssue(19, "      queue: sales", 19, 14, "cases.follow_ups[0].queue",
                "no queue named \"sales\"");
    expectIssue(19, "      priority: P2", 15, 7, "cases.follow_ups[0].queue",
                "missing required key \"queue\"");
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_refused) {
    expectIssue(10, "    done: {terminal: true, colour: red}", 10, 28, "cases.stages.done.colour",
                "unknown key \"colour\"");
    expectIssue(6, "  initial_stage: open\n  warrenty: {months: 24}", 7, 3, "cases.warrenty",
                "did you mean \"warranty\"?");
}

BOOST_AUTO_TEST_CASE(a_case_must_be_able_to_end) {
    expectIssue(10, "    done: {next: [open]}", 8, 5, "cases.stages", "no terminal stage");
    expectIssue(10, "    done: {terminal: true, next: [open]}", 10, 34, "cases.stages.done.next",
                "a terminal stage has no next stages");
    expectIssue(9, "    working: {owner: engineer}", 9, 14, "cases.stages.working", "needs `next`");
}

BOOST_AUTO_TEST_CASE(stage_mistakes) {
    expectIssue(9, "    working: {owner: robot, next: [done]}", 9, 22, "cases.stages.working.owner",
                "expected one of: agent, engineer, customer, supervisor");
    expectIssue(9, "    working: {next: [done], within: 2h, calendar: moon}", 9, 51,
                "cases.stages.working.calendar", "no business_hours calendar named \"moon\"");
    expectIssue(9, "    working: {next: [done], milestone: fix}", 9, 40,
                "cases.stages.working.milestone", "a milestone needs `within`");
    expectIssue(9, "    working: {next: [done], warn_at: 0.5}", 9, 38, "cases.stages.working.warn_at",
                "a warning point needs `within`");
    expectIssue(9, "    working: {next: [done], within: 2h, warn_at: 1.5}", 9, 50,
                "cases.stages.working.warn_at", "expected a number between 0.05 and 0.99");
    expectIssue(9, "    working: {next: [done], within: 0s}", 9, 37, "cases.stages.working.within",
                "must be longer than 0");
    expectIssue(10, "    done: {terminal: true}\n    done: {terminal: true}", 11, 5,
                "cases.stages.done", "duplicate name \"done\"");
    expectIssue(6, "  initial_stage: start", 6, 18, "cases.initial_stage",
                "no stage named \"start\"");
    expectIssue(6, "  initial_stage: done", 6, 18, "cases.initial_stage",
                "a case cannot start in the terminal stage \"done\"");
}

BOOST_AUTO_TEST_CASE(type_mistakes) {
    expectIssue(12, "    repair: {initial_stage: opne}", 12, 29, "cases.types.repair.initial_stage",
                "no stage named \"opne\"");
    expectIssue(12, "    repair: {complaint: maybe}", 12, 25, "cases.types.repair.complaint", "");
}

BOOST_AUTO_TEST_CASE(follow_up_mistakes) {
    expectIssue(16, "      on: \"stage:nowhere\"", 16, 11, "cases.follow_ups[0].on",
                "no stage named \"nowhere\"");
    expectIssue(16, "      on: \"closed\"", 16, 11, "cases.follow_ups[0].on",
                "expected \"stage:<stage>\" or \"resolved:<disposition>\"");
    expectIssue(17, "      types: [repair, repiar]", 17, 23, "cases.follow_ups[0].types[1]",
                "no case type named \"repiar\"");
    auto twice = yamlWith(0, "") +
                 "    - name: check\n      on: \"resolved:guidance\"\n"
                 "      queue: general\n";
    auto issues = issuesOf(twice);
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].line == 20);
    BOOST_TEST(issues[0].column == 13);
    BOOST_TEST(issues[0].path == "cases.follow_ups[1].name");
    BOOST_TEST(issues[0].message == "duplicate follow-up name \"check\"");
}

BOOST_AUTO_TEST_CASE(warranty_and_money_mistakes) {
    expectIssue(6, "  initial_stage: open\n  warranty: {months: 0}", 7, 22, "cases.warranty.months",
                "expected an integer between 1 and 120 (got \"0\")");
    expectIssue(6, "  initial_stage: open\n  warranty: {by_sku: {AC-2000: 121}}", 7, 32,
                "cases.warranty.by_sku.AC-2000", "between 1 and 120");
    expectIssue(6, "  initial_stage: open\n  currency: yuan", 7, 13, "cases.currency", "ISO 4217");
    expectIssue(6, "  initial_stage: open\n  repeat_within: 0d", 7, 18, "cases.repeat_within",
                "must be longer than 0");
}
