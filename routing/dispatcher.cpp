#include "routing/dispatcher.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccd::routing {

Dispatcher::Dispatcher(std::vector<QueueDef> queues) {
    for (auto& q : queues) {
        std::string name = q.name;
        if (!queues_.emplace(name, Queue{std::move(q), {}, {}, {}, 0}).second)
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
        for (const auto& id : ids) {
            const auto& skills = agents_.at(id).skills;
            if (std::includes(skills.begin(), skills.end(), q.def.required_skills.begin(),
                              q.def.required_skills.end()))
                q.agents.push_back(id);
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
        q.waiting.insert(keyOf(item));
        q.by_age.emplace(item.work.enqueued_at, item.work.conversation_id);
    }
}

void Dispatcher::removeFromQueues(Item& item) {
    for (const auto& name : item.queues) {
        auto& q = queues_.at(name);
        q.waiting.erase(keyOf(item));
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

const Agent* Dispatcher::choose(Queue& queue, const Item& item, TimePoint now,
                                bool allow_declined) {
    auto usable = [&](const Agent& a) {
        return a.reachable(now) && a.hasRoomFor(item.work.kind) && a.speaks(item.work.language) &&
               (allow_declined || !item.declined.count(a.id));
    };
    if (item.work.preferred_agent) {
        auto it = agents_.find(*item.work.preferred_agent);
        if (it != agents_.end() &&
            std::binary_search(queue.agents.begin(), queue.agents.end(), it->first) &&
            usable(it->second))
            return &it->second;
    }
    const Agent* best = nullptr;
    const std::size_t n = queue.agents.size();
    if (queue.def.selection == Selection::RoundRobin) {
        for (std::size_t k = 0; k < n; ++k) {
            std::size_t i = (queue.round_robin + k) % n;
            const Agent& a = agents_.at(queue.agents[i]);
            if (usable(a)) {
                queue.round_robin = (i + 1) % n;
                return &a;
            }
        }
        return nullptr;
    }
    for (const auto& id : queue.agents) {
        const Agent& a = agents_.at(id);
        if (!usable(a)) continue;
        if (!best) {
            best = &a;
            continue;
        }
        if (queue.def.selection == Selection::LeastOccupied) {
            double oa = a.occupancy(), ob = best->occupancy();
            if (oa < ob || (oa == ob && a.idle_since < best->idle_since)) best = &a;
        } else if (a.idle_since < best->idle_since) {
            best = &a;
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
        for (const auto& [since, id] : q.by_age) {
            if (since + q.def.overflow_after > now) break;
            overdue.push_back(id);
        }
        for (auto id : overdue) {
            Item& item = items_.at(id);
            const std::string& target = *q.def.overflow_to;
            if (std::find(item.queues.begin(), item.queues.end(), target) != item.queues.end())
                continue;
            item.queues.push_back(target);
            auto& t = queues_.at(target);
            t.waiting.insert(keyOf(item));
            // Not added to the target's by_age: an item widens once, from its own queue.
        }
    }
}

std::vector<Offer> Dispatcher::dispatch(TimePoint now) {
    expireOffers(now);
    widenOverdue(now);
    std::vector<Offer> offers;
    bool anyone = std::any_of(agents_.begin(), agents_.end(),
                              [now](const auto& entry) { return entry.second.reachable(now); });
    if (!anyone) return offers;  // nobody to offer to: work keeps its place
    // Most urgent and oldest first across all queues: merge the queues' ordered sets.
    // TODO(perf): a k-way merge that stops when every agent is full, for 10,000 waiting items.
    std::set<std::pair<Key, std::string>> candidates;
    for (auto& [name, q] : queues_) {
        for (const auto& key : q.waiting) candidates.emplace(key, name);
    }
    std::set<std::int64_t> handled;
    for (const auto& [key, queue_name] : candidates) {
        auto id = std::get<2>(key);
        if (handled.count(id)) continue;
        Item& item = items_.at(id);
        if (item.state != State::Waiting) continue;
        Queue& q = queues_.at(queue_name);
        const Agent* chosen = choose(q, item, now, false);
        if (!chosen) chosen = choose(q, item, now, true);  // nobody else: ask again
        if (!chosen) continue;
        handled.insert(id);
        Agent& agent = agents_.at(chosen->id);
        agent.load[static_cast<std::size_t>(item.work.kind)]++;
        const Queue& own = queues_.at(item.work.queue);
        auto timeout = isLive(item.work.kind) ? own.def.live_offer_timeout
                                              : own.def.async_offer_timeout;
        removeFromQueues(item);
        item.state = State::Offered;
        item.agent = agent.id;
        item.offer_expires = now + timeout;
        offer_expiry_.emplace(item.offer_expires, id);
        offers.push_back(Offer{id, agent.id, queue_name, item.offer_expires});
    }
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

std::size_t Dispatcher::waitingCount() const {
    std::size_t n = 0;
    for (const auto& [id, item] : items_) n += item.state == State::Waiting;
    return n;
}

std::size_t Dispatcher::waitingCount(const std::string& queue) const {
    auto it = queues_.find(queue);
    return it == queues_.end() ? 0 : it->second.waiting.size();
}

std::optional<std::size_t> Dispatcher::positionOf(std::int64_t conversation_id) const {
    auto it = items_.find(conversation_id);
    if (it == items_.end() || it->second.state != State::Waiting) return std::nullopt;
    const auto& q = queues_.at(it->second.work.queue);
    auto pos = q.waiting.find(keyOf(it->second));
    if (pos == q.waiting.end()) return std::nullopt;
    return static_cast<std::size_t>(std::distance(q.waiting.begin(), pos)) + 1;
}

const Agent* Dispatcher::agent(const std::string& id) const {
    auto it = agents_.find(id);
    return it == agents_.end() ? nullptr : &it->second;
}

}  // namespace ccd::routing
