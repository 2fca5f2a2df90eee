#include "routing/dispatcher.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccd::routing {

Dispatcher::Dispatcher(std::vector<QueueDef> queues) {
    for (auto& q : queues) {
        std::string name = q.name;
        if (!queues_.emplace(name, Queue{std::move(q), {}, {}, {}, {}, 0}).second)
            throw std::invalid_argument("duplicate queue \"" + name + "\"");
    }
    for (const auto& [name, q] : queues_) {
        if (q.def.overflow_to && !queues_.count(*q.def.overflow_to))
            throw std::invalid_argument("queue \"" + name + "\" overflows to unknown queue \"" +
                                        *q.def.overflow_to + "\"");
    }
}

void Dispatcher::refreshEligibility() {
    std::vector<std::string> ids;
    ids.reserve(agents_.size());
    for (const auto& [id, a] : agents_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());  // deterministic order, whatever the hash map does
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

void Dispatcher::upsertAgent(Agent agent) {
    auto it = agents_.find(agent.id);
    if (it != agents_.end()) {
        agent.load = it->second.load;
        agent.presence = it->second.presence;
        agent.idle_since = it->second.idle_since;
        agent.wrap_up_until = it->second.wrap_up_until;
        it->second = std::move(agent);
    } else {
        std::string id = agent.id;
        agents_.emplace(std::move(id), std::move(agent));
    }
    refreshEligibility();
}

bool Dispatcher::setPresence(const std::string& agent_id, Presence presence, TimePoint now,
                             std::chrono::milliseconds wrap_up) {
    auto it = agents_.find(agent_id);
    if (it == agents_.end()) return false;
    Agent& a = it->second;
    if (presence == Presence::Available && a.presence != Presence::Available) a.idle_since = now;
    if (presence == Presence::WrapUp) {
        a.wrap_up_until = now + wrap_up;
        a.idle_since = a.wrap_up_until;
    }
    a.presence = presence;
    return true;
}

Dispatcher::Key Dispatcher::keyOf(const Item& item) const {
    return Key{item.work.priority, item.work.enqueued_at, item.work.conversation_id};
}

void Dispatcher::addToQueues(Item& item) {
    for (const auto& name : item.queues) {
        auto& q = queues_.at(name);
        q.waiting[static_cast<std::size_t>(item.work.kind)].insert(keyOf(item));
        q.by_age.emplace(item.work.enqueued_at, item.work.conversation_id);
    }
}

void Dispatcher::removeFromQueues(Item& item) {
    for (const auto& name : item.queues) {
        auto& q = queues_.at(name);
        q.waiting[static_cast<std::size_t>(item.work.kind)].erase(keyOf(item));
        q.by_age.erase({item.work.enqueued_at, item.work.conversation_id});
    }
}

bool Dispatcher::enqueue(WorkItem work) {
    if (!queues_.count(work.queue) || items_.count(work.conversation_id)) return false;
    Item item;
    item.queues = {work.queue};
    item.work = std::move(work);
    auto id = item.work.conversation_id;
    auto [it, inserted] = items_.emplace(id, std::move(item));
    addToQueues(it->second);
    return inserted;
}

const Agent* Dispatcher::choose(Queue& queue, const Item& item, const std::vector<Agent*>& free,
                                bool allow_declined) {
    auto usable = [&](const Agent& a) {
        return a.hasRoomFor(item.work.kind) && a.speaks(item.work.language) &&
               (allow_declined || !item.declined.count(a.id)) && queue.members.count(&a) > 0;
    };
    if (item.work.preferred_agent) {
        for (const Agent* a : free) {
            if (a->id == *item.work.preferred_agent && usable(*a)) return a;
        }
    }
    const Agent* best = nullptr;
    if (queue.def.selection == Selection::RoundRobin) {
        // The next usable agent after the last one served, in the queue's stable order.
        const std::size_t n = queue.agents.size();
        std::size_t best_distance = n;
        for (const Agent* a : free) {
            if (!usable(*a)) continue;
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
        if (!usable(*a)) continue;
        if (!best) {
            best = a;
            continue;
        }
        if (queue.def.selection == Selection::LeastOccupied) {
            double oa = a->occupancy(), ob = best->occupancy();
            if (oa < ob || (oa == ob && (a->idle_since < best->idle_since ||
                                         (a->idle_since == best->idle_since && a->id < best->id))))
                best = a;
        } else if (a->idle_since < best->idle_since ||
                   (a->idle_since == best->idle_since && a->id < best->id)) {
            best = a;
        }
    }
    return best;
}

void Dispatcher::expireOffers(TimePoint now) {
    while (!offer_expiry_.empty() && offer_expiry_.begin()->first <= now) {
        auto id = offer_expiry_.begin()->second;
        offer_expiry_.erase(offer_expiry_.begin());
        auto it = items_.find(id);
        if (it == items_.end() || it->second.state != State::Offered ||
            it->second.offer_expires > now)
            continue;  // accepted, declined or re-offered since
        decline(id, it->second.agent, now);
    }
}

void Dispatcher::widenOverdue(TimePoint now) {
    for (auto& [name, q] : queues_) {
        if (!q.def.overflow_to || q.def.overflow_after.count() <= 0) continue;
        std::vector<std::int64_t> overdue;
        // An item widens once: it leaves by_age then, so this loop only sees new overdue work.
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
            // Not added to the target's by_age: an item widens once, from its own queue.
        }
    }
}

void Dispatcher::updateFree(FreeAgents& free, Agent* agent) {
    for (std::size_t k = 0; k < kWorkKinds; ++k) {
        if (agent->hasRoomFor(static_cast<WorkKind>(k))) continue;
        auto& list = free[k];
        auto it = std::find(list.begin(), list.end(), agent);
        if (it != list.end()) list.erase(it);
    }
}

std::vector<Offer> Dispatcher::dispatch(TimePoint now) {
    expireOffers(now);
    widenOverdue(now);
    std::vector<Offer> offers;

    // Agents who can take something now, per kind of work waiting. The order of these lists
    // does not matter: choose() breaks every tie by agent id.
    std::array<bool, kWorkKinds> waiting_kinds{};
    for (const auto& [name, q] : queues_) {
        for (std::size_t k = 0; k < kWorkKinds; ++k) waiting_kinds[k] |= !q.waiting[k].empty();
    }
    FreeAgents free;
    bool anyone = false;
    for (auto& [id, a] : agents_) {
        if (!a.reachable(now)) continue;
        for (std::size_t k = 0; k < kWorkKinds; ++k) {
            if (waiting_kinds[k] && a.hasRoomFor(static_cast<WorkKind>(k))) {
                free[k].push_back(&a);
                anyone = true;
            }
        }
    }
    if (!anyone) return offers;  // nobody to offer to: work keeps its place

    // Most urgent and oldest first across all queues: a lazy merge of the (queue, kind) sets
    // that some free member of the queue has room for. It stops when nobody has room left.
    // Offered items leave their queues after the merge, so the iterators stay valid.
    struct Cursor {
        OrderedKeys::const_iterator it, end;
        Queue* queue;
        std::size_t kind;
    };
    std::vector<Cursor> cursors;
    for (auto& entry : queues_) {
        // Not a structured binding: C++17 lambdas cannot capture one (clang rejects it).
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
        if (!handled.insert(id).second) continue;  // also waiting in an overflow queue
        Item& item = items_.at(id);
        const Agent* chosen = choose(q, item, candidates, false);
        if (!chosen) chosen = choose(q, item, candidates, true);  // nobody else: ask again
        if (!chosen) continue;
        Agent& agent = agents_.at(chosen->id);
        agent.load[static_cast<std::size_t>(item.work.kind)]++;
        const Queue& own = queues_.at(item.work.queue);
        auto timeout = isLive(item.work.kind) ? own.def.live_offer_timeout
                                              : own.def.async_offer_timeout;
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

bool Dispatcher::accept(std::int64_t conversation_id, const std::string& agent_id, TimePoint) {
    auto it = items_.find(conversation_id);
    if (it == items_.end() || it->second.state != State::Offered || it->second.agent != agent_id)
        return false;
    it->second.state = State::Assigned;
    return true;
}

bool Dispatcher::decline(std::int64_t conversation_id, const std::string& agent_id, TimePoint) {
    auto it = items_.find(conversation_id);
    if (it == items_.end() || it->second.state != State::Offered || it->second.agent != agent_id)
        return false;
    Item& item = it->second;
    if (auto a = agents_.find(agent_id); a != agents_.end())
        a->second.load[static_cast<std::size_t>(item.work.kind)]--;
    item.declined.insert(agent_id);
    item.state = State::Waiting;
    item.agent.clear();
    item.queues = {item.work.queue};
    addToQueues(item);  // same priority and age: back at its place, ahead of newer work
    return true;
}

bool Dispatcher::complete(std::int64_t conversation_id, const std::string& agent_id,
                          TimePoint now) {
    auto it = items_.find(conversation_id);
    if (it == items_.end() || it->second.agent != agent_id || it->second.state == State::Waiting)
        return false;
    if (auto a = agents_.find(agent_id); a != agents_.end()) {
        a->second.load[static_cast<std::size_t>(it->second.work.kind)]--;
        a->second.idle_since = now;
    }
    items_.erase(it);
    return true;
}

bool Dispatcher::withdraw(std::int64_t conversation_id) {
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

std::size_t Dispatcher::waitingCount() const {
    std::size_t n = 0;
    for (const auto& [id, item] : items_) n += item.state == State::Waiting;
    return n;
}

std::size_t Dispatcher::waitingCount(const std::string& queue) const {
    auto it = queues_.find(queue);
    if (it == queues_.end()) return 0;
    std::size_t n = 0;
    for (const auto& set : it->second.waiting) n += set.size();
    return n;
}

std::optional<std::size_t> Dispatcher::positionOf(std::int64_t conversation_id) const {
    auto it = items_.find(conversation_id);
    if (it == items_.end() || it->second.state != State::Waiting) return std::nullopt;
    const auto& q = queues_.at(it->second.work.queue);
    // Everything ahead of it in its queue, whatever the kind of work.
    Key key = keyOf(it->second);
    std::size_t ahead = 0;
    for (const auto& set : q.waiting) ahead += set.order_of_key(key);
    return ahead + 1;
}

const Agent* Dispatcher::agent(const std::string& id) const {
    auto it = agents_.find(id);
    return it == agents_.end() ? nullptr : &it->second;
}

}  // namespace ccd::routing
