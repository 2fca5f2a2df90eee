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

using namespace ccd::routing;
using namespace std::chrono_literals;

namespace {

// ---- The reference: the linear dispatcher (routing/dispatcher.cpp before the index) ----------

class LinearDispatcher {
  public:
    explicit LinearDispatcher(std::vector<QueueDef> queues) {
        for (auto& q : queues) {
            std::string name = q.name;
            Queue queue;
            queue.def = std::move(q);
            if (!queues_.emplace(name, std::move(queue)).second)
                throw std::invalid_argument("duplicate queue");
        }
    }

    void upsertAgent(Agent agent) {
        auto it = agents_.find(agent.id);
        if (it != agents_.end()) {
            agent.load = it->second.load;
            agent.presence = it->second.presence;
            agent.idle_since = it->second.idle_since;
            agent.wrap_up_until = it->second.wrap_up_until;
            agent.wrap_up_kind = it->second.wrap_up_kind;
            it->second = std::move(agent);
        } else {
            std::string id = agent.id;
            agents_.emplace(std::move(id), std::move(agent));
        }
        refreshEligibility();
    }

    bool setPresence(const std::string& agent_id, Presence presence, TimePoint now,
                     std::chrono::milliseconds wrap_up, std::optional<WorkKind> kind) {
        auto it = agents_.find(agent_id);
        if (it == agents_.end()) return false;
        Agent& a = it->second;
        if (presence == Presence::Available && a.presence != Presence::Available)
            a.idle_since = now;
        if (presence == Presence::WrapUp) {
            a.wrap_up_until = now + wrap_up;
            a.wrap_up_kind = kind;
            a.idle_since = a.wrap_up_until;
        }
        a.presence = presence;
        return true;
    }

    bool enqueue(WorkItem work) {
        if (!queues_.count(work.queue) || items_.count(work.conversation_id)) return false;
        Item item;
        item.queues = {work.queue};
        item.work = std::move(work);
        auto id = item.work.conversation_id;
        auto [it, inserted] = items_.emplace(id, std::move(item));
        addToQueues(it->second);
        return inserted;
    }

    std::vector<Offer> dispatch(TimePoint now) {
        expireOffers(now);
        widenOverdue(now);
        std::vector<Offer> offers;
        std::array<bool, kWorkKinds> waiting_kinds{};
        for (const auto& [name, q] : queues_) {
            for (std::size_t k = 0; k < kWorkKinds; ++k) waiting_kinds[k] |= !q.waiting[k].empty();
        }
        FreeAgents free;
        bool anyone = false;
        for (auto& [id, a] : agents_) {
            for (std::size_t k = 0; k < kWorkKinds; ++k) {
                const auto kind = static_cast<WorkKind>(k);
                if (waiting_kinds[k] && a.takes(kind, now) && a.hasRoomFor(kind)) {
                    free[k].push_back(&a);
                    anyone = true;
                }
            }
        }
        if (!anyone) return offers;
        struct Cursor {
            std::set<Key>::const_iterator it, end;
            Queue* queue;
            std::size_t kind;
        };
        std::vector<Cursor> cursors;
        for (auto& entry : queues_) {
            Queue& q = entry.second;
            for (std::size_t k = 0; k < kWorkKinds; ++k) {
                if (q.waiting[k].empty()) continue;
                bool served = std::any_of(free[k].begin(), free[k].end(),
                                          [&q](const Agent* a) { return q.members.count(a) > 0; });
                if (served) cursors.push_back({q.waiting[k].begin(), q.waiting[k].end(), &q, k});
            }
        }
        std::vector<std::int64_t> offered;
        std::set<std::int64_t> handled;
        for (;;) {
            Cursor* next = nullptr;
            for (auto& c : cursors) {
                if (c.it == c.end || free[c.kind].empty()) continue;
                if (!next || *c.it < *next->it) next = &c;
            }
            if (!next) break;
            Key key = *next->it;
            Queue& q = *next->queue;
            const auto& candidates = free[next->kind];
            ++next->it;
            auto id = std::get<2>(key);
            if (!handled.insert(id).second) continue;
            Item& item = items_.at(id);
            const Agent* chosen = choose(q, item, candidates, false);
            if (!chosen) chosen = choose(q, item, candidates, true);
            if (!chosen) continue;
            Agent& agent = agents_.at(chosen->id);
            agent.load[static_cast<std::size_t>(item.work.kind)]++;
            const Queue& own = queues_.at(item.work.queue);
            auto timeout =
                isLive(item.work.kind) ? own.def.live_offer_timeout : own.def.async_offer_timeout;
            item.state = State::Offered;
            item.agent = agent.id;
            item.offer_expires = now + timeout;
            offer_expiry_.emplace(item.offer_expires, id);
            offers.push_back(Offer{id, agent.id, q.def.name, item.offer_expires});
            offered.push_back(id);
            updateFree(free, &agent);
        }
        for (auto id : offered) removeFromQueues(items_.at(id));
        return offers;
    }

    bool accept(std::int64_t conversation_id, const std::string& agent_id, TimePoint) {
        auto it = items_.find(conversation_id);
        if (it == items_.end() || it->second.state != State::Offered ||
            it->second.agent != agent_id)
            return false;
        it->second.state = State::Assigned;
        return true;
    }

    bool decline(std::int64_t conversation_id, const std::string& agent_id, TimePoint) {
        auto it = items_.find(conversation_id);
        if (it == items_.end() || it->second.state != State::Offered ||
            it->second.agent != agent_id)
            return false;
        Item& item = it->second;
        if (auto a = agents_.find(agent_id); a != agents_.end())
            a->second.load[static_cast<std::size_t>(item.work.kind)]--;
        item.declined[agent_id] = ++decline_seq_;
        item.state = State::Waiting;
        item.agent.clear();
        item.queues = {item.work.queue};
        addToQueues(item);
        return true;
    }

    bool complete(std::int64_t conversation_id, const std::string& agent_id, TimePoint now) {
        auto it = items_.find(conversation_id);
        if (it == items_.end() || it->second.agent != agent_id ||
            it->second.state == State::Waiting)
            return false;
        if (auto a = agents_.find(agent_id); a != agents_.end()) {
            a->second.load[static_cast<std::size_t>(it->second.work.kind)]--;
            a->second.idle_since = now;
        }
        items_.erase(it);
        return true;
    }

    bool withdraw(std::int64_t conversation_id) {
        auto it = items_.find(conversation_id);
        if (it == items_.end()) return false;
        Item& item = it->second;
        if (item.state == State::Waiting) {
            removeFromQueues(item);
        } else if (auto a = agents_.find(item.agent); a != agents_.end()) {
            a->second.load[static_cast<std::size_t>(item.work.kind)]--;
        }
        items_.erase(it);
        return true;
    }

    std::size_t waitingCount() const {
        std::size_t n = 0;
        for (const auto& [id, item] : items_) n += item.state == State::Waiting;
        return n;
    }

    std::optional<std::size_t> positionOf(std::int64_t conversation_id) const {
        auto it = items_.find(conversation_id);
        if (it == items_.end() || it->second.state != State::Waiting) return std::nullopt;
        const auto& q = queues_.at(it->second.work.queue);
        Key key = keyOf(it->second);
        std::size_t ahead = 0;
        for (const auto& set : q.waiting)
            ahead += static_cast<std::size_t>(std::distance(set.begin(), set.lower_bound(key)));
        return ahead + 1;
    }

    const Agent* agent(const std::string& id) const {
        auto it = agents_.find(id);
        return it == agents_.end() ? nullptr : &it->second;
    }

  private:
    std::uint64_t decline_seq_ = 0;
    using Key = std::tuple<int, TimePoint, std::int64_t>;
    enum class State { Waiting, Offered, Assigned };
    struct Item {
        WorkItem work;
        State state = State::Waiting;
        std::vector<std::string> queues;
        std::map<std::string, std::uint64_t> declined;
        std::string agent;
        TimePoint offer_expires{};
    };
    struct Queue {
        QueueDef def;
        std::array<std::set<Key>, kWorkKinds> waiting;
        std::set<std::pair<TimePoint, std::int64_t>> by_age;
        std::vector<std::string> agents;
        std::unordered_set<const Agent*> members;
        std::size_t round_robin = 0;
    };
    using FreeAgents = std::array<std::vector<Agent*>, kWorkKinds>;

    Key keyOf(const Item& item) const {
        return Key{item.work.priority, item.work.enqueued_at, item.work.conversation_id};
    }

    void addToQueues(Item& item) {
        for (const auto& name : item.queues) {
            auto& q = queues_.at(name);
            q.waiting[static_cast<std::size_t>(item.work.kind)].insert(keyOf(item));
            q.by_age.emplace(item.work.enqueued_at, item.work.conversation_id);
        }
    }

    void removeFromQueues(Item& item) {
        for (const auto& name : item.queues) {
            auto& q = queues_.at(name);
            q.waiting[static_cast<std::size_t>(item.work.kind)].erase(keyOf(item));
            q.by_age.erase({item.work.enqueued_at, item.work.conversation_id});
        }
    }

    void refreshEligibility() {
        std::vector<std::string> ids;
        for (const auto& [id, a] : agents_) ids.push_back(id);
        std::sort(ids.begin(), ids.end());
        for (auto& [name, q] : queues_) {
            q.agents.clear();
            q.members.clear();
            for (const auto& id : ids) {
                const Agent& agent = agents_.at(id);
                if (std::includes(agent.skills.begin(), agent.skills.end(),
                                  q.def.required_skills.begin(), q.def.required_skills.end())) {
                    q.agents.push_back(id);
                    q.members.insert(&agent);
                }
            }
            if (q.round_robin > q.agents.size()) q.round_robin = 0;
        }
    }

    const Agent* choose(Queue& queue, const Item& item, const std::vector<Agent*>& free,
                        bool allow_declined) {
        auto usable = [&](const Agent& a) {
            return a.hasRoomFor(item.work.kind) && a.speaks(item.work.language) &&
                   queue.members.count(&a) > 0;
        };
        if (allow_declined) {  // the usable agent who declined or missed it longest ago
            const Agent* oldest = nullptr;
            for (const Agent* a : free) {
                auto d = item.declined.find(a->id);
                if (d == item.declined.end() || !usable(*a)) continue;
                if (!oldest || d->second < item.declined.at(oldest->id)) oldest = a;
            }
            return oldest;
        }
        auto fresh = [&](const Agent& a) { return usable(a) && !item.declined.count(a.id); };
        if (item.work.preferred_agent) {
            for (const Agent* a : free) {
                if (a->id == *item.work.preferred_agent && fresh(*a)) return a;
            }
        }
        const Agent* best = nullptr;
        if (queue.def.selection == Selection::RoundRobin) {
            const std::size_t n = queue.agents.size();
            std::size_t best_distance = n;
            for (const Agent* a : free) {
                if (!fresh(*a)) continue;
                auto pos = static_cast<std::size_t>(
                    std::lower_bound(queue.agents.begin(), queue.agents.end(), a->id) -
                    queue.agents.begin());
                std::size_t distance = (pos + n - queue.round_robin % n) % n;
                if (distance < best_distance) {
                    best_distance = distance;
                    best = a;
                }
            }
            if (best) {
                auto pos = static_cast<std::size_t>(
                    std::lower_bound(queue.agents.begin(), queue.agents.end(), best->id) -
                    queue.agents.begin());
                queue.round_robin = (pos + 1) % n;
            }
            return best;
        }
        for (const Agent* a : free) {
            if (!fresh(*a)) continue;
            if (!best) {
                best = a;
                continue;
            }
            if (queue.def.selection == Selection::LeastOccupied) {
                double oa = a->occupancy(), ob = best->occupancy();
                if (oa < ob ||
                    (oa == ob && (a->idle_since < best->idle_since ||
                                  (a->idle_since == best->idle_since && a->id < best->id))))
                    best = a;
            } else if (a->idle_since < best->idle_since ||
                       (a->idle_since == best->idle_since && a->id < best->id)) {
                best = a;
            }
        }
        return best;
    }

    static void updateFree(FreeAgents& free, Agent* agent) {
        for (std::size_t k = 0; k < kWorkKinds; ++k) {
            if (agent->hasRoomFor(static_cast<WorkKind>(k))) continue;
            auto& list = free[k];
            auto it = std::find(list.begin(), list.end(), agent);
            if (it != list.end()) list.erase(it);
        }
    }

    void expireOffers(TimePoint now) {
        while (!offer_expiry_.empty() && offer_expiry_.begin()->first <= now) {
            auto id = offer_expiry_.begin()->second;
            offer_expiry_.erase(offer_expiry_.begin());
            auto it = items_.find(id);
            if (it == items_.end() || it->second.state != State::Offered ||
                it->second.offer_expires > now)
                continue;
            decline(id, it->second.agent, now);
        }
    }

    void widenOverdue(TimePoint now) {
        for (auto& [name, q] : queues_) {
            if (!q.def.overflow_to || q.def.overflow_after.count() <= 0) continue;
            std::vector<std::int64_t> overdue;
            while (!q.by_age.empty() && q.by_age.begin()->first + q.def.overflow_after <= now) {
                overdue.push_back(q.by_age.begin()->second);
                q.by_age.erase(q.by_age.begin());
            }
            for (auto id : overdue) {
                Item& item = items_.at(id);
                const std::string& target = *q.def.overflow_to;
                if (std::find(item.queues.begin(), item.queues.end(), target) != item.queues.end())
                    continue;
                item.queues.push_back(target);
                auto& t = queues_.at(target);
                t.waiting[static_cast<std::size_t>(item.work.kind)].insert(keyOf(item));
            }
        }
    }

    std::map<std::string, Queue> queues_;
    std::unordered_map<std::string, Agent> agents_;
    std::unordered_map<std::int64_t, Item> items_;
    std::multimap<TimePoint, std::int64_t> offer_expiry_;
};

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
