// Wrap-up per queue and kind of work (routing.yaml `queues.<name>.wrap_up`): an agent who
// resolves work of such a queue gets no offer of that kind until the wrap-up ends (or they end
// it), then is available again; other kinds still reach them, and queues or kinds without one
// leave the agent available at once. And its configuration errors.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE engine_wrap_up
#include <boost/test/unit_test.hpp>

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

// The shipped file with the general queue's wrap-up replaced by `wrap_up`.
RoutingConfigPtr withWrapUp(const std::string& wrap_up = "45s") {
    std::string text = shippedRoutingText();
    const std::string general = "  general:\n    selection: longest_idle\n";
    auto at = text.find(general);
    BOOST_REQUIRE(at != std::string::npos);
    auto line = text.find("    wrap_up: ", at);
    BOOST_REQUIRE(line != std::string::npos);
    auto end = text.find('\n', line);
    text.replace(line, end - line, "    wrap_up: " + wrap_up);
    return ccd::config::parseRoutingConfig(text, CCD_SOURCE_DIR "/config/routing.yaml");
}

const TimePoint kOpen = TimePoint(std::chrono::seconds(1795485600));  // Tuesday 10:00 Shanghai

MessageReceived received(std::int64_t conv, ChannelKind channel) {
    return ccd::testing::firstMessage(conv, channel);
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
    BOOST_TEST(states[0].reason == "voice");
    BOOST_TEST((states[0].until == kOpen + 4min + 45s));
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

BOOST_AUTO_TEST_CASE(the_shipped_queues_wrap_up_after_calls_chats_and_messages_not_emails) {
    auto cfg = ccd::testing::shippedRouting();
    for (const auto& q : cfg->queues) {
        BOOST_TEST(q.wrap_up[static_cast<std::size_t>(WorkKind::Voice)].count() == 60000, q.name);
        BOOST_TEST(q.wrap_up[static_cast<std::size_t>(WorkKind::Chat)].count() == 30000, q.name);
        BOOST_TEST(q.wrap_up[static_cast<std::size_t>(WorkKind::Messaging)].count() == 30000);
        BOOST_TEST(q.wrap_up[static_cast<std::size_t>(WorkKind::Email)].count() == 0, q.name);
    }
    BOOST_TEST(cfg->offers.away_after_missed == 2);
    struct Case {
        ChannelKind channel;
        std::string reason;
        std::chrono::seconds length;
    };
    for (const auto& [channel, reason, length] :
         std::vector<Case>{{ChannelKind::Webchat, "chat", 30s},
                           {ChannelKind::Telegram, "messaging", 30s},
                           {ChannelKind::Voice, "voice", 60s}}) {
        Engine e(cfg);
        addAlice(e);
        e.handle(received(1, channel), kOpen);
        e.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
        auto states = all<AgentStateChanged>(e.handle(ResolveRequested{1, "alice", "done"},
                                                      kOpen + 2min));
        BOOST_REQUIRE_EQUAL(states.size(), 1u);
        BOOST_TEST((states[0].presence == Presence::WrapUp));
        BOOST_TEST(states[0].reason == reason);
        BOOST_TEST((states[0].until == kOpen + 2min + length));
        states = all<AgentStateChanged>(e.handle(Tick{}, kOpen + 2min + length));
        BOOST_REQUIRE_EQUAL(states.size(), 1u);
        BOOST_TEST((states[0].presence == Presence::Available));
    }
    // An email resolved: no wrap-up.
    Engine mail(cfg);
    addAlice(mail);
    mail.handle(received(1, ChannelKind::Email), kOpen);
    mail.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
    BOOST_TEST(all<AgentStateChanged>(mail.handle(ResolveRequested{1, "alice", "done"},
                                                  kOpen + 2min))
                   .empty());
}

BOOST_AUTO_TEST_CASE(a_wrap_up_holds_back_only_the_kind_of_work_it_follows) {
    Engine e(withWrapUp("{voice: 60s}"));
    addAlice(e);
    e.handle(received(1, ChannelKind::Voice), kOpen);
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
    e.handle(received(2, ChannelKind::Voice), kOpen + 1min);
    e.handle(received(3, ChannelKind::Email), kOpen + 1min);
    auto out = e.handle(ResolveRequested{1, "alice", "done"}, kOpen + 4min);
    BOOST_REQUIRE_EQUAL(all<AgentStateChanged>(out).size(), 1u);
    auto offers = all<OfferMade>(out);  // the email reaches her during the call's wrap-up
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].conversation_id == 3);
    offers = all<OfferMade>(e.handle(Tick{}, kOpen + 5min));
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].conversation_id == 2);

    // Without a wrap-up for the queue (0s), none.
    Engine none(withWrapUp("0s"));
    addAlice(none);
    none.handle(received(1, ChannelKind::Voice), kOpen);
    none.handle(OfferAnswered{1, "alice", true}, kOpen + 5s);
    none.handle(received(2, ChannelKind::Voice), kOpen + 1min);
    out = none.handle(ResolveRequested{1, "alice", "done"}, kOpen + 4min);
    BOOST_TEST(all<AgentStateChanged>(out).empty());
    BOOST_TEST(all<OfferMade>(out).size() == 1u);

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
    try {
        ccd::config::parseRoutingConfig("queues:\n  general:\n    wrap_up: {voice: 1m, fax: 5s}\n",
                                        "routing.yaml");
        BOOST_FAIL("an unknown kind was accepted");
    } catch (const ccd::config::ConfigError& e) {
        BOOST_REQUIRE_EQUAL(e.issues().size(), 1u);
        BOOST_TEST(e.issues()[0].line == 3);
        BOOST_TEST(e.issues()[0].path == "queues.general.wrap_up.fax", e.issues()[0].path);
    }
    try {
        ccd::config::parseRoutingConfig("offers:\n  away_after_missed: -1\n", "routing.yaml");
        BOOST_FAIL("a negative away_after_missed was accepted");
    } catch (const ccd::config::ConfigError& e) {
        BOOST_REQUIRE_EQUAL(e.issues().size(), 1u);
        BOOST_TEST(e.issues()[0].line == 2);
        BOOST_TEST(e.issues()[0].path == "offers.away_after_missed");
    }
}
