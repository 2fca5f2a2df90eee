// Each rule condition and action on its own, and how several rules combine (first set wins,
// `continue`).
#include "routing/rules.hpp"

#define BOOST_TEST_MODULE rules
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>

#include "routing/business_hours.hpp"

using namespace ccd::routing;
using namespace std::chrono_literals;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Tuesday 2026-11-24 10:00 and 22:00 in Shanghai.
const TimePoint kOpen = TimePoint(std::chrono::seconds(1795485600));
const TimePoint kClosed = TimePoint(std::chrono::seconds(1795528800));

std::map<std::string, BusinessHours> calendars() {
    BusinessCalendar cal;
    cal.name = "office";
    cal.time_zone = "Asia/Shanghai";
    for (int d = 0; d < 5; ++d) cal.week[static_cast<std::size_t>(d)] = {{9 * 60, 18 * 60}};
    std::map<std::string, BusinessHours> out;
    out.emplace("office", BusinessHours(cal));
    return out;
}

struct Fixture {
    std::map<std::string, BusinessHours> cals = calendars();
    Classification c;
    ContactProfile contact;
    std::string text;

    Fixture() {
        c.category = "fault";
        c.language = "en";
        c.confidence = 0.9;
    }

    // Whether a single rule with condition `when` matches.
    bool matches(const RuleCondition& when, TimePoint now = kOpen,
                 ChannelKind channel = ChannelKind::Api, bool new_conversation = true,
                 std::chrono::milliseconds waited = 0ms, std::string_view instance = {}) {
        RuleDef rule;
        rule.name = "r";
        rule.when = when;
        rule.then.priority = 1;
        RuleSet set({rule}, &cals, "office", lower);
        RuleInput in;
        in.channel = channel;
        in.channel_instance = instance;
        in.classification = &c;
        in.contact = &contact;
        std::string normalized = lower(text);
        in.normalized_text = &normalized;
        in.new_conversation = new_conversation;
        in.waited = waited;
        in.now = now;
        return set.evaluate(in, waited > 0ms).priority.has_value();
    }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(an_empty_condition_matches_everything, Fixture) {
    BOOST_TEST(matches({}));
}

BOOST_FIXTURE_TEST_CASE(channel_instance_names_one_bot_of_several, Fixture) {
    RuleCondition w;
    w.channel_instances = {"sales-bot"};
    BOOST_TEST(!matches(w, kOpen, ChannelKind::Telegram, true, 0ms, "support-bot"));
    BOOST_TEST(matches(w, kOpen, ChannelKind::Telegram, true, 0ms, "sales-bot"));
    // Without an instance name, the kind's name is the instance (the default "api").
    w.channel_instances = {"api"};
    BOOST_TEST(matches(w));
}

BOOST_FIXTURE_TEST_CASE(channel_category_language_sentiment, Fixture) {
    RuleCondition w;
    w.channels = {ChannelKind::Email};
    BOOST_TEST(!matches(w));
    BOOST_TEST(matches(w, kOpen, ChannelKind::Email));
    w = {};
    w.categories = {"billing", "fault"};
    BOOST_TEST(matches(w));
    c.category = "usage";
    BOOST_TEST(!matches(w));
    w = {};
    w.languages = {"zh-Hant"};
    BOOST_TEST(!matches(w));
    c.language = "zh-Hant";
    BOOST_TEST(matches(w));
    w = {};
    w.sentiments = {Sentiment::Negative};
    BOOST_TEST(!matches(w));
    c.sentiment = Sentiment::Negative;
    BOOST_TEST(matches(w));
}

BOOST_FIXTURE_TEST_CASE(safety_any_none_or_named, Fixture) {
    RuleCondition any;
    any.safety = true;
    RuleCondition none;
    none.safety = false;
    RuleCondition gas;
    gas.safety_signals = {"gas_leak"};
    BOOST_TEST(!matches(any));
    BOOST_TEST(matches(none));
    c.safety = {"fire"};
    BOOST_TEST(matches(any));
    BOOST_TEST(!matches(none));
    BOOST_TEST(!matches(gas));
    c.safety = {"fire", "gas_leak"};
    BOOST_TEST(matches(gas));
}

BOOST_FIXTURE_TEST_CASE(urgency_any_none_or_named_apart_from_safety, Fixture) {
    RuleCondition any;
    any.urgency = true;
    RuleCondition none;
    none.urgency = false;
    RuleCondition production;
    production.urgency_signals = {"production_stopped"};
    BOOST_TEST(!matches(any));
    BOOST_TEST(matches(none));
    c.safety = {"fire"};  // a hazard is no urgency signal
    BOOST_TEST(!matches(any));
    c.urgency = {"business_down"};
    BOOST_TEST(matches(any));
    BOOST_TEST(!matches(none));
    BOOST_TEST(!matches(production));
    c.urgency = {"business_down", "production_stopped"};
    BOOST_TEST(matches(production));
}

BOOST_FIXTURE_TEST_CASE(tier_attributes_and_warranty, Fixture) {
    RuleCondition w;
    w.tiers = {"vip", "gold"};
    BOOST_TEST(!matches(w));
    contact.tier = "gold";
    BOOST_TEST(matches(w));

    w = {};
    w.attributes["region"] = {"north"};
    BOOST_TEST(!matches(w));
    contact.attributes["region"] = "south";
    BOOST_TEST(!matches(w));
    contact.attributes["region"] = "north";
    BOOST_TEST(matches(w));
    w.attributes["plan"] = {""};  // the key must be there, any value
    BOOST_TEST(!matches(w));
    contact.attributes["plan"] = "pro";
    BOOST_TEST(matches(w));

    w = {};
    w.in_warranty = true;
    BOOST_TEST(!matches(w));  // no products
    contact.products.push_back(Product{"X", "x", {}, "2026-01-01", "2026-11-24"});
    BOOST_TEST(matches(w));  // the last day counts
    BOOST_TEST(!matches(w, kOpen + 24h));
    w.in_warranty = false;
    BOOST_TEST(matches(w, kOpen + 24h));
}

BOOST_FIXTURE_TEST_CASE(keywords_and_regular_expressions, Fixture) {
    RuleCondition w;
    w.keywords = {"Recall", "召回"};
    text = "Is my heater part of the recall?";
    BOOST_TEST(matches(w));
    text = "recalling the order";  // whole words only
    BOOST_TEST(!matches(w));
    text = "这个型号在召回名单里吗";
    BOOST_TEST(matches(w));
    w = {};
    w.regexes = {"order\\s*#?\\d{6}"};
    text = "where is order #123456";
    BOOST_TEST(matches(w));
    text = "where is my order";
    BOOST_TEST(!matches(w));
}

BOOST_FIXTURE_TEST_CASE(business_hours_open_or_closed, Fixture) {
    RuleCondition open;
    open.business_hours = true;
    RuleCondition closed;
    closed.business_hours = false;
    BOOST_TEST(matches(open, kOpen));
    BOOST_TEST(!matches(closed, kOpen));
    BOOST_TEST(!matches(open, kClosed));
    BOOST_TEST(matches(closed, kClosed));
}

BOOST_FIXTURE_TEST_CASE(new_conversation_confidence_and_waiting, Fixture) {
    RuleCondition w;
    w.new_conversation = false;
    BOOST_TEST(!matches(w));
    BOOST_TEST(matches(w, kOpen, ChannelKind::Api, false));
    w = {};
    w.confidence_below = 0.5;
    BOOST_TEST(!matches(w));
    c.confidence = 0.3;
    BOOST_TEST(matches(w));
    w = {};
    w.waiting_at_least = 20min;
    BOOST_TEST(!matches(w));  // at intake nothing has waited
    BOOST_TEST(!matches(w, kOpen, ChannelKind::Api, false, 19min));
    BOOST_TEST(matches(w, kOpen, ChannelKind::Api, false, 20min));
}

BOOST_FIXTURE_TEST_CASE(first_set_wins_and_continue_lets_later_rules_fill_in, Fixture) {
    RuleDef sla;
    sla.name = "email-sla";
    sla.then.sla = "email";
    sla.then.tags = {"mail"};
    sla.continue_after = true;
    RuleDef fault;
    fault.name = "fault";
    fault.when.categories = {"fault"};
    fault.then.priority = 3;
    fault.then.queue = "technical";
    fault.then.sla = "p3";  // the earlier rule set the SLA: it stays
    fault.then.tags = {"mail", "hw"};
    RuleDef never;
    never.name = "after-stop";
    never.then.priority = 1;
    RuleSet set({sla, fault, never}, &cals, "office", lower);
    RuleInput in;
    in.classification = &c;
    in.now = kOpen;
    auto out = set.evaluate(in);
    BOOST_TEST(*out.priority == 3);
    BOOST_TEST(*out.queue == "technical");
    BOOST_TEST(*out.sla == "email");
    BOOST_TEST((out.tags == std::vector<std::string>{"mail", "hw"}));
    BOOST_TEST((out.matched == std::vector<std::string>{"email-sla", "fault"}));
}

BOOST_FIXTURE_TEST_CASE(bad_patterns_and_calendars_are_refused, Fixture) {
    RuleDef bad;
    bad.name = "bad";
    bad.when.regexes = {"(unclosed"};
    BOOST_CHECK_THROW(RuleSet({bad}, &cals, "office", lower), std::invalid_argument);
    RuleDef cal;
    cal.name = "cal";
    cal.when.business_hours = true;
    cal.when.calendar = "nowhere";
    BOOST_CHECK_THROW(RuleSet({cal}, &cals, "office", lower), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(priority_names) {
    BOOST_TEST(*priorityFromString("P1") == 1);
    BOOST_TEST(*priorityFromString("p4") == 4);
    BOOST_TEST(!priorityFromString("P5"));
    BOOST_TEST(!priorityFromString("high"));
    BOOST_TEST(priorityName(2) == "P2");
}
