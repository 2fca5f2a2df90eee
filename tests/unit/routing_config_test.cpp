#include "config/routing_config_parser.hpp"
#include "tests/support/shipped_routing.hpp"

#define BOOST_TEST_MODULE routing_config_test
#include <boost/test/unit_test.hpp>

using namespace ccd;
using config::ConfigError;
using config::ConfigIssue;

namespace {

std::vector<ConfigIssue> issuesOf(const std::string& yaml) {
    try {
        config::parseRoutingConfig(yaml, "/etc/ccd/routing.yaml");
    } catch (const ConfigError& e) {
        return e.issues();
    }
    return {};
}

void expectIssue(const std::string& yaml, int line, int column, const std::string& path,
                 const std::string& words) {
    auto issues = issuesOf(yaml);
    BOOST_TEST_CONTEXT(yaml) {
        BOOST_REQUIRE_EQUAL(issues.size(), 1u);
        BOOST_TEST(issues[0].line == line);
        BOOST_TEST(issues[0].column == column);
        BOOST_TEST(issues[0].path == path);
        BOOST_TEST(issues[0].message.find(words) != std::string::npos, issues[0].message);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(shipped_routing_file_parses) {
    auto cfg = ccd::testing::shippedRouting();
    BOOST_TEST(cfg->calendars.count("cn-office") == 1u);
    const auto& office = cfg->calendars.at("cn-office");
    BOOST_TEST(office.time_zone == "Asia/Shanghai");
    BOOST_TEST(office.week[0].size() == 1u);
    BOOST_TEST(office.week[6].empty());
    BOOST_TEST(office.holidays.size() == 6u);
    BOOST_TEST(cfg->sla_policies.size() == 5u);
    const auto& p1 = cfg->sla_policies.at("p1").policy;
    BOOST_TEST(p1.targets.front().within.count() == 5 * 60 * 1000);
    BOOST_TEST(cfg->sla_policies.at("p4").calendar.value_or("") == "cn-office");
    BOOST_TEST(cfg->sla_policies.at("p4").policy.business_hours_only);
    BOOST_TEST(cfg->queues.size() == 5u);
    // The configuration builds a working dispatcher.
    routing::Dispatcher d(cfg->queues);
    BOOST_TEST(d.waitingCount() == 0u);
}

BOOST_AUTO_TEST_CASE(a_window_over_midnight_is_split_in_two) {
    auto cfg = config::parseRoutingConfig(
        "business_hours:\n  night:\n    time_zone: UTC\n    week:\n      sun: 22:00-06:00\n",
        "/etc/ccd/routing.yaml");
    const auto& night = cfg->calendars.at("night");
    BOOST_REQUIRE_EQUAL(night.week[6].size(), 1u);
    BOOST_TEST(night.week[6][0].start_minute == 22 * 60);
    BOOST_TEST(night.week[6][0].end_minute == 24 * 60);
    BOOST_REQUIRE_EQUAL(night.week[0].size(), 1u);  // Monday morning
    BOOST_TEST(night.week[0][0].end_minute == 6 * 60);
}

BOOST_AUTO_TEST_CASE(calendar_mistakes_have_positions) {
    expectIssue("business_hours:\n  x:\n    time_zone: Mars/Base\n", 3, 16,
                "business_hours.x.time_zone", "unknown time zone");
    expectIssue("business_hours:\n  x:\n    time_zone: UTC\n    week:\n      mon: [\"9-18\"]\n", 5,
                13, "business_hours.x.week.mon[0]", "HH:MM-HH:MM");
    expectIssue("business_hours:\n  x:\n    time_zone: UTC\n    week:\n      monday: 09:00-18:00\n",
                5, 7, "business_hours.x.week.monday", "did you mean \"mon\"?");
    expectIssue("business_hours:\n  x:\n    time_zone: UTC\n    holidays: [2026-02-30]\n", 4, 16,
                "business_hours.x.holidays[0]", "YYYY-MM-DD");
    expectIssue("business_hours:\n  x:\n    week: {}\n", 3, 5, "business_hours.x.time_zone",
                "missing required key \"time_zone\"");
}

BOOST_AUTO_TEST_CASE(sla_mistakes_have_positions) {
    expectIssue("sla_policies:\n  p1:\n    first_response: 0s\n", 3, 21,
                "sla_policies.p1.first_response", "longer than 0");
    expectIssue("sla_policies:\n  p1:\n    first_response: 2h\n    plan: 30m\n", 4, 11,
                "sla_policies.p1.plan", "impossible SLA: plan is due before first_response");
    expectIssue("sla_policies:\n  p1:\n    business_hours: office\n    first_response: 5m\n", 3, 21,
                "sla_policies.p1.business_hours", "no business_hours calendar named \"office\"");
    expectIssue("sla_policies:\n  p1:\n    warn_at: 80%\n    first_response: 5m\n", 3, 14,
                "sla_policies.p1.warn_at", "expected a number between 0.05 and 0.99");
    expectIssue("sla_policies:\n  p1: {}\n", 2, 7, "sla_policies.p1", "at least one milestone");
}

BOOST_AUTO_TEST_CASE(queue_mistakes_have_positions) {
    expectIssue("queues:\n  vip:\n    overflow: {to: gold, after: 5m}\n", 3, 20,
                "queues.vip.overflow.to", "no queue named \"gold\"");
    expectIssue("queues:\n  vip:\n    selection: random\n", 3, 16, "queues.vip.selection",
                "expected one of: longest_idle, least_occupied, round_robin");
    expectIssue("queues:\n  vip: {}\n  vip: {}\n", 3, 3, "queues.vip", "duplicate name");
    expectIssue("queue:\n  vip: {}\n", 1, 1, "queue", "did you mean \"queues\"?");
}
