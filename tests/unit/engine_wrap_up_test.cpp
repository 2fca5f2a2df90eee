// Wrap-up after a call, per queue (routing.yaml `queues.<name>.wrap_up`): an agent who resolves
// a call of such a queue gets no offer until the wrap-up ends, then is available again; other
// work, and queues without one, leave the agent available at once. And its configuration errors.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE engine_wrap_up
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "config/config_error.hpp"
#include "config/routing_config_parser.hpp"

using namespace ccd::routing;
using namespace std::chrono_literals;

namespace {

// The shipped file with a 45 s wrap-up after calls of the general queue.
RoutingConfigPtr withWrapUp() {
    std::ifstream in(CCD_SOURCE_DIR "/config/routing.yaml");
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    const std::string general = "  general:\n    selection: longest_idle\n";
    auto at = text.find(general);
    BOOST_REQUIRE(at != std::string::npos);
    text.insert(at + general.size(), "    wrap_up: 45s\n");
    return ccd::config::parseRoutingConfig(text, "routing.yaml");
}

const TimePoint kOpen = TimePoint(std::chrono::seconds(1795485600));  // Tuesday 10:00 Shanghai

MessageReceived received(std::int64_t conv, ChannelKind channel) {
    MessageReceived m;
    m.conversation_id = conv;
    m.message_id = conv;
    m.new_conversation = true;
    m.message.channel = channel;
    m.message.from.id = "c" + std::to_string(conv);
    m.contact.id = conv;
    return m;
}

template <class T>
std::vector<T> all(const std::vector<Action>& actions) {
    std::vector<T> out;
    for (const auto& a : actions) {
        if (const auto* x = std::get_if<T>(&a)) out.push_back(*x);
    }
    return out;
}

void addAlice(Engine& e) {
    Agent a;
    a.id = "alice";
    a.skills = {"general"};
    e.handle(AgentUpdated{a}, kOpen);
    e.handle(PresenceChanged{"alice", Presence::Available}, kOpen);
}

Presence presenceOf(const Engine& e, const std::string& id) {
    for (const auto& a : e.agentStats()) {
        if (a.id == id) return a.presence;
    }
    return Presence::Offline;
}

}  // namespace

BOOST_AUTO_TEST_CASE(after_a_call_the_queues_wrap_up_holds_the_next_offer) {
    Engine e(withWrapUp());
    addAlice(e);
    BOOST_REQUIRE_EQUAL(all<OfferMade>(e.handle(received(1, ChannelKind::Voice), kOpen)).size(), 1u);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
    // The next caller waits while alice is on the phone.
    BOOST_TEST(all<OfferMade>(e.handle(received(2, ChannelKind::Voice), kOpen + 1min)).empty());
    auto out = e.handle(ResolveRequested{1, "alice", "repair booked"}, kOpen + 4min);
    auto states = all<AgentStateChanged>(out);
    BOOST_REQUIRE_EQUAL(states.size(), 1u);
    BOOST_TEST((states[0].presence == Presence::WrapUp));
    BOOST_TEST(all<OfferMade>(out).empty());  // not during the wrap-up
    BOOST_TEST((presenceOf(e, "alice") == Presence::WrapUp));
    BOOST_TEST((*e.nextWakeup() <= kOpen + 4min + 45s));
    BOOST_TEST(all<OfferMade>(e.handle(Tick{}, kOpen + 4min + 30s)).empty());
    out = e.handle(Tick{}, kOpen + 4min + 45s);
    states = all<AgentStateChanged>(out);
    BOOST_REQUIRE_EQUAL(states.size(), 1u);
    BOOST_TEST((states[0].presence == Presence::Available));
    auto offers = all<OfferMade>(out);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].conversation_id == 2);
}

BOOST_AUTO_TEST_CASE(no_wrap_up_without_one_for_the_queue_or_after_other_work) {
    // The shipped queues have none: the next call is offered at the resolution.
    Engine e(ccd::config::loadRoutingConfig(CCD_SOURCE_DIR "/config/routing.yaml"));
    addAlice(e);
    e.handle(received(1, ChannelKind::Voice), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
    e.handle(received(2, ChannelKind::Voice), kOpen + 1min);
    auto out = e.handle(ResolveRequested{1, "alice", "done"}, kOpen + 4min);
    BOOST_TEST(all<AgentStateChanged>(out).empty());
    BOOST_TEST(all<OfferMade>(out).size() == 1u);

    // A chat resolved in a queue with a wrap-up: none either.
    Engine chat(withWrapUp());
    addAlice(chat);
    chat.handle(received(1, ChannelKind::Webchat), kOpen);
    chat.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
    BOOST_TEST(all<AgentStateChanged>(chat.handle(ResolveRequested{1, "alice", "done"},
                                                  kOpen + 2min))
                   .empty());

    // An agent who ends the wrap-up by setting their presence is available at once, and the
    // wrap-up's end changes nothing later.
    Engine early(withWrapUp());
    addAlice(early);
    early.handle(received(1, ChannelKind::Voice), kOpen);
    early.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
    early.handle(ResolveRequested{1, "alice", "done"}, kOpen + 1min);
    early.handle(PresenceChanged{"alice", Presence::Available}, kOpen + 1min + 10s);
    BOOST_TEST((presenceOf(early, "alice") == Presence::Available));
    BOOST_TEST(all<AgentStateChanged>(early.handle(Tick{}, kOpen + 2min)).empty());
}

BOOST_AUTO_TEST_CASE(wrap_up_mistakes_have_positions) {
    try {
        ccd::config::parseRoutingConfig("queues:\n  general:\n    wrap_up: 2h\n", "routing.yaml");
        BOOST_FAIL("a 2 h wrap-up was accepted");
    } catch (const ccd::config::ConfigError& e) {
        BOOST_REQUIRE_EQUAL(e.issues().size(), 1u);
        const auto& issue = e.issues()[0];
        BOOST_TEST(issue.line == 3);
        BOOST_TEST(issue.column == 14);
        BOOST_TEST(issue.path == "queues.general.wrap_up");
        BOOST_TEST(issue.message.find("from 0s to 30m") != std::string::npos, issue.message);
    }
}
