// What the phone system is told while a caller waits in a queue (daemon/call_decision), on the
// shipped routing.yaml (every queue: `voice: {announce_every: 60s, max_wait: 10m}`) and the
// shipped templates: the announcement of the caller's place and estimated wait (3 minutes a
// place until the queue has handle times, then from them), asked again every announce_every or
// when the maximum wait ends; after max_wait (or when the phone system takes the caller out of
// its queue) the voicemail; dial once an agent took the call; a caller who hangs up while queued
// is a call-back. And the `voice:` settings' errors, with their positions.
#include "daemon/call_decision.hpp"

#define BOOST_TEST_MODULE call_decision
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "config/config_error.hpp"
#include "config/routing_config_parser.hpp"
#include "config/template_catalog_parser.hpp"
#include "routing/engine.hpp"
#include "templates/catalog.hpp"
#include "tests/support/engine_actions.hpp"
#include "tests/support/shipped_routing.hpp"

using namespace ccd::routing;
using ccd::channels::CallDecision;
using ccd::daemon::decideCall;
using ccd::testing::firstMessage;
using namespace std::chrono_literals;

namespace {

// Tuesday 2026-11-24 10:00 in Shanghai: open.
const TimePoint kOpen = TimePoint(std::chrono::seconds(1795485600));

struct Hotline {
    Hotline()
        : engine(ccd::testing::shippedRouting()),
          catalog(ccd::config::loadTemplateCatalog(CCD_SOURCE_DIR "/templates/default", "en")) {}

    /// A new call (no text) from an English-speaking caller: the engine's actions.
    std::vector<Action> call(std::int64_t conv, TimePoint now) {
        auto m = firstMessage(conv, ChannelKind::Voice);
        m.message.provider_id = "CA" + std::to_string(conv);
        return engine.handle(m, now);
    }
    CallDecision decide(std::int64_t conv, TimePoint now, const std::vector<Action>& actions = {},
                        bool leaving = false) {
        return decideCall(engine, catalog.get(), conv, actions, sip, now, leaving);
    }
    void agent(const std::string& id) {
        Agent a;
        a.id = id;
        a.skills = {"general"};
        engine.handle(AgentUpdated{a}, kOpen);
    }
    bool tagged(std::int64_t conv) {
        auto tags = engine.conversation(conv)->tags;
        return std::find(tags.begin(), tags.end(), "call_back") != tags.end();
    }

    Engine engine;
    std::shared_ptr<const ccd::templates::Catalog> catalog;
    ccd::daemon::SipDirectory sip = [](const std::string& a) { return "sip:" + a + "@pbx"; };
};

std::vector<ccd::config::ConfigIssue> issuesOf(const std::string& yaml) {
    try {
        ccd::config::parseRoutingConfig(yaml, "/etc/ccd/routing.yaml");
    } catch (const ccd::config::ConfigError& e) {
        return e.issues();
    }
    return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_queued_caller_hears_place_and_wait_again_every_interval) {
    Hotline h;
    auto first = h.decide(1, kOpen, h.call(1, kOpen));
    BOOST_TEST(static_cast<int>(first.kind) == static_cast<int>(CallDecision::Kind::Queue));
    BOOST_TEST(first.queue == "general");
    BOOST_TEST(first.position == 1u);
    // No handle time yet: 3 minutes a place, and said so.
    BOOST_TEST(first.wait_s == 180);
    BOOST_TEST(!first.wait_from_handle_times);
    BOOST_TEST(first.poll_after_s == 60);
    BOOST_TEST(first.speech.find("You are next in line") != std::string::npos, first.speech);
    BOOST_TEST(first.speech.find("3 minutes") != std::string::npos, first.speech);
    BOOST_TEST(first.language == "en-US");

    auto second = h.decide(2, kOpen + 5s, h.call(2, kOpen + 5s));
    BOOST_TEST(second.position == 2u);
    BOOST_TEST(second.wait_s == 360);
    BOOST_TEST(second.speech.find("number 2 in line") != std::string::npos, second.speech);

    // The poll a minute later: the same place, announced again.
    auto again = h.decide(2, kOpen + 65s);
    BOOST_TEST(static_cast<int>(again.kind) == static_cast<int>(CallDecision::Kind::Queue));
    BOOST_TEST(again.position == 2u);
    BOOST_TEST(again.poll_after_s == 60);
    // The first caller gone (hung up: a call-back, still in its place), the place stays.
    h.engine.handle(CallStep{1, CallStep::Kind::Hangup, "", "abandoned"}, kOpen + 70s);
    BOOST_TEST(h.tagged(1));
    BOOST_TEST(h.engine.conversation(1)->stage == "waiting");
    BOOST_TEST(!h.tagged(2));
}

BOOST_AUTO_TEST_CASE(after_the_maximum_wait_the_caller_leaves_a_voicemail) {
    Hotline h;
    h.call(1, kOpen);
    // The last poll before max_wait (10m) comes when it ends, not a full interval later.
    auto late = h.decide(1, kOpen + 9min + 30s);
    BOOST_TEST(static_cast<int>(late.kind) == static_cast<int>(CallDecision::Kind::Queue));
    BOOST_TEST(late.poll_after_s == 30);
    auto vm = h.decide(1, kOpen + 10min);
    BOOST_TEST(static_cast<int>(vm.kind) == static_cast<int>(CallDecision::Kind::Voicemail));
    BOOST_TEST(vm.speech.find("still busy") != std::string::npos, vm.speech);
    // The work keeps its place; the transcription makes it a call-back.
    BOOST_TEST(h.engine.conversation(1)->stage == "waiting");
    auto m = firstMessage(1, ChannelKind::Voice, "my washing machine leaks, please call back");
    m.new_conversation = false;
    m.message_id = 2;
    m.message.provider_id = "CA1:transcription";
    h.engine.handle(m, kOpen + 11min);
    BOOST_TEST(h.tagged(1));

    // The phone system took the caller out of its queue early: the voicemail too.
    h.call(2, kOpen + 1min);
    auto left = h.decide(2, kOpen + 2min, {}, true);
    BOOST_TEST(static_cast<int>(left.kind) == static_cast<int>(CallDecision::Kind::Voicemail));
}

BOOST_AUTO_TEST_CASE(an_agent_who_takes_the_call_is_dialled_at_the_next_poll) {
    Hotline h;
    h.call(1, kOpen);
    h.agent("alice");
    auto offered = h.engine.handle(PresenceChanged{"alice", Presence::Available}, kOpen + 30s);
    BOOST_TEST(ccd::testing::one<OfferMade>(offered).conversation_id == 1);
    auto dial = h.decide(1, kOpen + 60s);
    BOOST_TEST(static_cast<int>(dial.kind) == static_cast<int>(CallDecision::Kind::Dial));
    BOOST_TEST(dial.agent == "alice");
    BOOST_TEST(dial.target == "sip:alice@pbx");
    // Dialled even past the maximum wait, and when the phone system lets the caller go.
    h.engine.handle(OfferAnswered{1, "alice", true}, kOpen + 70s);
    BOOST_TEST(static_cast<int>(h.decide(1, kOpen + 11min, {}, true).kind) ==
               static_cast<int>(CallDecision::Kind::Dial));
}

BOOST_AUTO_TEST_CASE(the_wait_comes_from_the_queues_handle_times_once_it_has_some) {
    Hotline h;
    h.agent("alice");
    h.engine.handle(PresenceChanged{"alice", Presence::Available}, kOpen);
    h.call(1, kOpen);
    h.engine.handle(OfferAnswered{1, "alice", true}, kOpen + 10s);
    // Alice is on the phone: the next callers wait.
    auto q = h.decide(2, kOpen + 20s, h.call(2, kOpen + 20s));
    BOOST_TEST(q.position == 1u);
    BOOST_TEST(!q.wait_from_handle_times);
    h.call(3, kOpen + 30s);
    // Four minutes from accepting to resolving: each place ahead is four minutes now.
    h.engine.handle(ResolveRequested{1, "alice", "fixed"}, kOpen + 4min + 10s);
    auto w = h.decide(3, kOpen + 4min + 20s);
    BOOST_TEST(w.wait_from_handle_times);
    BOOST_TEST(w.wait_s == 240 * static_cast<std::int64_t>(w.position));
    BOOST_TEST(w.speech.find(std::to_string(4 * w.position) + " minutes") != std::string::npos,
               w.speech);
}

BOOST_AUTO_TEST_CASE(queue_voice_settings_are_read_and_checked_with_positions) {
    auto cfg = ccd::testing::shippedRouting();
    for (const auto& q : cfg->queues) {
        BOOST_TEST(q.announce_every.count() == 60000, q.name);
        BOOST_TEST(q.max_wait.count() == 600000, q.name);
    }
    auto expect = [](const std::string& voice, int line, int column, const std::string& path,
                     const std::string& words) {
        auto issues = issuesOf("queues:\n  general:\n    voice: " + voice + "\n");
        BOOST_TEST_CONTEXT(voice) {
            BOOST_REQUIRE_EQUAL(issues.size(), 1u);
            BOOST_TEST(issues[0].line == line);
            BOOST_TEST(issues[0].column == column);
            BOOST_TEST(issues[0].path == path);
            BOOST_TEST(issues[0].message.find(words) != std::string::npos, issues[0].message);
        }
    };
    expect("{announce_every: 5s}", 3, 29, "queues.general.voice.announce_every", "10s to 10m");
    expect("{max_wait: 3h}", 3, 23, "queues.general.voice.max_wait", "30s to 2h");
    expect("{announce_every: 2m, max_wait: 1m}", 3, 43, "queues.general.voice.max_wait",
           "shorter than announce_every");
    expect("{announce_evry: 1m}", 3, 13, "queues.general.voice.announce_evry", "announce_every");
    expect("{max_wait: soon}", 3, 23, "queues.general.voice.max_wait", "duration");
    auto ok = ccd::config::parseRoutingConfig(
        "queues:\n  general:\n    voice: {max_wait: 5m}\n", "/etc/ccd/routing.yaml");
    BOOST_TEST(ok->queues.at(0).announce_every.count() == 0);
    BOOST_TEST(ok->queues.at(0).max_wait.count() == 300000);
}
