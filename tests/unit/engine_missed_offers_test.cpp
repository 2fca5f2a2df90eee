// Offers nobody answers (routing.yaml `offers.away_after_missed`): an agent who lets offers
// pass is set away after that many in a row, with a supervisor notice, and work they let pass
// goes round the colleagues instead of coming back to them each time.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE engine_missed_offers
#include <boost/test/unit_test.hpp>

#include "config/routing_config_parser.hpp"
#include "tests/support/engine_actions.hpp"

using namespace ccd::routing;
using ccd::testing::all;
using ccd::testing::one;
using ccd::testing::shippedRoutingText;
using namespace std::chrono_literals;

namespace {

// The shipped file with `offers.away_after_missed` set to `n`.
RoutingConfigPtr awayAfter(int n) {
    std::string text = shippedRoutingText();
    const std::string key = "  away_after_missed: 2\n";
    auto at = text.find(key);
    BOOST_REQUIRE(at != std::string::npos);
    text.replace(at, key.size(), "  away_after_missed: " + std::to_string(n) + "\n");
    return ccd::config::parseRoutingConfig(text, CCD_SOURCE_DIR "/config/routing.yaml");
}

const TimePoint kOpen = TimePoint(std::chrono::seconds(1795485600));  // Tuesday 10:00 Shanghai
constexpr auto kOfferTimeout = 120s;  // async work (api), the shipped queues

MessageReceived fault(std::int64_t conv) {
    return ccd::testing::firstMessage(conv, ChannelKind::Api, "My laptop will not turn on");
}

void online(Engine& e, const std::string& id, TimePoint now) {
    Agent a;
    a.id = id;
    a.skills = {"technical"};
    e.handle(AgentUpdated{a}, now);
    e.handle(PresenceChanged{id, Presence::Available}, now);
}

Presence presenceOf(const Engine& e, const std::string& id) {
    for (const auto& a : e.agentStats()) {
        if (a.id == id) return a.presence;
    }
    return Presence::Offline;
}

// Who each offer of conversation 1 goes to, for `rounds` offers: "ignorer" never answers,
// "answerer" declines each offer at once (busy with something else, but answering).
struct Run {
    std::vector<std::string> offered_to;
    std::vector<AgentStateChanged> states;
    std::vector<SupervisorNotice> notices;
};

Run offerRound(Engine& e, int rounds) {
    Run run;
    TimePoint now = kOpen + 2s;
    auto record = [&](const std::vector<Action>& out) {
        for (const auto& o : all<OfferMade>(out)) run.offered_to.push_back(o.agent);
        for (const auto& s : all<AgentStateChanged>(out)) run.states.push_back(s);
        for (const auto& n : all<SupervisorNotice>(out)) run.notices.push_back(n);
    };
    record(e.handle(fault(1), now));
    while (static_cast<int>(run.offered_to.size()) < rounds) {
        const std::size_t before = run.offered_to.size();
        if (run.offered_to.back() == "answerer") {
            now += 5s;
            record(e.handle(OfferAnswered{1, "answerer", false}, now));
        } else {
            now += kOfferTimeout;
            record(e.handle(Tick{}, now));
        }
        if (run.offered_to.size() == before) break;  // nobody left to offer it to
    }
    return run;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_agent_who_misses_two_offers_in_a_row_is_set_away_with_a_notice) {
    Engine e(awayAfter(2));
    online(e, "ignorer", kOpen);
    online(e, "answerer", kOpen + 1s);  // the ignorer has been idle longer: offered first
    auto run = offerRound(e, 6);
    // Missed, declined, missed (the second in a row: away), then only the answerer is left.
    BOOST_REQUIRE_GE(run.offered_to.size(), 4u);
    BOOST_TEST((std::vector<std::string>(run.offered_to.begin(), run.offered_to.begin() + 4) ==
                std::vector<std::string>{"ignorer", "answerer", "ignorer", "answerer"}));
    for (std::size_t i = 3; i < run.offered_to.size(); ++i)
        BOOST_TEST(run.offered_to[i] == "answerer");
    BOOST_REQUIRE_EQUAL(run.states.size(), 1u);
    BOOST_TEST(run.states[0].agent == "ignorer");
    BOOST_TEST((run.states[0].presence == Presence::Away));
    BOOST_TEST(run.states[0].reason == "missed_offers");
    BOOST_TEST((presenceOf(e, "ignorer") == Presence::Away));
    BOOST_REQUIRE_EQUAL(run.notices.size(), 1u);
    BOOST_TEST(run.notices[0].reason == "agent_set_away");
    BOOST_TEST(run.notices[0].detail.find("ignorer") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_the_limit_missed_work_alternates_and_never_starves_the_answerer) {
    // away_after_missed: 0 never sets anyone away; the work still goes round, never back to
    // the agent who ignores it each time (before: nine offers in a row to them).
    Engine e(awayAfter(0));
    online(e, "ignorer", kOpen);
    online(e, "answerer", kOpen + 1s);
    auto run = offerRound(e, 10);
    BOOST_REQUIRE_EQUAL(run.offered_to.size(), 10u);
    for (std::size_t i = 0; i < run.offered_to.size(); ++i)
        BOOST_TEST(run.offered_to[i] == (i % 2 == 0 ? "ignorer" : "answerer"), i);
    BOOST_TEST(run.states.empty());
    BOOST_TEST(run.notices.empty());
}

BOOST_AUTO_TEST_CASE(an_answered_offer_resets_the_count) {
    Engine e(awayAfter(2));
    online(e, "alice", kOpen);
    auto out = e.handle(fault(1), kOpen + 2s);
    BOOST_REQUIRE_EQUAL(all<OfferMade>(out).size(), 1u);
    e.handle(Tick{}, kOpen + 2s + kOfferTimeout);  // missed once; offered to her again
    e.handle(OfferAnswered{1, "alice", true}, kOpen + 2min + 10s);
    out = e.handle(fault(2), kOpen + 3min);
    BOOST_REQUIRE_EQUAL(all<OfferMade>(out).size(), 1u);
    out = e.handle(Tick{}, kOpen + 3min + kOfferTimeout);  // missed once more, not twice in a row
    BOOST_TEST(all<AgentStateChanged>(out).empty());
    BOOST_TEST((presenceOf(e, "alice") == Presence::Available));
}

BOOST_AUTO_TEST_CASE(back_from_away_the_count_starts_again) {
    Engine e(awayAfter(2));
    online(e, "alice", kOpen);
    e.handle(fault(1), kOpen + 2s);
    e.handle(Tick{}, kOpen + 2s + kOfferTimeout);  // missed; she is the only one: again
    auto out = e.handle(Tick{}, kOpen + 2s + 2 * kOfferTimeout);
    BOOST_REQUIRE_EQUAL(all<AgentStateChanged>(out).size(), 1u);
    BOOST_TEST((presenceOf(e, "alice") == Presence::Away));
    BOOST_TEST(all<OfferMade>(out).empty());  // nobody else: it waits
    out = e.handle(PresenceChanged{"alice", Presence::Available}, kOpen + 10min);
    BOOST_REQUIRE_EQUAL(all<OfferMade>(out).size(), 1u);
    out = e.handle(Tick{}, kOpen + 10min + kOfferTimeout);  // one miss after coming back
    BOOST_TEST(all<AgentStateChanged>(out).empty());
    BOOST_TEST((presenceOf(e, "alice") == Presence::Available));
}
