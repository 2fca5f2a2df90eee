// The routing engine with calls on the shipped config/routing.yaml: no written replies, the
// wait a caller is told (from the queue's handle times, also those from before a restart),
// voicemail and call-backs. Part of the engine_test program (engine_test.cpp).
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "routing/engine.hpp"
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
const TimePoint kClosed = ccd::testing::kTuesdayClosed;

// The call or message `msg` of conversation `conv` from contact `contact`.
MessageReceived message(std::int64_t conv, std::int64_t msg, std::string text,
                        std::int64_t contact = 1, ChannelKind channel = ChannelKind::Api) {
    MessageReceived m = ccd::testing::firstMessage(conv, channel, std::move(text));
    m.message_id = msg;
    m.message.from.id = "c" + std::to_string(contact);
    m.contact.id = contact;
    return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_call_gets_no_written_reply_and_its_wait_follows_handle_times) {
    Engine e(ccd::testing::shippedRouting());
    online(e, "alice", {"general", "technical"}, kOpen);
    // A call: offered like any work, but answered by the phone system, not in writing.
    auto out = e.handle(message(1, 1, "", 1, ChannelKind::Voice), kOpen);
    BOOST_TEST(all<AutoReply>(out).empty());
    auto offer = one<OfferMade>(out);
    BOOST_TEST(offer.agent == "alice");
    const std::string queue = offer.queue;
    BOOST_TEST(!e.estimatedWait(queue, 1, kOpen));  // no handle time yet

    e.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
    auto resolved = e.handle(ResolveRequested{1, "alice", "done"}, kOpen + 5s + 4min);
    BOOST_TEST(all<ConversationResolved>(resolved).size() == 1u);
    BOOST_TEST(all<AutoReply>(resolved).empty());  // no written survey after a call either
    e.handle(message(2, 2, "", 2, ChannelKind::Voice), kOpen + 10min);
    e.handle(OfferAnswered{2, "alice", true}, kOpen + 10min);
    e.handle(ResolveRequested{2, "alice", "done"}, kOpen + 10min + 6min);
    // Mean handle time 5 min; one agent serves the queue: the third caller waits 15 min.
    BOOST_TEST(e.estimatedWait(queue, 3, kOpen + 20min)->count() ==
               std::chrono::milliseconds(15min).count());
    online(e, "bob", {"general", "technical"}, kOpen + 20min);
    BOOST_TEST(e.estimatedWait(queue, 3, kOpen + 20min)->count() ==
               std::chrono::milliseconds(7min + 30s).count());
}

BOOST_AUTO_TEST_CASE(a_voicemail_routes_the_call_back) {
    Engine e(ccd::testing::shippedRouting());
    // After hours the call waits for the morning in the default queue: it said nothing.
    auto out = e.handle(message(1, 1, "", 1, ChannelKind::Voice), kClosed);
    BOOST_TEST(one<Queued>(out).queue == "general");
    BOOST_TEST(e.conversation(1)->category == "other");
    // Its voicemail tells what it is about: the call-back goes to the technical queue.
    auto vm = message(1, 2, "My washing machine is broken, it does not spin and shows error E21");
    vm.new_conversation = false;
    vm.message.channel = ChannelKind::Voice;
    vm.message.provider_id = "CA1:transcription";
    out = e.handle(vm, kClosed + 2min);
    BOOST_TEST(one<Queued>(out).queue == "technical");
    auto snap = e.conversation(1);
    BOOST_TEST(snap->category == "fault");
    BOOST_TEST(snap->priority == 3);
    BOOST_TEST((std::find(snap->tags.begin(), snap->tags.end(), "call_back") != snap->tags.end()));

    // Before anyone calls back, the customer calls again: on the line, no call-back any more
    // (an agent who takes this call must not have ccd dial the customer too).
    auto again = message(1, 3, "", 1, ChannelKind::Voice);
    again.new_conversation = false;
    again.message.provider_id = "CA2";
    e.handle(again, kClosed + 10min);
    snap = e.conversation(1);
    BOOST_TEST((std::find(snap->tags.begin(), snap->tags.end(), "call_back") == snap->tags.end()));
}

BOOST_AUTO_TEST_CASE(a_missed_or_abandoned_call_is_marked_for_a_call_back) {
    Engine e(ccd::testing::shippedRouting());
    // A caller who hangs up while queued keeps the place, marked for a call-back; a call that
    // an agent took is not.
    e.handle(message(2, 3, "", 2, ChannelKind::Voice), kOpen);
    BOOST_TEST(
        e.handle(CallStep{2, CallStep::Kind::Hangup, "", "normalClearing"}, kOpen + 1min).empty());
    auto snap = e.conversation(2);
    BOOST_TEST(snap->stage == "waiting");
    BOOST_TEST((std::find(snap->tags.begin(), snap->tags.end(), "call_back") != snap->tags.end()));
    online(e, "alice", {"general", "technical"}, kOpen + 2min);
    e.handle(OfferAnswered{2, "alice", true}, kOpen + 2min);
    online(e, "bob", {"general", "technical"}, kOpen + 3min);
    BOOST_TEST(one<OfferMade>(e.handle(message(3, 4, "", 3, ChannelKind::Voice), kOpen + 3min))
                   .agent == "bob");
    e.handle(OfferAnswered{3, "bob", true}, kOpen + 3min);
    e.handle(CallStep{3, CallStep::Kind::Hangup, "", "normalClearing"}, kOpen + 5min);
    snap = e.conversation(3);
    BOOST_TEST((std::find(snap->tags.begin(), snap->tags.end(), "call_back") == snap->tags.end()));

    // A call that rang an agent and ended unanswered stays offered to them, to call back; one
    // that ended normally may have been talked through before the agent accepted it.
    online(e, "carol", {"general", "technical"}, kOpen + 6min);
    e.handle(message(4, 5, "", 4, ChannelKind::Voice), kOpen + 6min);
    e.handle(CallStep{4, CallStep::Kind::Hangup, "", "normalClearing"}, kOpen + 6min + 20s);
    snap = e.conversation(4);
    BOOST_TEST(snap->stage == "offered");
    BOOST_TEST((std::find(snap->tags.begin(), snap->tags.end(), "call_back") == snap->tags.end()));
    e.handle(CallStep{4, CallStep::Kind::Hangup, "", "no-answer"}, kOpen + 6min + 25s);
    snap = e.conversation(4);
    BOOST_TEST((std::find(snap->tags.begin(), snap->tags.end(), "call_back") != snap->tags.end()));
}

// After a restart the store hands back the latest handle times (RoutingRecovery): a caller's
// wait follows them at once, the latest 20 of each queue as the engine keeps its own.
BOOST_AUTO_TEST_CASE(handle_times_from_before_a_restart_give_the_wait_at_once) {
    Engine e(ccd::testing::shippedRouting());
    online(e, "alice", {"general", "technical"}, kOpen);
    BOOST_TEST(!e.estimatedWait("technical", 1, kOpen));
    e.restoreHandleTime("technical", -5min);  // another node's clock behind: left out
    BOOST_TEST(!e.estimatedWait("technical", 1, kOpen));
    for (int i = 0; i < 5; ++i) e.restoreHandleTime("technical", 30min);  // the oldest: dropped
    for (int i = 0; i < 20; ++i) e.restoreHandleTime("technical", 4min);
    e.restoreHandleTime("general", 10min);
    BOOST_TEST(e.estimatedWait("technical", 2, kOpen)->count() ==
               std::chrono::milliseconds(8min).count());
    BOOST_TEST(e.estimatedWait("general", 1, kOpen)->count() ==
               std::chrono::milliseconds(10min).count());
    // What the engine measures itself joins them: one of 20 minutes replaces the oldest 4.
    e.handle(message(1, 1, "", 1, ChannelKind::Voice), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen);
    e.handle(ResolveRequested{1, "alice", "done"}, kOpen + 20min);
    const auto queue = e.conversation(1)->queue;
    BOOST_TEST_REQUIRE(queue == "general");
    BOOST_TEST(e.estimatedWait("general", 1, kOpen + 20min)->count() ==
               std::chrono::milliseconds(15min).count());
}
