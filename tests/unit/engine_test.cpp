// The routing engine on the shipped config/routing.yaml: triage, automatic replies, offers,
// SLA clocks and escalation, surveys, loop protection, self-service, reloads. Time is a
// parameter: every test drives the clock itself.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE engine
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "config/config_error.hpp"
#include "config/routing_config_parser.hpp"
#include "tests/support/engine_actions.hpp"
#include "tests/support/engine_agents.hpp"
#include "tests/support/shipped_routing.hpp"

using namespace ccd::routing;
using ccd::testing::all;
using ccd::testing::one;
using ccd::testing::online;
using ccd::testing::shippedRoutingText;
using namespace std::chrono_literals;

namespace {

RoutingConfigPtr shipped() { return ccd::testing::shippedRouting(); }

const TimePoint kOpen = ccd::testing::kTuesdayOpen;
const TimePoint kClosed = ccd::testing::kTuesdayClosed;

MessageReceived message(std::int64_t conv, std::int64_t msg, std::string text,
                        std::int64_t contact = 1, ChannelKind channel = ChannelKind::Api) {
    MessageReceived m;
    m.conversation_id = conv;
    m.message_id = msg;
    m.new_conversation = true;
    m.message.channel = channel;
    m.message.text = std::move(text);
    m.message.from.id = "c" + std::to_string(contact);
    m.contact.id = contact;
    return m;
}

Agent agent(const std::string& id, std::set<std::string> skills) {
    Agent a;
    a.id = id;
    a.skills = std::move(skills);
    return a;
}

std::vector<std::string> names(const std::vector<Action>& actions) {
    std::vector<std::string> out;
    for (const auto& a : actions) out.emplace_back(actionName(a));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fault_is_p3_technical_with_an_acknowledgement_in_hours) {
    Engine e(shipped());
    auto out = e.handle(message(1, 1, "My printer is broken and shows an error code"), kOpen);
    auto routed = one<ConversationRouted>(out);
    BOOST_TEST(routed.classification.category == "fault");
    // The conversation keeps the category's subtype beside it, for the store and the console.
    BOOST_TEST(!routed.classification.subtype.empty());
    BOOST_TEST(e.conversation(1)->category == "fault");
    BOOST_TEST(e.conversation(1)->subtype == routed.classification.subtype);
    BOOST_TEST(routed.priority == 3);
    BOOST_TEST(routed.queue == "technical");
    BOOST_TEST(routed.sla_policy == "p3");
    BOOST_TEST(!routed.deadlines.empty());
    auto reply = one<AutoReply>(out);
    BOOST_TEST(reply.template_id == "ack");
    BOOST_TEST(reply.locale == "en");
    auto queued = one<Queued>(out);
    BOOST_TEST(queued.position == 1u);
    BOOST_TEST(all<OfferMade>(out).empty());  // nobody online: it waits
}

BOOST_AUTO_TEST_CASE(after_hours_notice_outside_business_hours_in_the_customers_language) {
    Engine e(shipped());
    auto out = e.handle(message(1, 1, "我的打印机坏了，一直卡纸"), kClosed);
    auto reply = one<AutoReply>(out);
    BOOST_TEST(reply.template_id == "after_hours");
    BOOST_TEST(reply.locale == "zh-Hans");
}

BOOST_AUTO_TEST_CASE(safety_signal_is_p1_to_escalation_with_a_notice) {
    Engine e(shipped());
    auto out = e.handle(message(1, 1, "The charger caught fire and there is smoke"), kOpen);
    auto routed = one<ConversationRouted>(out);
    BOOST_TEST(routed.priority == 1);
    BOOST_TEST(routed.queue == "escalation");
    BOOST_TEST(routed.sla_policy == "p1");
    BOOST_TEST(one<AutoReply>(out).template_id == "ack_safety");
    BOOST_TEST(one<SupervisorNotice>(out).reason == "safety");
}

BOOST_AUTO_TEST_CASE(vip_fault_is_p1_but_stays_in_the_technical_queue) {
    Engine e(shipped());
    auto m = message(1, 1, "The dishwasher does not drain, error E15");
    m.contact.tier = "vip";
    auto routed = one<ConversationRouted>(e.handle(m, kOpen));
    BOOST_TEST(routed.priority == 1);
    BOOST_TEST(routed.queue == "technical");
    BOOST_TEST(routed.rules.front() == "vip-fault-or-complaint");
}

BOOST_AUTO_TEST_CASE(email_gets_the_email_sla) {
    Engine e(shipped());
    auto routed = one<ConversationRouted>(
        e.handle(message(1, 1, "I was charged twice on my invoice", 1, ChannelKind::Email), kOpen));
    BOOST_TEST(routed.queue == "billing");
    BOOST_TEST(routed.sla_policy == "email");
}

BOOST_AUTO_TEST_CASE(warranty_decides_between_two_rules) {
    Engine e(shipped());
    auto in = message(1, 1, "The washing machine stopped working");
    in.contact.products.push_back(Product{"WM-1", "Washer", {}, "2026-01-10", "2028-01-10"});
    auto r1 = one<ConversationRouted>(e.handle(in, kOpen));
    BOOST_TEST(r1.rules.front() == "fault-under-warranty");
    BOOST_TEST((std::find(r1.tags.begin(), r1.tags.end(), "warranty") != r1.tags.end()));

    auto out = message(2, 2, "The washing machine stopped working", 2);
    out.contact.products.push_back(Product{"WM-1", "Washer", {}, "2020-01-10", "2022-01-10"});
    auto r2 = one<ConversationRouted>(e.handle(out, kOpen));
    BOOST_TEST(r2.rules.front() == "fault-or-quality");
}

BOOST_AUTO_TEST_CASE(offer_accept_reply_resolve_survey_rating) {
    Engine e(shipped());
    online(e, "alice", {"technical"}, kOpen);
    auto out = e.handle(message(1, 1, "The TV has no picture, only sound"), kOpen);
    auto offer = one<OfferMade>(out);
    BOOST_TEST(offer.agent == "alice");
    BOOST_TEST((offer.expires_at == kOpen + 120s));  // API is asynchronous work

    out = e.handle(OfferAnswered{1, "alice", true}, kOpen + 10s);
    BOOST_TEST(one<Assigned>(out).agent == "alice");
    BOOST_TEST(e.visibleTo(1, "alice"));

    out = e.handle(AgentReplied{1, "alice", false}, kOpen + 60s);
    auto met = one<MilestoneMet>(out);
    BOOST_TEST((met.milestone == Milestone::FirstResponse));
    BOOST_TEST(!met.late);

    out = e.handle(AgentReplied{1, "bob", false}, kOpen + 61s);
    BOOST_TEST(one<Rejected>(out).code == "not_assigned");

    out = e.handle(ResolveRequested{1, "alice", "fixed"}, kOpen + 600s);
    BOOST_TEST(one<ConversationResolved>(out).disposition == "fixed");
    BOOST_TEST(one<AutoReply>(out).template_id == "survey");

    auto answer = message(1, 2, "5");
    answer.new_conversation = false;
    answer.survey_rating = 5;
    out = e.handle(answer, kOpen + 700s);
    BOOST_TEST(one<RatingRecorded>(out).rating == 5);
    BOOST_TEST(all<Queued>(out).empty());  // a rating does not reopen

    // After the survey window the conversation closes.
    out = e.handle(Tick{}, kOpen + 600s + 72h);
    BOOST_TEST(one<ConversationClosed>(out).conversation_id == 1);
    BOOST_TEST(!e.conversation(1));
}

BOOST_AUTO_TEST_CASE(low_rating_notifies_a_supervisor_and_other_text_reopens) {
    Engine e(shipped());
    online(e, "alice", {"technical"}, kOpen);
    e.handle(message(1, 1, "The fridge is not cooling"), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 1s);
    e.handle(ResolveRequested{1, "alice", "fixed"}, kOpen + 60s);
    auto low = message(1, 2, "1");
    low.new_conversation = false;
    low.survey_rating = 1;
    auto out = e.handle(low, kOpen + 120s);
    BOOST_TEST(one<RatingRecorded>(out).rating == 1);
    BOOST_TEST(one<SupervisorNotice>(out).reason == "low_rating");

    auto again = message(1, 3, "It is broken again, still not cooling");
    again.new_conversation = false;
    out = e.handle(again, kOpen + 3600s);
    BOOST_TEST(one<Queued>(out).reason == "reopened");
}

BOOST_AUTO_TEST_CASE(offer_timeout_moves_to_the_next_agent) {
    Engine e(shipped());
    online(e, "alice", {"technical"}, kOpen);
    online(e, "bob", {"technical"}, kOpen + 1s);  // alice idle longer: she gets it first
    auto out = e.handle(message(1, 1, "My laptop will not turn on"), kOpen + 2s);
    BOOST_TEST(one<OfferMade>(out).agent == "alice");
    out = e.handle(Tick{}, kOpen + 2s + 119s);
    BOOST_TEST(all<OfferRevoked>(out).empty());
    out = e.handle(Tick{}, kOpen + 2s + 120s);
    BOOST_TEST(one<OfferRevoked>(out).reason == "timeout");
    BOOST_TEST(one<OfferMade>(out).agent == "bob");
    // alice may no longer accept
    out = e.handle(OfferAnswered{1, "alice", true}, kOpen + 130s);
    BOOST_TEST(one<Rejected>(out).code == "not_offered");
}

BOOST_AUTO_TEST_CASE(sla_warning_then_breach_escalates_and_apologises) {
    Engine e(shipped());
    auto out = e.handle(message(1, 1, "The oven does not heat"), kOpen);  // P3: 30 min
    out = e.handle(Tick{}, kOpen + 24min);
    auto warn = one<SlaAlert>(out);
    BOOST_TEST(!warn.breached);
    BOOST_TEST((warn.milestone == Milestone::FirstResponse));
    out = e.handle(Tick{}, kOpen + 30min);
    auto breach = one<SlaAlert>(out);
    BOOST_TEST(breach.breached);
    auto changed = one<PriorityChanged>(out);
    BOOST_TEST(changed.from == 3);
    BOOST_TEST(changed.to == 2);
    BOOST_TEST(e.conversation(1)->queue == "escalation");
    BOOST_TEST(one<AutoReply>(out).template_id == "sla_breach_apology");
}

BOOST_AUTO_TEST_CASE(a_met_milestone_stops_its_clock) {
    Engine e(shipped());
    online(e, "alice", {"technical"}, kOpen);
    e.handle(message(1, 1, "The oven does not heat"), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 1s);
    e.handle(AgentReplied{1, "alice", true}, kOpen + 5min);
    auto out = e.handle(Tick{}, kOpen + 31min);
    BOOST_TEST(all<SlaAlert>(out).empty());
}

BOOST_AUTO_TEST_CASE(auto_replies_are_limited_per_contact) {
    Engine e(shipped());
    int replies = 0;
    for (int i = 1; i <= 5; ++i) {
        auto out = e.handle(message(i, i, "My order has not arrived yet", 7), kOpen + i * 1s);
        replies += static_cast<int>(all<AutoReply>(out).size());
    }
    BOOST_TEST(replies == 3);
    // After the window, replies resume.
    auto out = e.handle(message(9, 9, "My order has not arrived yet", 7), kOpen + 2h);
    BOOST_TEST(all<AutoReply>(out).size() == 1u);
}

BOOST_AUTO_TEST_CASE(machine_sent_mail_gets_no_automatic_reply) {
    Engine e(shipped());
    auto m = message(1, 1, "Out of office: I am away until Monday", 1, ChannelKind::Email);
    m.auto_submitted = true;
    auto out = e.handle(m, kOpen);
    BOOST_TEST(all<AutoReply>(out).empty());
    BOOST_TEST(all<Queued>(out).size() == 1u);  // still routed, never dropped
}

BOOST_AUTO_TEST_CASE(self_service_waits_for_the_customer_then_hands_off) {
    Engine e(shipped());
    auto out = e.handle(message(1, 1, "How do I set up the wifi connection on the app?"), kOpen);
    auto routed = one<ConversationRouted>(out);
    BOOST_TEST(routed.classification.category == "usage");
    const std::string subtype = routed.classification.subtype;
    BOOST_TEST(!subtype.empty());
    BOOST_TEST(!routed.handoff);
    BOOST_TEST(one<AutoReply>(out).template_id == "self_service_usage");
    BOOST_TEST(all<Queued>(out).empty());
    auto zero = message(1, 2, "0");
    zero.new_conversation = false;
    out = e.handle(zero, kOpen + 5min);
    BOOST_TEST(one<Queued>(out).reason == "handoff");
    BOOST_TEST(e.conversation(1)->category == "usage");  // "0" does not change the triage
    BOOST_TEST(e.conversation(1)->subtype == subtype);   // nor its subtype
}

BOOST_AUTO_TEST_CASE(a_later_safety_message_raises_priority) {
    Engine e(shipped());
    e.handle(message(1, 1, "My order has not arrived yet"), kOpen);
    BOOST_TEST(e.conversation(1)->priority == 3);
    auto later = message(1, 2, "Now the box is smoking and I smell burning plastic");
    later.new_conversation = false;
    auto out = e.handle(later, kOpen + 1min);
    BOOST_TEST(one<PriorityChanged>(out).to == 1);
    BOOST_TEST(e.conversation(1)->priority == 1);
}

BOOST_AUTO_TEST_CASE(waiting_rule_raises_long_waiting_low_priority_work) {
    Engine e(shipped());
    auto m = message(1, 1, "hello, a question about something else entirely");
    m.auto_submitted = true;  // no self-service answer: it waits for a person
    e.handle(m, kOpen);
    int before = e.conversation(1)->priority;
    BOOST_TEST(before == 4);
    auto out = e.handle(Tick{}, kOpen + 19min);
    BOOST_TEST(all<PriorityChanged>(out).empty());
    out = e.handle(Tick{}, kOpen + 21min);
    BOOST_TEST(one<PriorityChanged>(out).to == 3);
}

BOOST_AUTO_TEST_CASE(agent_lost_requeues_their_work) {
    Engine e(shipped());
    online(e, "alice", {"technical"}, kOpen);
    e.handle(message(1, 1, "The microwave does not heat"), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 1s);
    auto out = e.handle(AgentLost{"alice"}, kOpen + 2min);
    BOOST_TEST(one<Queued>(out).reason == "agent_lost");
    BOOST_TEST(e.conversation(1)->stage == "waiting");
    // When someone comes, it is offered again.
    online(e, "bob", {"technical"}, kOpen + 3min);
    BOOST_TEST(e.conversation(1)->stage == "offered");
}

BOOST_AUTO_TEST_CASE(transfer_to_a_queue) {
    Engine e(shipped());
    online(e, "alice", {"technical"}, kOpen);
    e.handle(message(1, 1, "The microwave does not heat"), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 1s);
    auto out = e.handle(TransferRequested{1, "alice", std::nullopt, std::string("billing"), "refund"},
                        kOpen + 1min);
    BOOST_TEST(one<Queued>(out).queue == "billing");
    out = e.handle(TransferRequested{1, "alice", std::nullopt, std::string("nope"), ""}, kOpen);
    BOOST_TEST(one<Rejected>(out).code == "not_assigned");
}

BOOST_AUTO_TEST_CASE(a_transfer_goes_to_the_front_but_waits_its_overflow_time) {
    Engine e(shipped());
    online(e, "alice", {"technical"}, kOpen);
    online(e, "bob", {"technical"}, kOpen);
    auto first = one<OfferMade>(e.handle(message(1, 1, "The microwave does not heat"), kOpen)).agent;
    e.handle(OfferAnswered{1, first, true}, kOpen + 1s);
    std::string other = first == "alice" ? "bob" : "alice";
    auto out = e.handle(TransferRequested{1, first, other, std::nullopt, "yours"}, kOpen + 1min);
    auto offer = one<OfferMade>(out);
    BOOST_TEST(offer.agent == other);
    // Still technical: not widened to the overflow queue as if it had waited since the epoch.
    BOOST_TEST(e.conversation(1)->queue == "technical");
}

BOOST_AUTO_TEST_CASE(waiting_lists_in_serving_order_and_the_queues_an_agent_serves) {
    Engine e(shipped());
    e.handle(AgentUpdated{agent("alice", {"technical"})}, kOpen);  // known, not available
    e.handle(message(1, 1, "The microwave does not heat", 1), kOpen);
    e.handle(message(2, 2, "The TV has no picture, only sound", 2), kOpen + 1min);
    e.handle(message(3, 3, "I was charged twice on my invoice", 3), kOpen + 2min);

    auto lists = e.waitingLists(kOpen + 3min, 1);
    auto find = [&](const std::string& name) {
        auto it = std::find_if(lists.begin(), lists.end(),
                               [&](const QueueWaiting& q) { return q.name == name; });
        BOOST_REQUIRE(it != lists.end());
        return *it;
    };
    auto technical = find("technical");
    BOOST_TEST(technical.waiting == 2u);
    BOOST_TEST((technical.oldest_wait == 3min));
    BOOST_REQUIRE_EQUAL(technical.first.size(), 1u);  // the limit
    BOOST_TEST(technical.first[0].conversation_id == 1);
    BOOST_TEST((technical.first[0].waited == 3min));
    BOOST_TEST(technical.first[0].category == "fault");
    BOOST_TEST(!technical.first[0].subtype.empty());
    BOOST_TEST(technical.first[0].subtype == e.conversation(1)->subtype);
    BOOST_TEST(find("billing").waiting == 1u);
    BOOST_TEST(find("returns").waiting == 0u);
    BOOST_TEST(e.waitingLists(kOpen + 3min, 10).size() == lists.size());
    BOOST_TEST(find("technical").first.size() == 1u);

    auto queues = e.queuesOf("alice");
    BOOST_TEST((std::find(queues.begin(), queues.end(), "technical") != queues.end()));
    BOOST_TEST((std::find(queues.begin(), queues.end(), "billing") == queues.end()));
    BOOST_TEST(e.queuesOf("nobody").empty());

    // Offered work still counts as waiting but is no longer listed.
    online(e, "alice", {"technical"}, kOpen + 4min);
    auto after = e.waitingLists(kOpen + 4min, 10);
    for (const auto& q : after) {
        if (q.name != "technical") continue;
        BOOST_TEST(q.waiting == 2u);
        BOOST_TEST(q.first.size() < 2u);  // the oldest one at least is offered to alice
        for (const auto& w : q.first) BOOST_TEST(e.conversation(w.conversation_id)->stage == "waiting");
    }
    BOOST_TEST(e.conversation(1)->stage == "offered");
}

BOOST_AUTO_TEST_CASE(the_same_events_give_the_same_actions) {
    auto run = [] {
        Engine e(shipped());
        std::vector<std::string> log;
        auto add = [&](const std::vector<Action>& out) {
            for (auto& n : names(out)) log.push_back(n);
        };
        add(e.handle(AgentUpdated{agent("a", {"technical"})}, kOpen));
        add(e.handle(AgentUpdated{agent("b", {"billing"})}, kOpen));
        add(e.handle(PresenceChanged{"a", Presence::Available}, kOpen));
        add(e.handle(PresenceChanged{"b", Presence::Available}, kOpen));
        for (int i = 1; i <= 20; ++i) {
            add(e.handle(message(i, i, i % 2 ? "charged twice" : "screen broken", i), kOpen + i * 1s));
        }
        add(e.handle(Tick{}, kOpen + 1h));
        return log;
    };
    BOOST_TEST(run() == run());
}

BOOST_AUTO_TEST_CASE(restart_restores_waiting_work_and_reload_keeps_it) {
    Engine e(shipped());
    e.handle(message(1, 1, "The microwave does not heat"), kOpen);
    auto saved = e.takeChanged();
    BOOST_REQUIRE_EQUAL(saved.size(), 1u);
    Engine after(shipped());
    after.restore(saved.front(), kOpen + 1min);
    BOOST_TEST(after.conversation(1)->stage == "waiting");
    after.reconfigure(shipped());
    BOOST_TEST(after.conversation(1)->stage == "waiting");
    online(after, "alice", {"technical"}, kOpen + 2min);
    BOOST_TEST(after.conversation(1)->stage == "offered");
    // The SLA clock survived the restart.
    auto out = after.handle(Tick{}, kOpen + 31min);
    BOOST_TEST(all<SlaAlert>(out).size() >= 1u);
}

// Engines on one configuration share its trained classifier (engine.cpp): an engine on another
// configuration, or reconfigured to it, classifies by that one, and the first is unchanged.
BOOST_AUTO_TEST_CASE(each_configuration_classifies_by_its_own_classifier) {
    std::string text = shippedRoutingText();
    const std::string threshold = "confidence_threshold: 0.40";
    BOOST_REQUIRE(text.find(threshold) != std::string::npos);
    text.replace(text.find(threshold), threshold.size(), "confidence_threshold: 0.9999");
    const auto unsure = ccd::config::parseRoutingConfig(text, CCD_SOURCE_DIR "/config/routing.yaml");
    auto category = [](Engine& e, std::int64_t conv) {
        auto out = e.handle(message(conv, conv, "The microwave does not heat", conv), kOpen);
        return one<ConversationRouted>(out).classification.category;
    };
    Engine shipped_engine(shipped());
    Engine unsure_engine(unsure);
    BOOST_TEST(category(shipped_engine, 1) == "fault");
    BOOST_TEST(category(unsure_engine, 1) == "other");  // the fallback below the threshold
    shipped_engine.reconfigure(unsure);
    BOOST_TEST(category(shipped_engine, 2) == "other");
    Engine again(shipped());
    BOOST_TEST(category(again, 1) == "fault");
    unsure_engine.reconfigure(shipped());
    BOOST_TEST(category(unsure_engine, 2) == "fault");
}

BOOST_AUTO_TEST_CASE(reload_and_restart_keep_an_agents_conversation_theirs) {
    Engine e(shipped());
    Agent alice = agent("alice", {"technical"});
    alice.capacity.max = {1, 1, 1, 1};
    e.handle(AgentUpdated{alice}, kOpen);
    e.handle(PresenceChanged{"alice", Presence::Available}, kOpen);
    e.handle(message(1, 1, "The TV has no picture, only sound"), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 10s);

    e.reconfigure(shipped());
    BOOST_TEST(e.conversation(1)->stage == "assigned");
    // Still in her load (capacity 1): the next conversation waits instead of being offered.
    auto out = e.handle(message(2, 2, "The fridge is not cooling at all", 2), kOpen + 20s);
    BOOST_TEST(all<OfferMade>(out).empty());
    BOOST_TEST(e.conversation(2)->stage == "waiting");

    // A restart (or a new leader): she has not connected yet, the conversation is hers.
    Engine after(shipped());
    for (const auto& s : e.takeChanged()) after.restore(s, kOpen + 1min, 60s);
    BOOST_TEST(after.conversation(1)->stage == "assigned");
    BOOST_TEST(after.conversation(1)->agent.value_or("") == "alice");
    BOOST_TEST(after.conversationsOf("alice") == std::vector<std::int64_t>{1});
    // Her console reconnects: profile, then presence. No offer: conversation 1 fills her
    // capacity, and it is not offered to her again either.
    after.handle(AgentUpdated{alice}, kOpen + 90s);
    out = after.handle(PresenceChanged{"alice", Presence::Available}, kOpen + 91s);
    BOOST_TEST(all<OfferMade>(out).empty());
    out = after.handle(Tick{}, kOpen + 3min);  // past the 60 s she had to come back
    BOOST_TEST(all<Queued>(out).empty());
    BOOST_TEST(after.conversation(1)->stage == "assigned");
    // She works it as before.
    out = after.handle(AgentReplied{1, "alice", false}, kOpen + 4min);
    BOOST_TEST(all<Rejected>(out).empty());
    out = after.handle(ResolveRequested{1, "alice", "fixed"}, kOpen + 5min);
    BOOST_TEST(all<Rejected>(out).empty());
    BOOST_TEST(all<ConversationResolved>(out).size() == 1u);
}

BOOST_AUTO_TEST_CASE(restart_queues_an_agents_conversation_when_they_do_not_come_back) {
    Engine e(shipped());
    online(e, "alice", {"technical"}, kOpen);
    e.handle(message(1, 1, "The TV has no picture, only sound"), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 10s);
    Engine after(shipped());
    for (const auto& s : e.takeChanged()) after.restore(s, kOpen + 1min, 60s);
    online(after, "bob", {"technical"}, kOpen + 70s);
    BOOST_TEST(after.conversation(1)->stage == "assigned");  // still held for alice
    BOOST_TEST(after.nextWakeup().has_value());
    auto out = after.handle(Tick{}, kOpen + 2min);
    BOOST_TEST(one<Queued>(out).reason == "agent_lost");
    BOOST_TEST(one<OfferMade>(out).agent == "bob");  // alice is not there
    BOOST_TEST(after.conversation(1)->stage == "offered");
}

BOOST_AUTO_TEST_CASE(rule_config_errors_have_positions) {
    const std::string base = R"(
queues:
  general: {}
sla_policies:
  p4: {first_response: 30m}
classification:
  categories:
    - name: other
rules:
  - name: a
    when: {category: nonsense, sentiment: angry, regex: '(unclosed', urgency: [line_down],
           subtype: leak}
    then: {queue: missing, sla: nope, priority: P7}
  - name: a
    then: {queue: general}
    colour: red
)";
    try {
        ccd::config::parseRoutingConfig(base, "routing.yaml");
        BOOST_FAIL("expected a ConfigError");
    } catch (const ccd::config::ConfigError& e) {
        std::string all;
        for (const auto& i : e.issues()) all += i.format() + "\n";
        BOOST_TEST_MESSAGE(all);
        BOOST_TEST(all.find("routing.yaml:11:") != std::string::npos);
        BOOST_TEST(all.find("no category named \"nonsense\"") != std::string::npos);
        BOOST_TEST(all.find("expected negative, neutral or positive") != std::string::npos);
        BOOST_TEST(all.find("invalid regular expression") != std::string::npos);
        BOOST_TEST(all.find("rules[0].when.urgency[0]: no urgency signal named \"line_down\" in "
                            "classification.urgency") != std::string::npos);
        BOOST_TEST(all.find("rules[0].when.subtype: no subtype named \"leak\"") !=
                   std::string::npos);
        BOOST_TEST(all.find("rules[0].then.queue: no queue named \"missing\"") != std::string::npos);
        BOOST_TEST(all.find("no SLA policy named \"nope\"") != std::string::npos);
        BOOST_TEST(all.find("expected a priority") != std::string::npos);
        BOOST_TEST(all.find("duplicate rule name") != std::string::npos);
        BOOST_TEST(all.find("rules[1]") != std::string::npos);  // colour: unknown key
    }
}

BOOST_AUTO_TEST_CASE(triage_is_stateless) {
    Engine e(shipped());
    InboundMessage m;
    m.text = "退款什么时候到账？我已经退货一周了";
    auto t = e.triage(m, ContactProfile{}, true, kOpen);
    BOOST_TEST(t.classification.language == "zh-Hans");
    BOOST_TEST(t.priority == 3);
    BOOST_TEST(!e.conversation(0));
}

BOOST_AUTO_TEST_CASE(delivery_states_are_passed_on_and_a_failure_tells_supervisors) {
    Engine e(shipped());
    e.handle(message(1, 1, "My printer is broken"), kOpen);
    auto sent = e.handle(DeliveryUpdated{1, 2, DeliveryState::Sent, "", "auto"}, kOpen);
    BOOST_TEST(names(sent) == std::vector<std::string>{"delivery"});
    BOOST_TEST((one<DeliveryChanged>(sent).state == DeliveryState::Sent));
    auto failed = e.handle(
        DeliveryUpdated{1, 3, DeliveryState::Failed, "Telegram 403: Forbidden: bot was blocked by the user",
                        "agent:alice"},
        kOpen);
    auto notice = one<SupervisorNotice>(failed);
    BOOST_TEST(notice.reason == "delivery_failed");
    BOOST_TEST(notice.detail.find("blocked by the user") != std::string::npos);
    BOOST_TEST(notice.detail.find("agent:alice") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_file_without_a_caption_is_routed_like_any_message) {
    Engine e(shipped());
    auto m = message(1, 1, "", 1, ChannelKind::Telegram);
    m.message.channel_instance = "support-bot";
    m.message.attachments.push_back(Attachment{"photo", "AgAC", std::nullopt, std::nullopt, 1000,
                                               std::nullopt, std::nullopt});
    auto out = e.handle(m, kOpen);
    auto routed = one<ConversationRouted>(out);
    BOOST_TEST(!routed.queue.empty());
    auto snap = e.conversation(1);
    BOOST_REQUIRE(snap);
    BOOST_TEST(snap->channel_instance == "support-bot");
    BOOST_TEST((snap->last_inbound_at == m.message.received_at));
}
