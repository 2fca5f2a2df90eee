// Routing decision benchmark (issue: routing core): one decision with 1,000 agents and 10,000
// conversations waiting must take <= 20 us. Google Benchmark; run build/tests/routing_bench.
//
//   BM_NewWorkWhileAllBusy   a conversation arrives, every agent is full: enqueue + dispatch
//   BM_AgentFreesASlot       an agent finishes one item: complete + dispatch (one offer) + accept
//                            (agents take turns, oldest assignment first)
//
// The same two with 900 of the 1,000 agents idle and 10,000 conversations waiting in a queue only
// the other 100 (supervisors, all full) may take:
//   BM_IdleAgentsNewWork           a conversation arrives: enqueue + dispatch (no offer)
//   BM_IdleAgentsSupervisorFrees   a supervisor finishes one item: complete + dispatch (one
//                                  offer) + accept

#include <benchmark/benchmark.h>

#include <deque>
#include <random>

#include "routing/dispatcher.hpp"

using namespace ccd::routing;
using namespace std::chrono_literals;

namespace {

constexpr int kAgents = 1000;
constexpr int kWaiting = 10000;
constexpr int kQueues = 10;
const TimePoint t0 = TimePoint(std::chrono::hours(24 * 365 * 56));

struct World {
    Dispatcher d;
    std::int64_t next_id = 1;
    TimePoint now = t0;
    std::mt19937 rng{42};
    std::deque<Offer> assigned;  // oldest first: the next round finishes the front one

    static std::vector<QueueDef> queues() {
        std::vector<QueueDef> qs;
        for (int q = 0; q < kQueues; ++q) {
            QueueDef def;
            def.name = "q" + std::to_string(q);
            def.required_skills = {"s" + std::to_string(q)};
            qs.push_back(def);
        }
        return qs;
    }

    World() : d(queues()) {
        // Every agent has two skills and is full: 5 messaging items each.
        for (int a = 0; a < kAgents; ++a) {
            Agent agent;
            agent.id = "agent-" + std::to_string(a);
            agent.skills = {"s" + std::to_string(a % kQueues), "s" + std::to_string((a + 1) % kQueues)};
            agent.languages = {"en", "zh-Hans"};
            d.upsertAgent(agent);
            d.setPresence(agent.id, Presence::Available, t0);
        }
        for (;;) {
            auto offers = d.dispatch(now);
            for (const auto& o : offers) d.accept(o.conversation_id, o.agent_id, now);
            if (offers.empty() && d.waitingCount() >= static_cast<std::size_t>(kWaiting)) break;
            assigned.insert(assigned.end(), offers.begin(), offers.end());
            for (int i = 0; i < 1000; ++i) addWork();
            now += 1ms;
        }
    }

    std::int64_t addWork() {
        WorkItem w;
        w.conversation_id = next_id++;
        w.queue = "q" + std::to_string(rng() % kQueues);
        w.priority = 1 + static_cast<int>(rng() % 4);
        w.enqueued_at = now;
        w.kind = WorkKind::Messaging;
        w.language = rng() % 2 ? "en" : "zh-Hans";
        d.enqueue(w);
        return w.conversation_id;
    }
};

World& world() {
    static World w;
    return w;
}

// One new item of work, offered if anyone can take it, then withdrawn (the world stays the same).
template <class W>
void newWork(benchmark::State& state, W& w) {
    for (auto _ : state) {
        auto id = w.addWork();
        auto offers = w.d.dispatch(w.now);
        benchmark::DoNotOptimize(offers);
        state.PauseTiming();
        w.d.withdraw(id);
        state.ResumeTiming();
    }
    state.counters["waiting"] = static_cast<double>(w.d.waitingCount());
}

// Each round the agent who has held an assignment longest finishes it and gets the next item.
template <class W>
void freeASlot(benchmark::State& state, W& w) {
    std::size_t empty_rounds = 0;
    for (auto _ : state) {
        state.PauseTiming();
        w.now += 1ms;
        Offer finish = w.assigned.front();
        w.assigned.pop_front();
        state.ResumeTiming();
        w.d.complete(finish.conversation_id, finish.agent_id, w.now);
        auto offers = w.d.dispatch(w.now);
        for (const auto& o : offers) w.d.accept(o.conversation_id, o.agent_id, w.now);
        state.PauseTiming();
        w.assigned.insert(w.assigned.end(), offers.begin(), offers.end());
        if (offers.empty()) ++empty_rounds;
        w.addWork();  // keep 10,000 waiting
        state.ResumeTiming();
    }
    state.counters["waiting"] = static_cast<double>(w.d.waitingCount());
    state.counters["rounds_without_offer"] = static_cast<double>(empty_rounds);
}

void BM_NewWorkWhileAllBusy(benchmark::State& state) { newWork(state, world()); }
BENCHMARK(BM_NewWorkWhileAllBusy);

void BM_AgentFreesASlot(benchmark::State& state) { freeASlot(state, world()); }
BENCHMARK(BM_AgentFreesASlot);

struct IdleWorld {
    Dispatcher d;
    std::int64_t next_id = 1;
    TimePoint now = t0;
    std::deque<Offer> assigned;  // supervisors' work, oldest first

    static std::vector<QueueDef> queues() {
        QueueDef general;
        general.name = "general";
        QueueDef escalation;
        escalation.name = "escalation";
        escalation.required_skills = {"supervisor"};
        escalation.selection = Selection::LeastOccupied;
        return {general, escalation};
    }

    IdleWorld() : d(queues()) {
        for (int a = 0; a < kAgents; ++a) {
            Agent agent;
            agent.id = "agent-" + std::to_string(a);
            if (a % 10 == 0) agent.skills = {"supervisor"};
            agent.languages = {"en", "zh-Hans"};
            d.upsertAgent(agent);
            d.setPresence(agent.id, Presence::Available, t0);
        }
        // Supervisors full (5 each), then 10,000 more waiting for them.
        while (d.waitingCount() < static_cast<std::size_t>(kWaiting)) {
            addWork();
            for (const auto& o : d.dispatch(now)) {
                d.accept(o.conversation_id, o.agent_id, now);
                assigned.push_back(o);
            }
            now += 1ms;
        }
    }

    std::int64_t addWork() {
        WorkItem w;
        w.conversation_id = next_id++;
        w.queue = "escalation";
        w.priority = 1 + static_cast<int>(next_id % 4);
        w.enqueued_at = now;
        w.kind = WorkKind::Messaging;
        w.language = next_id % 2 ? "en" : "zh-Hans";
        d.enqueue(w);
        return w.conversation_id;
    }
};

IdleWorld& idleWorld() {
    static IdleWorld w;
    return w;
}

void BM_IdleAgentsNewWork(benchmark::State& state) { newWork(state, idleWorld()); }
BENCHMARK(BM_IdleAgentsNewWork);

void BM_IdleAgentsSupervisorFrees(benchmark::State& state) { freeASlot(state, idleWorld()); }
BENCHMARK(BM_IdleAgentsSupervisorFrees);

}  // namespace

BENCHMARK_MAIN();
