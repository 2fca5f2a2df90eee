// The whole routing engine on the shipped config/routing.yaml, with 1,000 agents (all full) and
// 10,000 conversations waiting. Google Benchmark; run build/tests/engine_bench.
//
//   BM_EngineNewMessage     a customer message arrives: classification, rules, SLA clocks,
//                           automatic-reply choice, enqueue, dispatch (nobody has room)
//   BM_EngineResolveOffer   an agent resolves a conversation: clocks met, survey chosen, capacity
//                           freed, dispatch offers the most urgent waiting work, the agent accepts
//   BM_EngineResolveOfferIdleAgents
//                           the same with 600+ agents idle and a backlog they cannot take
//   BM_EngineTick           a tick with nothing due (timers, waiting rules over the queue)
// The reference in the same run: BM_ClassifyOnly, the classification part alone.
//
// The world is shared and changes with every iteration, so the two benchmarks that change it
// run a fixed number of iterations: every run (and every build) measures the same work. Run one
// benchmark per process (--benchmark_filter) to measure it on the freshly built world.

#include <benchmark/benchmark.h>

#include "config/routing_config_parser.hpp"
#include "routing/classify/classifier.hpp"
#include "routing/engine.hpp"
#include "tests/support/shipped_routing.hpp"

using namespace ccd::routing;
using namespace std::chrono_literals;

namespace {

constexpr int kAgents = 1000;
constexpr int kWaiting = 10000;
// Tuesday 2026-11-24 10:00 in Shanghai: business hours.
const TimePoint kStart = TimePoint(std::chrono::seconds(1795485600));

const char* const kTexts[] = {
    "My washing machine stopped working and shows error E21, please help me fix it soon.",
    "I was charged twice for the same order on my credit card, please refund one of them.",
    "我的打印机一直卡纸，换了纸也不行，屏幕上显示错误代码，怎么办？",
    "The parcel has not arrived yet, the tracking page has not changed for five days now.",
    "冷氣開了都不會冷，只吹出熱風，已經叫過一次維修了還是一樣。",
    "I want to return the blender, it arrived with a cracked jar and a scratch on the base.",
    "你们的客服态度太差了，我要投诉，电话打了三次都没人解决问题。",
    "How do I connect the robot vacuum to the app? The wifi setup keeps failing for me.",
};

struct World {
    Engine engine;
    TimePoint now = kStart;
    std::int64_t next = 1;
    std::vector<std::pair<std::int64_t, std::string>> assigned;  // oldest first
    std::size_t resolve_at = 0;

    World() : engine(ccd::testing::shippedRouting()) {
        for (int a = 0; a < kAgents; ++a) {
            Agent agent;
            agent.id = "agent-" + std::to_string(a);
            agent.skills = {"general", "technical", "billing", "returns"};
            if (a % 10 == 0) agent.skills.insert("supervisor");
            agent.languages = {"en", "zh-Hans", "zh-Hant"};
            engine.handle(AgentUpdated{agent}, now);
            engine.handle(PresenceChanged{agent.id, Presence::Available}, now);
        }
        // Fill every agent (5 messaging conversations each), then 10,000 more wait.
        std::size_t queued = 0;
        while (queued < static_cast<std::size_t>(kWaiting)) {
            auto out = engine.handle(message(), now);
            bool offered = false;
            for (const auto& a : out) {
                if (const auto* o = std::get_if<OfferMade>(&a)) {
                    engine.handle(OfferAnswered{o->conversation_id, o->agent, true}, now);
                    assigned.emplace_back(o->conversation_id, o->agent);
                    offered = true;
                }
            }
            queued += !offered;
            now += 1ms;
        }
    }

    std::size_t waiting() const {
        std::size_t n = 0;
        for (const auto& q : engine.queueStats(now)) n += q.waiting;
        return n;
    }

    MessageReceived message() {
        MessageReceived m;
        m.conversation_id = next;
        m.message_id = next;
        m.new_conversation = true;
        m.message.text = kTexts[next % (sizeof kTexts / sizeof *kTexts)];
        m.message.from.id = "c" + std::to_string(next);
        m.contact.id = next;  // a new customer each time: the auto-reply limit never binds
        ++next;
        return m;
    }
};

World& world() {
    static World w;
    return w;
}

void BM_EngineNewMessage(benchmark::State& state) {
    World& w = world();
    for (auto _ : state) {
        w.now += 1ms;
        auto out = w.engine.handle(w.message(), w.now);
        benchmark::DoNotOptimize(out);
    }
    state.counters["waiting"] = static_cast<double>(w.waiting());
}
BENCHMARK(BM_EngineNewMessage)->Unit(benchmark::kMicrosecond)->Iterations(10000);

// The oldest assignment is resolved; the offers it frees room for are accepted. False when
// nothing is left to resolve.
bool resolveOne(World& w) {
    if (w.resolve_at >= w.assigned.size()) return false;
    w.now += 1ms;
    auto [conv, agent] = w.assigned[w.resolve_at++];
    auto out = w.engine.handle(ResolveRequested{conv, agent, "fixed"}, w.now);
    for (const auto& a : out) {
        if (const auto* o = std::get_if<OfferMade>(&a)) {
            w.engine.handle(OfferAnswered{o->conversation_id, o->agent, true}, w.now);
            w.assigned.emplace_back(o->conversation_id, o->agent);
        }
    }
    benchmark::DoNotOptimize(out);
    return true;
}

std::size_t agentsWithRoom(const World& w) {
    std::size_t with_room = 0;
    for (const auto& a : w.engine.agentStats()) with_room += a.conversations < 5;
    return with_room;
}

void BM_EngineResolveOffer(benchmark::State& state) {
    World& w = world();
    for (auto _ : state) {
        if (!resolveOne(w)) {
            state.SkipWithError("nothing left to resolve: the backlog is done");
            break;
        }
    }
    state.counters["agents_with_room"] = static_cast<double>(agentsWithRoom(w));
}
// 10,000 resolves from the freshly built world: the agents stay busy for most of it (474 of the
// 1,000 have room by the end).
BENCHMARK(BM_EngineResolveOffer)->Unit(benchmark::kMicrosecond)->Iterations(10000);

// The same once hundreds of agents are idle: first (not timed) resolve until 600 agents have
// room; what is left of the backlog is then mostly work only supervisors may take.
void BM_EngineResolveOfferIdleAgents(benchmark::State& state) {
    World& w = world();
    while (w.resolve_at < w.assigned.size() && agentsWithRoom(w) < 600) {
        for (int i = 0; i < 100 && resolveOne(w); ++i) {
        }
    }
    state.counters["agents_with_room_before"] = static_cast<double>(agentsWithRoom(w));
    for (auto _ : state) {
        if (!resolveOne(w)) {
            state.SkipWithError("nothing left to resolve: the backlog is done");
            break;
        }
    }
    state.counters["agents_with_room"] = static_cast<double>(agentsWithRoom(w));
}
BENCHMARK(BM_EngineResolveOfferIdleAgents)->Unit(benchmark::kMicrosecond)->Iterations(1000);

void BM_EngineTick(benchmark::State& state) {
    World& w = world();
    for (auto _ : state) {
        auto out = w.engine.handle(Tick{}, w.now);  // same instant: nothing new is due
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(BM_EngineTick)->Unit(benchmark::kMicrosecond);

void BM_ClassifyOnly(benchmark::State& state) {
    static Classifier classifier(
        ccd::testing::shippedRouting()->classification);
    std::size_t i = 0;
    for (auto _ : state) {
        auto c = classifier.classify(kTexts[i++ % (sizeof kTexts / sizeof *kTexts)]);
        benchmark::DoNotOptimize(c);
    }
}
BENCHMARK(BM_ClassifyOnly)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
