#pragma once
// The reference for dispatcher_index_test: the linear dispatcher (routing/dispatcher.cpp before
// the free-agent index), where every decision scans every free agent. The test drives it and
// the indexed Dispatcher with the same events and compares what they do.

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "routing/dispatcher.hpp"

namespace ccd::testing {

using namespace ccd::routing;


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

}  // namespace ccd::testing
