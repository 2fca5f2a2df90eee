// Service cases as the routing engine sees them (docs/cases.md): a rule's `open_case` asks the
// daemon for a case (once per open case of a type), `repeat_within` tests the customer's earlier
// cases, `prefer_agent: account_manager` holds new work for the account manager for a while,
// a due follow-up is queued and offered like a conversation, and a case's notices become
// replies with their variables and supervisor notices.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE engine_cases
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <set>

#include "config/routing_config_parser.hpp"
#include "tests/support/engine_actions.hpp"
#include "tests/support/engine_agents.hpp"
#include "tests/support/shipped_routing.hpp"

using namespace ccd::routing;
using ccd::testing::all;
using ccd::testing::one;
using ccd::testing::online;
using namespace std::chrono_literals;

namespace {

const TimePoint kOpen = ccd::testing::kTuesdayOpen;

RoutingConfigPtr shipped() { return ccd::testing::shippedRouting(); }

MessageReceived fault(std::int64_t conv) {
    return ccd::testing::firstMessage(conv, ChannelKind::Api,
                                      "My laptop will not turn on, it is broken");
}

CaseRef earlierCase(std::int64_t id, const std::string& type, TimePoint opened, bool open) {
    CaseRef r;
    r.id = id;
    r.type = type;
    r.product_sku = "LT-1";
    r.opened_at = opened;
    r.open = open;
    return r;
}

// bob online; amy, the account manager, known but offline.
void bobOnlineAmyAway(Engine& e) {
    online(e, "bob", {"general", "technical"}, kOpen);
    Agent am;
    am.id = "amy";
    am.skills = {"general", "technical"};
    e.handle(AgentUpdated{am}, kOpen);
}

// A VIP's fault, with amy as their account manager.
MessageReceived vipFault(std::int64_t conv) {
    auto m = fault(conv);
    m.contact.tier = "vip";
    m.contact.account_manager = "amy";
    return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_fault_asks_for_a_repair_case_naming_the_rule) {
    Engine e(shipped());
    auto out = e.handle(fault(1), kOpen);
    auto want = one<CaseRequested>(out);
    BOOST_TEST(want.conversation_id == 1);
    BOOST_TEST(want.contact_id == 1);
    BOOST_TEST(want.type == "repair");
    BOOST_TEST(want.rule == "fault-or-quality");
    BOOST_TEST(actionName(Action{want}) == "case_requested");
}

BOOST_AUTO_TEST_CASE(no_second_case_while_one_of_the_type_is_open) {
    Engine e(shipped());
    auto m = fault(1);
    m.contact.cases.push_back(earlierCase(7, "repair", kOpen - 200 * 24h, true));
    BOOST_TEST(all<CaseRequested>(e.handle(m, kOpen)).empty());

    // A closed one (long ago, no repeat) does not stop a new case.
    auto m2 = fault(2);
    m2.contact.cases.push_back(earlierCase(8, "repair", kOpen - 200 * 24h, false));
    BOOST_TEST(one<CaseRequested>(e.handle(m2, kOpen)).type == "repair");
}

BOOST_AUTO_TEST_CASE(repeat_within_tests_the_customers_recent_cases) {
    Engine e(shipped());
    // A case closed 30 days ago: a repeat, P2 in the technical queue, tagged.
    auto m = fault(1);
    m.contact.cases.push_back(earlierCase(7, "repair", kOpen - 30 * 24h, false));
    auto routed = one<ConversationRouted>(e.handle(m, kOpen));
    BOOST_TEST(routed.priority == 2);
    BOOST_TEST(routed.queue == "technical");
    BOOST_TEST((routed.rules == std::vector<std::string>{"repeat-fault"}));
    BOOST_TEST((std::find(routed.tags.begin(), routed.tags.end(), "repeat") != routed.tags.end()));

    // 91 days ago: outside the window, the ordinary fault rule.
    auto m2 = fault(2);
    m2.contact.cases.push_back(earlierCase(8, "repair", kOpen - 91 * 24h, false));
    auto routed2 = one<ConversationRouted>(e.handle(m2, kOpen));
    BOOST_TEST(routed2.priority == 3);
    BOOST_TEST((routed2.rules == std::vector<std::string>{"fault-or-quality"}));
}

BOOST_AUTO_TEST_CASE(a_vips_work_waits_for_the_account_manager_then_goes_to_the_queue) {
    Engine e(shipped());
    bobOnlineAmyAway(e);
    auto m = vipFault(1);
    auto out = e.handle(m, kOpen);
    BOOST_TEST(all<OfferMade>(out).empty());  // bob is free, but it is amy's for 2 minutes
    auto wake = e.nextWakeup();
    BOOST_REQUIRE(wake.has_value());
    BOOST_TEST((*wake <= kOpen + 2min));

    // amy comes online within the wait: hers.
    Engine e2(shipped());
    bobOnlineAmyAway(e2);
    e2.handle(m, kOpen);
    auto offered =
        one<OfferMade>(e2.handle(PresenceChanged{"amy", Presence::Available}, kOpen + 30s));
    BOOST_TEST(offered.agent == "amy");

    // She does not: after the wait, bob gets it.
    auto later = e.handle(Tick{}, kOpen + 2min);
    BOOST_TEST(one<OfferMade>(later).agent == "bob");
}

// Routing rules reloaded while a VIP's work waits for the account manager: still theirs until
// the wait is over, then the queue's.
BOOST_AUTO_TEST_CASE(a_reload_keeps_the_account_managers_reservation) {
    Engine e(shipped());
    bobOnlineAmyAway(e);
    BOOST_TEST(all<OfferMade>(e.handle(vipFault(1), kOpen)).empty());

    e.reconfigure(shipped());
    BOOST_TEST(all<OfferMade>(e.handle(Tick{}, kOpen + 10s)).empty());  // bob is free: not his
    BOOST_TEST(one<OfferMade>(e.handle(Tick{}, kOpen + 2min)).agent == "bob");
}

BOOST_AUTO_TEST_CASE(without_an_account_manager_the_vip_rule_reserves_nothing) {
    Engine e(shipped());
    online(e, "bob", {"general", "technical"}, kOpen);
    auto m = fault(1);
    m.contact.tier = "vip";
    BOOST_TEST(one<OfferMade>(e.handle(m, kOpen)).agent == "bob");
}

BOOST_AUTO_TEST_CASE(a_due_follow_up_is_queued_and_offered_like_a_conversation) {
    Engine e(shipped());
    online(e, "bob", {"general"}, kOpen);
    WorkCreated w;
    w.conversation_id = 40;
    w.contact_id = 4;
    w.channel = ChannelKind::Telegram;
    w.queue = "general";
    w.priority = 3;
    w.attributes = {{"case_id", "9"}, {"follow_up", "1"}};
    w.tags = {"follow_up"};
    auto out = e.handle(w, kOpen);
    auto q = one<Queued>(out);
    BOOST_TEST(q.queue == "general");
    BOOST_TEST(q.reason == "follow_up");
    BOOST_TEST(one<OfferMade>(out).agent == "bob");
    BOOST_TEST(all<AutoReply>(out).empty());  // nothing is said to the customer by the engine
    auto snap = e.conversation(40);
    BOOST_REQUIRE(snap.has_value());
    BOOST_TEST(snap->attributes.at("case_id") == "9");
    BOOST_TEST((snap->channel == ChannelKind::Telegram));
}

BOOST_AUTO_TEST_CASE(a_follow_up_on_a_resolved_conversation_brings_it_back_to_the_queue) {
    Engine e(shipped());
    online(e, "bob", {"general", "technical"}, kOpen);
    e.handle(fault(1), kOpen);
    e.handle(OfferAnswered{1, "bob", true}, kOpen + 5s);
    e.handle(ResolveRequested{1, "bob", "repaired"}, kOpen + 60s);
    WorkCreated w;
    w.conversation_id = 1;
    w.contact_id = 1;
    w.channel = ChannelKind::Api;
    w.queue = "general";
    w.preferred_agent = "bob";
    auto out = e.handle(w, kOpen + 3h);
    BOOST_TEST(one<Queued>(out).reason == "follow_up");
    BOOST_TEST(one<OfferMade>(out).agent == "bob");
    BOOST_TEST(e.conversation(1)->stage == "offered");

    // While someone holds it, the follow-up is worked in it: no second offer.
    e.handle(OfferAnswered{1, "bob", true}, kOpen + 3h + 5s);
    auto again = e.handle(w, kOpen + 3h + 10s);
    BOOST_TEST(all<OfferMade>(again).empty());
    BOOST_TEST(all<Queued>(again).empty());
}

BOOST_AUTO_TEST_CASE(a_case_notice_is_a_reply_with_its_variables_and_a_supervisor_notice) {
    Engine e(shipped());
    CaseNotified n;
    n.case_id = 9;
    n.conversation_id = 3;
    n.locale = "zh-Hans";
    n.customer.push_back({"case_visit_booked", {{"engineer", "Zhang"}, {"case_id", "9"}}});
    n.supervisors.push_back({"complaint_opened", "case 9: complaint"});
    auto out = e.handle(n, kOpen);
    auto reply = one<AutoReply>(out);
    BOOST_TEST(reply.conversation_id == 3);
    BOOST_TEST(reply.template_id == "case_visit_booked");
    BOOST_TEST(reply.reason == "case:9");
    BOOST_TEST(reply.locale == "zh-Hans");
    BOOST_TEST(reply.params.size() == 2u);
    auto notice = one<SupervisorNotice>(out);
    BOOST_TEST(notice.reason == "complaint_opened");

    // A case without a conversation: only the supervisors hear of it.
    n.conversation_id = 0;
    auto out2 = e.handle(n, kOpen);
    BOOST_TEST(all<AutoReply>(out2).empty());
    BOOST_TEST(all<SupervisorNotice>(out2).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_breached_case_clock_escalates_the_cases_live_work_only) {
    Engine e(shipped());
    const auto first = e.handle(fault(1), kOpen);  // nobody online: waiting
    const int before = one<ConversationRouted>(first).priority;
    BOOST_REQUIRE(before > 1);

    CaseNotified n;
    n.case_id = 4;
    n.conversation_id = 1;
    n.supervisors.push_back({"case_sla_breach", "case 4: plan was due"});
    n.escalate = {1, 99};  // 99: a finished conversation the engine no longer holds
    auto out = e.handle(n, kOpen + 3h);
    auto raised = all<PriorityChanged>(out);
    BOOST_REQUIRE_EQUAL(raised.size(), 1u);
    BOOST_TEST(raised[0].conversation_id == 1);
    BOOST_TEST(raised[0].to == before - 1);
    BOOST_TEST(raised[0].reason == "case_sla_breach");
    auto snap = e.conversation(1);
    BOOST_REQUIRE(snap.has_value());
    BOOST_TEST(snap->priority == before - 1);
    BOOST_TEST(snap->stage == "waiting");
    BOOST_TEST(snap->queue == "escalation");

    // Without `escalate` (a warning), nothing moves.
    CaseNotified warning;
    warning.case_id = 4;
    warning.supervisors.push_back({"case_sla_warning", "case 4: plan is due"});
    BOOST_TEST(all<PriorityChanged>(e.handle(warning, kOpen + 3h)).empty());
}
