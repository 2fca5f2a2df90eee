// Outside business hours on the shipped routing.yaml: the automatic reply and the SLA clocks
// agree. Business-hours policies (P2-P4) pause at night and on public holidays, so the request
// that gets "we are back at 09:00" is not due, breached or apologised for before then; P1 runs
// around the clock and gets the on-call acknowledgement instead.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE engine_after_hours
#include <boost/test/unit_test.hpp>

#include "config/routing_config_parser.hpp"
#include "tests/support/engine_actions.hpp"
#include "tests/support/shipped_routing.hpp"

using namespace ccd::routing;
using ccd::testing::all;
using ccd::testing::one;
using ccd::testing::shippedRoutingText;
using namespace std::chrono_literals;

namespace {

RoutingConfigPtr shipped() {
    static RoutingConfigPtr cfg =
        ccd::testing::shippedRouting();
    return cfg;
}

const TimePoint kTuesday0753 = TimePoint(std::chrono::seconds(1795477980));  // Shanghai
const TimePoint kTuesday0900 = kTuesday0753 + 67min;
const TimePoint kNationalDay1000 = TimePoint(std::chrono::seconds(1790820000));  // 2026-10-01
const TimePoint kSaturday1000 = TimePoint(std::chrono::seconds(1790992800));     // 2026-10-03

MessageReceived message(std::int64_t conv, std::string text, std::string tier = "standard",
                        ChannelKind channel = ChannelKind::Api) {
    MessageReceived m = ccd::testing::firstMessage(conv, channel, std::move(text));
    m.contact.tier = std::move(tier);
    return m;
}

// None for a self-service answer: no person is due to answer.
std::optional<TimePoint> firstResponseDue(const ConversationRouted& r) {
    for (const auto& d : r.deadlines) {
        if (d.milestone == Milestone::FirstResponse) return d.due_at;
    }
    return std::nullopt;
}

// Ticks every minute from `from` to `to`: every breach alert and apology on the way.
std::vector<Action> tickThrough(Engine& e, TimePoint from, TimePoint to) {
    std::vector<Action> seen;
    for (TimePoint t = from; t <= to; t += 1min) {
        for (auto& a : e.handle(Tick{}, t)) seen.push_back(std::move(a));
    }
    return seen;
}

bool breachedOrApologised(const std::vector<Action>& actions) {
    for (const auto& alert : all<SlaAlert>(actions)) {
        if (alert.breached) return true;
    }
    for (const auto& reply : all<AutoReply>(actions)) {
        if (reply.reason == "sla_breach") return true;
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_fault_at_0753_is_promised_for_the_opening_and_not_breached_before_it) {
    Engine e(shipped());
    auto out =
        e.handle(message(1, "My washing machine is broken, it shows error E21"), kTuesday0753);
    auto routed = all<ConversationRouted>(out);
    BOOST_REQUIRE_EQUAL(routed.size(), 1u);
    BOOST_TEST(routed[0].priority == 3);
    auto replies = all<AutoReply>(out);
    BOOST_REQUIRE_EQUAL(replies.size(), 1u);
    BOOST_TEST(replies[0].template_id == "after_hours");
    // The clock counts office time: due 30 minutes after 09:00, not at 08:23.
    BOOST_TEST((*firstResponseDue(routed[0]) == kTuesday0900 + 30min));
    BOOST_TEST(!breachedOrApologised(tickThrough(e, kTuesday0753, kTuesday0900 + 29min)));
    // Nobody answered by 09:30: now it breaches, as promised.
    BOOST_TEST(breachedOrApologised(tickThrough(e, kTuesday0900 + 30min, kTuesday0900 + 31min)));
}

BOOST_AUTO_TEST_CASE(on_a_public_holiday_the_clocks_wait_for_the_next_opening) {
    Engine e(shipped());
    // 1 October (National Day) and 2 October are holidays; Saturday 3 October opens at 10:00.
    auto out = e.handle(message(1, "我的冰箱坏了，不制冷"), kNationalDay1000);
    auto replies = all<AutoReply>(out);
    BOOST_REQUIRE_EQUAL(replies.size(), 1u);
    BOOST_TEST(replies[0].template_id == "after_hours");
    BOOST_TEST(replies[0].locale == "zh-Hans");
    auto routed = all<ConversationRouted>(out);
    BOOST_REQUIRE_EQUAL(routed.size(), 1u);
    BOOST_TEST((*firstResponseDue(routed[0]) == kSaturday1000 + 30min));
    BOOST_TEST((*e.nextOpening(kNationalDay1000) == kSaturday1000));
    // Two days and a night, ticked by the minute until the clock is due: nothing breaches.
    BOOST_TEST(!breachedOrApologised(tickThrough(e, kNationalDay1000, kSaturday1000 + 29min)));
}

BOOST_AUTO_TEST_CASE(p1_work_at_night_gets_the_on_call_acknowledgement_not_the_after_hours_one) {
    Engine e(shipped());
    auto out =
        e.handle(message(1, "My boiler is broken and the house is cold", "vip"), kTuesday0753 - 6h);
    auto routed = all<ConversationRouted>(out);
    BOOST_REQUIRE_EQUAL(routed.size(), 1u);
    BOOST_TEST(routed[0].priority == 1);
    BOOST_TEST((*firstResponseDue(routed[0]) == kTuesday0753 - 6h + 5min));  // around the clock
    auto replies = all<AutoReply>(out);
    BOOST_REQUIRE_EQUAL(replies.size(), 1u);
    BOOST_TEST(replies[0].template_id == "ack_on_call");
    BOOST_TEST(replies[0].reason == "on_call");
}

BOOST_AUTO_TEST_CASE(every_after_hours_reply_at_night_is_kept_by_the_clocks) {
    // A night of every kind of request on every written channel: whatever the reply, the
    // promise holds. After-hours: due at or after the opening. On-call: due before it.
    const std::vector<std::string> texts = {"My washing machine is broken",
                                            "The screen has a scratch out of the box",
                                            "How do I set the timer?",
                                            "I want to return this, it is not what I ordered",
                                            "I was charged twice for my order",
                                            "This is the worst service, I want to complain",
                                            "Where is my parcel? It was due Monday",
                                            "Hello",
                                            "我的冰箱坏了",
                                            "我要投诉你们的售后",
                                            "我的包裹到哪裡了？",
                                            "The charger is smoking and smells of burning"};
    std::int64_t conv = 0;
    for (const auto* tier : {"standard", "vip"}) {
        for (auto channel : {ChannelKind::Api, ChannelKind::Email, ChannelKind::Telegram}) {
            for (const auto& text : texts) {
                Engine e(shipped());
                const TimePoint night = kTuesday0753 - 10h;  // Monday 21:53
                auto out = e.handle(message(++conv, text, tier, channel), night);
                auto routed = all<ConversationRouted>(out);
                BOOST_REQUIRE_EQUAL(routed.size(), 1u);
                const std::string what = text + " (" + tier + ")";
                const auto first_due = firstResponseDue(routed[0]);
                if (!first_due) {  // a self-service answer: nobody is due to reply
                    BOOST_TEST(all<AutoReply>(out).at(0).reason == "self_service", what);
                    continue;
                }
                const TimePoint due = *first_due;
                for (const auto& reply : all<AutoReply>(out)) {
                    if (reply.template_id == "after_hours") BOOST_TEST((due >= kTuesday0900), what);
                    if (reply.template_id == "ack_on_call") BOOST_TEST((due < kTuesday0900), what);
                }
                // Nothing due before the opening breaches unless it was promised on call.
                if (due >= kTuesday0900)
                    BOOST_TEST(!breachedOrApologised(tickThrough(e, night, kTuesday0900)), what);
            }
        }
    }
}
