// The dispatcher's free-agent index against a brute-force reference: the dispatcher as it was
// before the index (every decision scans every free agent), driven with the same randomized
// agents, queues and events. Every offer, return value, queue position and agent state must be
// the same.
#include "routing/dispatcher.hpp"

#define BOOST_TEST_MODULE dispatcher_index_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tests/support/linear_dispatcher.hpp"

using namespace ccd::routing;
using ccd::testing::LinearDispatcher;
using namespace std::chrono_literals;

namespace {

// ---- The randomized run ---------------------------------------------------------------------

const TimePoint t0 = TimePoint(std::chrono::hours(24 * 365 * 56));
const std::vector<std::string> kSkills{"s1", "s2", "s3"};
const std::vector<std::string> kLanguages{"en", "zh-Hans", "zh-Hant"};
// Item languages: none, undetermined, the agents' ones, and one no agent lists.
const std::vector<std::string> kItemLanguages{"", "und", "en", "zh-Hans", "zh-Hant", "fr"};

std::string describe(const std::vector<Offer>& offers) {
    std::ostringstream out;
    for (const auto& o : offers)
        out << o.conversation_id << "->" << o.agent_id << "@" << o.queue << "/"
            << unixMillis(o.expires_at) << " ";
    return out.str();
}

struct Scenario {
    std::mt19937 rng;
    std::vector<std::string> queue_names;
    std::vector<std::string> agent_ids;

    explicit Scenario(unsigned seed) : rng(seed) {}

    std::size_t pick(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    }
    bool chance(int percent) { return static_cast<int>(pick(100)) < percent; }

    std::set<std::string> subset(const std::vector<std::string>& of, int percent) {
        std::set<std::string> out;
        for (const auto& s : of) {
            if (chance(percent)) out.insert(s);
        }
        return out;
    }

    std::vector<QueueDef> queues() {
        std::vector<std::string> names{"vip", "billing", "general", "returns", "escalation"};
        std::shuffle(names.begin(), names.end(), rng);
        names.resize(2 + pick(4));
        std::vector<QueueDef> defs;
        for (const auto& name : names) {
            QueueDef q;
            q.name = name;
            q.required_skills = subset(kSkills, 30);
            q.selection = static_cast<Selection>(pick(3));
            if (chance(50)) {
                q.overflow_to = names[pick(names.size())];
                q.overflow_after = std::chrono::seconds(pick(3) * 10);
            }
            q.live_offer_timeout = std::chrono::seconds(5 + pick(20));
            q.async_offer_timeout = std::chrono::seconds(10 + pick(40));
            defs.push_back(q);
        }
        queue_names = names;
        return defs;
    }

    Agent agent(const std::string& id) {
        Agent a;
        a.id = id;
        a.skills = subset(kSkills, 60);
        a.languages = chance(25) ? std::set<std::string>{} : subset(kLanguages, 50);
        for (auto& m : a.capacity.max) m = static_cast<int>(pick(4));  // 0..3, often equal
        return a;
    }
};

// What differs between the two dispatchers' visible state; empty when nothing does.
template <class A, class B>
std::string difference(A& indexed, B& linear, const std::vector<std::string>& agent_ids,
                       std::int64_t last_id, bool positions) {
    if (indexed.waitingCount() != linear.waitingCount()) return "waiting count";
    for (std::int64_t id = 1; positions && id <= last_id; ++id) {
        if (indexed.positionOf(id) != linear.positionOf(id))
            return "position of " + std::to_string(id);
    }
    for (const auto& id : agent_ids) {
        const Agent* a = indexed.agent(id);
        const Agent* b = linear.agent(id);
        if ((a == nullptr) != (b == nullptr)) return "agent " + id;
        if (!a) continue;
        if (a->load != b->load) return "load of " + id;
        if (a->presence != b->presence) return "presence of " + id;
        if (a->idle_since != b->idle_since) return "idle time of " + id;
    }
    return {};
}

// One randomized run: `steps` events on `agents` agents, queue positions compared every
// `positions_every` steps; returns the number of offers made.
std::size_t runScenario(unsigned seed, int agents, int steps, int positions_every = 1) {
    Scenario s(seed);
    auto defs = s.queues();
    Dispatcher indexed(defs);
    LinearDispatcher linear(defs);
    for (int i = 0; i < agents; ++i) {
        // Ids in no particular order, so id ties are broken by name, not by arrival.
        std::string id = "a" + std::to_string((i * 7919) % 1000);
        s.agent_ids.push_back(id);
        Agent a = s.agent(id);
        indexed.upsertAgent(a);
        linear.upsertAgent(a);
    }
    TimePoint now = t0;
    std::int64_t next_id = 1;
    std::vector<std::pair<std::int64_t, std::string>> offered, assigned;
    std::size_t offers_made = 0;
    for (int step = 0; step < steps; ++step) {
        // Coarse time steps make idle-time ties common; now and then time goes back a little.
        if (s.chance(5)) {
            now -= std::chrono::seconds(1 + s.pick(3));
        } else {
            now += std::chrono::seconds(s.pick(4));
        }
        const std::string where = "seed " + std::to_string(seed) + " step " + std::to_string(step);
        const std::string& some_agent =
            s.chance(3) ? std::string("ghost") : s.agent_ids[s.pick(s.agent_ids.size())];
        switch (s.pick(10)) {
            case 0:
            case 1:
            case 2: {  // new work
                WorkItem w;
                w.conversation_id = s.chance(3) && next_id > 1
                                        ? static_cast<std::int64_t>(1 + s.pick(next_id - 1))
                                        : next_id++;
                w.queue = s.chance(3) ? std::string("nowhere")
                                      : s.queue_names[s.pick(s.queue_names.size())];
                w.priority = 1 + static_cast<int>(s.pick(4));
                w.enqueued_at = s.chance(10) ? TimePoint{} : now - std::chrono::seconds(s.pick(20));
                w.kind = static_cast<WorkKind>(s.pick(kWorkKinds));
                w.language = kItemLanguages[s.pick(kItemLanguages.size())];
                if (s.chance(20)) w.preferred_agent = some_agent;
                BOOST_REQUIRE_MESSAGE(indexed.enqueue(w) == linear.enqueue(w), where);
                break;
            }
            case 3: {  // presence
                auto presence = static_cast<Presence>(s.pick(5));
                auto wrap_up = std::chrono::seconds(s.pick(15));
                std::optional<WorkKind> kind;
                if (s.chance(60)) kind = static_cast<WorkKind>(s.pick(kWorkKinds));
                BOOST_REQUIRE_MESSAGE(
                    indexed.setPresence(some_agent, presence, now, wrap_up, kind) ==
                        linear.setPresence(some_agent, presence, now, wrap_up, kind),
                                      where);
                break;
            }
            case 4: {  // a profile changes (or a new agent)
                std::string id = s.chance(20) ? "n" + std::to_string(step) : some_agent;
                if (id == "ghost") break;
                if (std::find(s.agent_ids.begin(), s.agent_ids.end(), id) == s.agent_ids.end())
                    s.agent_ids.push_back(id);
                Agent a = s.agent(id);
                indexed.upsertAgent(a);
                linear.upsertAgent(a);
                break;
            }
            case 5: {  // an offer is answered
                if (offered.empty()) break;
                std::size_t i = s.pick(offered.size());
                auto [id, agent] = offered[i];
                offered.erase(offered.begin() + static_cast<std::ptrdiff_t>(i));
                if (s.chance(10)) agent = some_agent;  // someone else answers
                if (s.chance(60)) {
                    bool ok = indexed.accept(id, agent, now);
                    BOOST_REQUIRE_MESSAGE(ok == linear.accept(id, agent, now), where);
                    if (ok) assigned.emplace_back(id, agent);
                } else {
                    BOOST_REQUIRE_MESSAGE(
                        indexed.decline(id, agent, now) == linear.decline(id, agent, now), where);
                }
                break;
            }
            case 6: {  // work is finished or withdrawn
                if (assigned.empty() || s.chance(20)) {
                    auto id = static_cast<std::int64_t>(1 + s.pick(next_id));
                    BOOST_REQUIRE_MESSAGE(indexed.withdraw(id) == linear.withdraw(id), where);
                    break;
                }
                std::size_t i = s.pick(assigned.size());
                auto [id, agent] = assigned[i];
                assigned.erase(assigned.begin() + static_cast<std::ptrdiff_t>(i));
                BOOST_REQUIRE_MESSAGE(
                    indexed.complete(id, agent, now) == linear.complete(id, agent, now), where);
                break;
            }
            default: {  // dispatch
                auto a = indexed.dispatch(now);
                auto b = linear.dispatch(now);
                BOOST_REQUIRE_MESSAGE(
                    describe(a) == describe(b),
                    where << ": indexed " << describe(a) << "| linear " << describe(b));
                for (const auto& o : a) offered.emplace_back(o.conversation_id, o.agent_id);
                offers_made += a.size();
                break;
            }
        }
        std::string diff =
            difference(indexed, linear, s.agent_ids, next_id, step % positions_every == 0);
        if (!diff.empty()) BOOST_FAIL(where << ": " << diff);
    }
    return offers_made;
}

}  // namespace

BOOST_AUTO_TEST_CASE(indexed_choices_match_a_scan_of_every_free_agent_small_teams) {
    std::size_t offers = 0;
    for (unsigned seed = 1; seed <= 300; ++seed) offers += runScenario(seed, 2 + seed % 9, 300);
    BOOST_TEST(offers > 5000u);  // the runs do make decisions, not only refusals
}

BOOST_AUTO_TEST_CASE(indexed_choices_match_a_scan_of_every_free_agent_large_team) {
    std::size_t offers = 0;
    for (unsigned seed = 1001; seed <= 1005; ++seed) offers += runScenario(seed, 120, 3000, 100);
    BOOST_TEST(offers > 1000u);
}
