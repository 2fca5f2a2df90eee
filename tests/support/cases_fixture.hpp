#pragma once
// Helpers of the service-case tests: the shipped routing.yaml read by the real parser, its
// calendars compiled, UTC instants written as dates, and cases opened in a chosen stage.

#include <boost/test/unit_test.hpp>
#include <ctime>
#include <map>
#include <string>

#include "config/routing_config_parser.hpp"
#include "routing/cases/case_dates.hpp"
#include "routing/cases/service_case.hpp"
#include "tests/support/shipped_routing.hpp"

// Instants and template parameters print readably in failed checks.
namespace boost::test_tools::tt_detail {
template <>
struct print_log_value<ccd::routing::TimePoint> {
    void operator()(std::ostream& os, const ccd::routing::TimePoint& t) {
        os << ccd::routing::isoUtc(t) << " (" << ccd::routing::unixMillis(t) << " ms)";
    }
};
template <>
struct print_log_value<std::pair<std::string, std::string>> {
    void operator()(std::ostream& os, const std::pair<std::string, std::string>& p) {
        os << p.first << "=" << p.second;
    }
};
}  // namespace boost::test_tools::tt_detail

namespace ccd::testing {

/// The instant of a UTC date and time.
inline routing::TimePoint utc(int year, int month, int day, int hour = 0, int minute = 0,
                              int second = 0) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return routing::Clock::from_time_t(timegm(&tm));
}

/// The shipped routing.yaml, its compiled calendars and the CaseRules over them.
struct ShippedCases {
    routing::RoutingConfigPtr cfg =
        ccd::testing::shippedRouting();
    std::map<std::string, routing::BusinessHours> calendars = compile(*cfg);
    routing::CaseRules rules{&cfg->cases, &calendars, &cfg->escalation};

    static std::map<std::string, routing::BusinessHours> compile(const routing::RoutingConfig& r) {
        std::map<std::string, routing::BusinessHours> out;
        for (const auto& [name, cal] : r.calendars) out.emplace(name, routing::BusinessHours(cal));
        return out;
    }
};

/// A product bought on `purchased_on` (warranty from the purchase date).
inline routing::Product product(const std::string& sku, const std::string& purchased_on,
                                std::optional<std::string> serial = std::nullopt) {
    routing::Product p;
    p.sku = sku;
    p.name = sku;
    p.purchased_on = purchased_on;
    p.serial = std::move(serial);
    return p;
}

/// Opens a case of `type` for contact 9 (id 7 as if stored) and asserts it opened.
inline routing::ServiceCase openedCase(const routing::CaseRules& rules, const std::string& type,
                                       std::optional<routing::Product> p, routing::TimePoint now,
                                       routing::CaseOutcome* outcome = nullptr) {
    routing::CaseOpening o;
    o.type = type;
    o.contact_id = 9;
    o.product = std::move(p);
    o.channel = "support-bot";
    o.conversation_id = 100;
    o.by = "agent:alice";
    o.owner = "alice";
    o.description = "It does not start";
    routing::ServiceCase c;
    auto r = routing::openCase(rules, o, now, c);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.error + ": " + r.reason);
    c.id = 7;
    if (outcome) *outcome = r;
    return c;
}

/// What must not change when a command fails (the fields commands touch).
inline std::string snapshot(const routing::ServiceCase& c) {
    std::string s =
        c.stage + "|" + c.owner + "|" + c.repair_mode + "|" + c.summary + "|" +
        std::to_string(c.history.size()) + "|" + std::to_string(routing::unixMillis(c.updated_at)) +
        "|" + std::to_string(c.visits.size()) + "|" + std::to_string(c.shipments.size()) + "|" +
        std::to_string(c.repairs.size()) + "|" + std::to_string(c.follow_ups.size()) + "|" +
        std::to_string(c.conversations.size()) + "|" + (c.quote ? c.quote->status : "-") + "|" +
        (c.closed_at ? "closed" : "open");
    for (const auto& v : c.visits)
        s += "|v" + std::to_string(v.id) + v.status + std::to_string(v.changes.size());
    for (const auto& f : c.follow_ups) s += "|f" + std::to_string(f.id) + f.status;
    return s;
}

/// Applies `command` and asserts it fails with `error`, leaving the case unchanged.
inline void expectRefused(const routing::CaseRules& rules, routing::ServiceCase& c,
                          const routing::CaseCommand& command, const std::string& error,
                          routing::TimePoint now) {
    const std::string before = snapshot(c);
    auto r = routing::applyCase(rules, c, command, "agent:alice", now);
    BOOST_TEST(r.error == error,
               "expected " << error << ", got \"" << r.error << "\" (" << r.reason << ")");
    BOOST_TEST(!r.reason.empty());
    BOOST_TEST(r.effects.customer.empty());
    BOOST_TEST(r.effects.supervisors.empty());
    BOOST_TEST(snapshot(c) == before);
}

/// Applies `command` by agent alice and asserts it succeeded.
inline routing::CaseOutcome expectApplied(const routing::CaseRules& rules, routing::ServiceCase& c,
                                          const routing::CaseCommand& command,
                                          routing::TimePoint now) {
    auto r = routing::applyCase(rules, c, command, "agent:alice", now);
    BOOST_TEST(r.ok(), r.error << ": " << r.reason);
    return r;
}

}  // namespace ccd::testing
