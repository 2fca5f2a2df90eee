#include "routing/dispatcher.hpp"

#define BOOST_TEST_MODULE dispatcher_test
#include <boost/test/unit_test.hpp>

#include <map>

using namespace ccd::routing;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint(std::chrono::hours(24 * 365 * 56));

Agent makeAgent(std::string id, std::set<std::string> skills = {}, std::set<std::string> langs = {}) {
    Agent a;
    a.id = std::move(id);
    a.skills = std::move(skills);
    a.languages = std::move(langs);
    return a;
}

WorkItem work(std::int64_t id, int priority, TimePoint at, std::string queue = "general",
              WorkKind kind = WorkKind::Messaging, std::string lang = "en") {
    WorkItem w;
    w.conversation_id = id;
    w.queue = std::move(queue);
    w.priority = priority;
    w.enqueued_at = at;
    w.kind = kind;
    w.language = std::move(lang);
    return w;
}

QueueDef queue(std::string name, Selection sel = Selection::LongestIdle) {
    QueueDef q;
    q.name = std::move(name);
    q.selection = sel;
    return q;
}

}  // namespace

BOOST_AUTO_TEST_CASE(work_waits_with_nobody_online_then_goes_out_by_priority_then_age) {
    Dispatcher d({queue("general")});
    auto a = makeAgent("ann");
    a.capacity.max = {1, 1, 1, 1};
    d.upsertAgent(a);
    BOOST_TEST(d.enqueue(work(1, 3, t0)));
    BOOST_TEST(d.enqueue(work(2, 1, t0 + 5s)));
    BOOST_TEST(d.enqueue(work(3, 3, t0 + 1s)));
    BOOST_TEST(!d.enqueue(work(3, 3, t0 + 1s)));  // already queued
    BOOST_TEST(d.dispatch(t0 + 10s).empty());      // ann is offline
    BOOST_TEST(d.waitingCount() == 3u);
    BOOST_TEST(*d.positionOf(2) == 1u);
    BOOST_TEST(*d.positionOf(1) == 2u);

    d.setPresence("ann", Presence::Available, t0 + 20s);
    auto offers = d.dispatch(t0 + 20s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);  // capacity 1
    BOOST_TEST(offers[0].conversation_id == 2);  // P1 first, though newest
    BOOST_TEST((offers[0].expires_at == t0 + 20s + 120s));  // async offer timeout
    BOOST_TEST(d.accept(2, "ann", t0 + 21s));
    BOOST_TEST(d.dispatch(t0 + 22s).empty());  // full
    BOOST_TEST(d.complete(2, "ann", t0 + 60s));
    offers = d.dispatch(t0 + 60s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].conversation_id == 1);  // then the oldest P3
}

BOOST_AUTO_TEST_CASE(skills_and_languages_decide_who_can_take_work) {
    QueueDef billing = queue("billing");
    billing.required_skills = {"billing"};
    Dispatcher d({queue("general"), billing});
    d.upsertAgent(makeAgent("en-only", {"billing"}, {"en"}));
    d.upsertAgent(makeAgent("zh-general", {}, {"zh-Hans", "zh-Hant"}));
    for (auto id : {"en-only", "zh-general"}) d.setPresence(id, Presence::Available, t0);
    d.enqueue(work(1, 3, t0, "billing", WorkKind::Messaging, "zh-Hans"));
    d.enqueue(work(2, 3, t0, "general", WorkKind::Messaging, "zh-Hant"));
    d.enqueue(work(3, 3, t0, "billing", WorkKind::Messaging, "en"));
    auto offers = d.dispatch(t0);
    std::map<std::int64_t, std::string> got;
    for (const auto& o : offers) got[o.conversation_id] = o.agent_id;
    BOOST_TEST(got.size() == 2u);
    BOOST_TEST(got[2] == "zh-general");
    BOOST_TEST(got[3] == "en-only");
    BOOST_TEST(!got.count(1));  // billing in Chinese: nobody has both
    BOOST_TEST(*d.positionOf(1) == 1u);
}

BOOST_AUTO_TEST_CASE(longest_idle_agent_first_and_the_last_agent_preferred) {
    Dispatcher d({queue("general")});
    for (auto id : {"a", "b", "c"}) d.upsertAgent(makeAgent(id));
    d.setPresence("b", Presence::Available, t0);
    d.setPresence("c", Presence::Available, t0 + 1s);
    d.setPresence("a", Presence::Available, t0 + 2s);
    d.enqueue(work(1, 3, t0 + 3s));
    auto offers = d.dispatch(t0 + 3s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].agent_id == "b");

    auto w = work(2, 3, t0 + 4s);
    w.preferred_agent = "a";
    d.enqueue(w);
    offers = d.dispatch(t0 + 4s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].agent_id == "a");
}

BOOST_AUTO_TEST_CASE(least_occupied_and_round_robin_spread_work_evenly) {
    for (auto sel : {Selection::LeastOccupied, Selection::RoundRobin}) {
        Dispatcher d({queue("general", sel)});
        for (auto id : {"a", "b", "c"}) {
            d.upsertAgent(makeAgent(id));
            d.setPresence(id, Presence::Available, t0);
        }
        for (int i = 0; i < 12; ++i) d.enqueue(work(i + 1, 3, t0 + std::chrono::seconds(i)));
        auto offers = d.dispatch(t0 + 1min);
        BOOST_TEST(offers.size() == 12u);  // 3 agents x 5 messaging slots
        std::map<std::string, int> per;
        for (const auto& o : offers) per[o.agent_id]++;
        BOOST_TEST(per["a"] == 4);
        BOOST_TEST(per["b"] == 4);
        BOOST_TEST(per["c"] == 4);
    }
}

BOOST_AUTO_TEST_CASE(an_unanswered_offer_moves_to_the_next_agent) {
    Dispatcher d({queue("general")});
    d.upsertAgent(makeAgent("first"));
    d.upsertAgent(makeAgent("second"));
    d.setPresence("first", Presence::Available, t0);
    d.setPresence("second", Presence::Available, t0 + 1s);
    d.enqueue(work(7, 2, t0 + 2s, "general", WorkKind::Chat));
    auto offers = d.dispatch(t0 + 2s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].agent_id == "first");
    BOOST_TEST((offers[0].expires_at == t0 + 32s));  // live work: 30 s
    BOOST_TEST(d.dispatch(t0 + 31s).empty());        // still within the offer
    offers = d.dispatch(t0 + 32s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].agent_id == "second");
    BOOST_TEST(!d.accept(7, "first", t0 + 33s));  // too late for the first
    BOOST_TEST(d.decline(7, "second", t0 + 34s));
    // Both declined: nothing is left unassigned, the first one is asked again.
    offers = d.dispatch(t0 + 35s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(d.agent("second")->load[static_cast<std::size_t>(WorkKind::Chat)] == 0);
}

BOOST_AUTO_TEST_CASE(a_voice_call_blocks_other_live_work) {
    Dispatcher d({queue("general")});
    d.upsertAgent(makeAgent("v"));
    d.setPresence("v", Presence::Available, t0);
    d.enqueue(work(1, 3, t0, "general", WorkKind::Voice));
    d.enqueue(work(2, 3, t0 + 1s, "general", WorkKind::Chat));
    d.enqueue(work(3, 3, t0 + 2s, "general", WorkKind::Email));
    auto offers = d.dispatch(t0 + 3s);
    std::set<std::int64_t> ids;
    for (const auto& o : offers) ids.insert(o.conversation_id);
    BOOST_TEST(ids == (std::set<std::int64_t>{1, 3}));  // chat waits while the call lasts
    BOOST_TEST(d.accept(1, "v", t0 + 4s));
    BOOST_TEST(d.accept(3, "v", t0 + 4s));
    d.complete(1, "v", t0 + 5min);
    offers = d.dispatch(t0 + 5min);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].conversation_id == 2);
}

BOOST_AUTO_TEST_CASE(overdue_work_widens_to_the_overflow_queue) {
    QueueDef vip = queue("vip");
    vip.required_skills = {"vip"};
    vip.overflow_to = "general";
    vip.overflow_after = 2min;
    Dispatcher d({vip, queue("general")});
    d.upsertAgent(makeAgent("generalist"));
    d.setPresence("generalist", Presence::Available, t0);
    d.enqueue(work(1, 2, t0, "vip"));
    BOOST_TEST(d.dispatch(t0 + 1min).empty());  // only VIP agents, and none online
    auto offers = d.dispatch(t0 + 2min);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].agent_id == "generalist");
    BOOST_TEST(offers[0].queue == "general");
}

BOOST_AUTO_TEST_CASE(wrap_up_holds_offers_until_its_timer_ends) {
    Dispatcher d({queue("general")});
    d.upsertAgent(makeAgent("w"));
    d.setPresence("w", Presence::WrapUp, t0, 30s);
    d.enqueue(work(1, 3, t0));
    BOOST_TEST(d.dispatch(t0 + 29s).empty());
    BOOST_TEST(d.dispatch(t0 + 30s).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_wrap_up_after_a_kind_of_work_holds_back_only_that_kind) {
    Dispatcher d({queue("general")});
    d.upsertAgent(makeAgent("w"));
    d.setPresence("w", Presence::WrapUp, t0, 30s, WorkKind::Voice);
    d.enqueue(work(1, 3, t0, "general", WorkKind::Voice));
    d.enqueue(work(2, 3, t0 + 1s, "general", WorkKind::Email));
    auto offers = d.dispatch(t0 + 2s);  // the call waits; the email goes out
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].conversation_id == 2);
    BOOST_TEST(d.dispatch(t0 + 29s).empty());
    offers = d.dispatch(t0 + 30s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].conversation_id == 1);
}

BOOST_AUTO_TEST_CASE(work_everyone_declined_goes_to_whoever_declined_longest_ago) {
    Dispatcher d({queue("general")});
    for (auto id : {"a", "b"}) {
        auto agent = makeAgent(id);
        agent.capacity.max = {1, 1, 1, 1};
        d.upsertAgent(agent);
        d.setPresence(id, Presence::Available, t0);
    }
    d.enqueue(work(1, 3, t0));
    std::vector<std::string> offered_to;
    TimePoint now = t0 + 1s;
    for (int round = 0; round < 4; ++round, now += 1s) {
        auto offers = d.dispatch(now);
        BOOST_REQUIRE_EQUAL(offers.size(), 1u);
        offered_to.push_back(offers[0].agent_id);
        BOOST_TEST(d.decline(1, offers[0].agent_id, now));
    }
    // Never the same agent twice in a row, though both have declined.
    BOOST_TEST((offered_to == std::vector<std::string>{"a", "b", "a", "b"}));
}

BOOST_AUTO_TEST_CASE(bad_queue_definitions_are_refused) {
    BOOST_CHECK_THROW(Dispatcher({queue("a"), queue("a")}), std::invalid_argument);
    QueueDef q = queue("a");
    q.overflow_to = "nowhere";
    BOOST_CHECK_THROW(Dispatcher({q}), std::invalid_argument);
    Dispatcher d({queue("a")});
    BOOST_TEST(!d.enqueue(work(1, 3, t0, "missing")));
    BOOST_TEST(!d.setPresence("ghost", Presence::Available, t0));
}

BOOST_AUTO_TEST_CASE(withdrawn_work_leaves_the_queue_and_frees_capacity) {
    Dispatcher d({queue("general")});
    auto a = makeAgent("a");
    a.capacity.max = {1, 1, 1, 1};
    d.upsertAgent(a);
    d.setPresence("a", Presence::Available, t0);
    d.enqueue(work(1, 3, t0));
    d.enqueue(work(2, 3, t0 + 1s));
    d.enqueue(work(3, 3, t0 + 2s));
    BOOST_TEST(d.withdraw(2));
    BOOST_TEST(*d.positionOf(3) == 2u);
    auto offers = d.dispatch(t0 + 3s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(d.withdraw(1));  // offered, then withdrawn: the slot is free again
    offers = d.dispatch(t0 + 4s);
    BOOST_REQUIRE_EQUAL(offers.size(), 1u);
    BOOST_TEST(offers[0].conversation_id == 3);
    BOOST_TEST(!d.withdraw(42));
}
