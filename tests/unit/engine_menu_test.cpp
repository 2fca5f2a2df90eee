// The phone menu (routing.yaml `ivr:`) in the routing engine: a new call waits for the caller's
// key instead of a queue; the key's attributes route it by the rules; a wrong key repeats the
// menu once, then the fallback routes it; a caller who hangs up in the menu is routed too (called
// back); after hours there is no menu. And the `ivr:` section's errors, with their positions.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE engine_menu
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "config/config_error.hpp"
#include "config/routing_config_parser.hpp"
#include "tests/support/engine_actions.hpp"
#include "tests/support/shipped_routing.hpp"

using namespace ccd::routing;
using ccd::testing::all;
using ccd::testing::one;
using ccd::testing::shippedRoutingText;
using namespace std::chrono_literals;

namespace {

// The shipped file with its commented phone menu example switched on.
std::string withShippedMenu() {
    std::istringstream in(shippedRoutingText());
    std::string line, out;
    bool example = false;
    while (std::getline(in, line)) {
        if (line == "# --- phone menu example") {
            example = true;
            continue;
        }
        if (example && line.empty()) example = false;
        if (example && line.rfind("# ", 0) == 0) line = line.substr(2);
        out += line + "\n";
    }
    return out;
}

RoutingConfigPtr withMenu() {
    static RoutingConfigPtr cfg =
        ccd::config::parseRoutingConfig(withShippedMenu(), CCD_SOURCE_DIR "/config/routing.yaml");
    return cfg;
}

// Tuesday 2026-11-24 10:00 in Shanghai (open) and 22:00 (closed).
const TimePoint kOpen = TimePoint(std::chrono::seconds(1795485600));
const TimePoint kClosed = TimePoint(std::chrono::seconds(1795528800));

MessageReceived call(std::int64_t conv, std::int64_t contact = 1) {
    MessageReceived m;
    m.conversation_id = conv;
    m.message_id = conv;
    m.new_conversation = true;
    m.message.channel = ChannelKind::Voice;
    m.message.from.id = "+861380013800" + std::to_string(contact);
    m.contact.id = contact;
    return m;
}

CallStep digits(std::int64_t conv, std::string d) {
    return CallStep{conv, CallStep::Kind::Digits, std::move(d), ""};
}

std::vector<ccd::config::ConfigIssue> issuesOf(const std::string& ivr) {
    try {
        ccd::config::parseRoutingConfig(ivr, "/etc/ccd/routing.yaml");
    } catch (const ccd::config::ConfigError& e) {
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

const std::string kPrompts =
    "ivr:\n  prompt: {en: Press 1, zh-Hans: 请按1, zh-Hant: 請按1}\n";

}  // namespace

BOOST_AUTO_TEST_CASE(the_shipped_example_menu_parses) {
    BOOST_TEST(!ccd::testing::shippedRouting()->ivr);
    const auto& menu = *withMenu()->ivr;
    BOOST_TEST(menu.choices() == "129");
    BOOST_TEST(menu.digits.at("2").at("reason") == "complaint");
    BOOST_TEST(menu.fallback.at("reason") == "operator");
    BOOST_TEST(menu.timeout.count() == 5);
    BOOST_TEST(menu.prompt("zh-Hant") == "報修請按1，投訴請按2，人工服務請按9。");
    BOOST_TEST(menu.prompt("fr") == menu.prompt("en"));
}

BOOST_AUTO_TEST_CASE(a_call_waits_in_the_menu_and_its_key_routes_it) {
    Engine e(withMenu());
    auto out = e.handle(call(1), kOpen);
    BOOST_TEST(all<Queued>(out).empty());
    BOOST_TEST(all<OfferMade>(out).empty());
    BOOST_TEST(e.conversation(1)->stage == "menu");
    BOOST_TEST(e.conversation(1)->menu_attempt == 1);
    BOOST_TEST(!e.queuePosition(1));

    out = e.handle(digits(1, "2"), kOpen + 8s);
    auto queued = all<Queued>(out);
    BOOST_REQUIRE_EQUAL(queued.size(), 1u);
    BOOST_TEST(queued[0].queue == "escalation");  // rule phone-complaint
    BOOST_TEST(queued[0].priority == 2);
    auto routed = all<ConversationRouted>(out);
    BOOST_REQUIRE_EQUAL(routed.size(), 1u);
    BOOST_TEST(routed[0].rules.front() == "phone-complaint");
    auto snap = e.conversation(1);
    BOOST_TEST(snap->stage == "waiting");
    BOOST_TEST(snap->attributes.at("reason") == "complaint");
    BOOST_TEST(snap->menu_attempt == 0);
    // The clocks run from the call, not from the key.
    BOOST_TEST((snap->deadlines.front().started == kOpen));
    // A later key (a stray retry) changes nothing.
    BOOST_TEST(e.handle(digits(1, "1"), kOpen + 9s).empty());
    BOOST_TEST(e.conversation(1)->queue == "escalation");
}

BOOST_AUTO_TEST_CASE(a_chosen_key_reaches_a_free_agent_of_its_queue) {
    Engine e(withMenu());
    Agent a;
    a.id = "tom";
    a.skills = {"technical"};
    e.handle(AgentUpdated{a}, kOpen);
    e.handle(PresenceChanged{"tom", Presence::Available}, kOpen);
    BOOST_TEST(all<OfferMade>(e.handle(call(1), kOpen)).empty());
    auto offers = all<OfferMade>(e.handle(digits(1, "1"), kOpen + 5s));
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].agent == "tom");
    BOOST_TEST(offers[0].queue == "technical");
}

BOOST_AUTO_TEST_CASE(a_wrong_key_repeats_the_menu_once_then_the_default_routes) {
    Engine e(withMenu());
    e.handle(call(1), kOpen);
    auto out = e.handle(digits(1, "7"), kOpen + 6s);
    BOOST_TEST(all<Queued>(out).empty());
    BOOST_TEST(e.conversation(1)->stage == "menu");
    BOOST_TEST(e.conversation(1)->menu_attempt == 2);
    out = e.handle(digits(1, ""), kOpen + 12s);  // nothing pressed the second time
    auto queued = all<Queued>(out);
    BOOST_REQUIRE_EQUAL(queued.size(), 1u);
    BOOST_TEST(queued[0].queue == "general");
    BOOST_TEST(e.conversation(1)->attributes.at("reason") == "operator");
}

BOOST_AUTO_TEST_CASE(a_caller_who_hangs_up_in_the_menu_is_queued_for_a_call_back) {
    Engine e(withMenu());
    e.handle(call(1), kOpen);
    auto out = e.handle(CallStep{1, CallStep::Kind::Hangup, "", "normalClearing"}, kOpen + 3s);
    BOOST_TEST(all<Queued>(out).size() == 1u);
    BOOST_TEST(e.conversation(1)->stage == "waiting");
    // A hangup of a call already routed changes nothing.
    BOOST_TEST(
        e.handle(CallStep{1, CallStep::Kind::Hangup, "", "normalClearing"}, kOpen + 4s).empty());
}

BOOST_AUTO_TEST_CASE(no_menu_after_hours_nor_for_other_channels) {
    Engine e(withMenu());
    e.handle(call(1), kClosed);
    BOOST_TEST(e.conversation(1)->stage == "waiting");
    auto chat = call(2);
    chat.message.channel = ChannelKind::Webchat;
    chat.message.text = "hello";
    e.handle(chat, kOpen);
    BOOST_TEST(e.conversation(2)->stage != "menu");
}

BOOST_AUTO_TEST_CASE(a_reload_without_the_menu_routes_the_callers_in_it) {
    Engine e(withMenu());
    e.handle(call(1), kOpen);
    e.reconfigure(ccd::testing::shippedRouting());
    BOOST_TEST(e.conversation(1)->stage == "menu");
    auto out = e.handle(digits(1, "1"), kOpen + 5s);
    BOOST_TEST(all<Queued>(out).size() == 1u);
    // A new call after the reload is routed at once.
    e.handle(call(2, 2), kOpen + 6s);
    BOOST_TEST(e.conversation(2)->stage == "waiting");
}

BOOST_AUTO_TEST_CASE(menu_mistakes_have_positions) {
    expectIssue("ivr:\n  prompt: {en: Press 1, zh-Hans: 请按1}\n  digits: {\"1\": {reason: a}}\n",
                2, 11, "ivr.prompt", "missing the prompt in zh-Hant");
    expectIssue(kPrompts + "  digits: {\"1\": {reason: a}}\n  timeout: 2m\n", 4, 12,
                "ivr.timeout", "from 1s to 60s");
    expectIssue(kPrompts + "  digits:\n    \"12\": {reason: a}\n", 4, 11, "ivr.digits.12",
                "one key of the phone");
    expectIssue(kPrompts + "  digits:\n    \"1\": repair\n", 4, 10, "ivr.digits.1",
                "expected a map");
    expectIssue(kPrompts + "  digits:\n    \"1\": {}\n", 4, 10, "ivr.digits.1",
                "at least one attribute");
    expectIssue(kPrompts, 2, 3, "ivr.digits", "missing required key \"digits\"");
    expectIssue(kPrompts + "  digits: {\"1\": {reason: a}}\n  greeting: hi\n", 4, 3,
                "ivr.greeting", "unknown key");
    expectIssue("ivr:\n  prompt: {en: Press 1, zh-Hans: a, zh-Hant: b, fr: x}\n"
                "  digits: {\"1\": {reason: a}}\n",
                2, 49, "ivr.prompt.fr", "unknown key");
}
