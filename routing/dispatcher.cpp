#include "routing/dispatcher.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccd::routing {

Dispatcher::Dispatcher(std::vector<QueueDef> queues) {
    for (auto& q : queues) {
        std::string name = q.name;
        Queue queue;
        queue.def = std::move(q);
        if (!queues_.emplace(name, std::move(queue)).second)
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
        unlist(it->second);  // under the old skills, languages and capacity
        agent.load = it->second.load;
        agent.presence = it->second.presence;
        agent.idle_since = it->second.idle_since;
        agent.wrap_up_until = it->second.wrap_up_until;
        agent.wrap_up_kind = it->second.wrap_up_kind;
        it->second = std::move(agent);
    } else {
        std::string id = agent.id;
        it = agents_.emplace(std::move(id), std::move(agent)).first;
    }
    refreshEligibility();  // only this agent's queues can have changed
    Agent& a = it->second;
    Listing& l = listings_[&a];
    l.profile = profileOf(a.languages);
    l.queues.clear();
    for (auto& [name, q] : queues_) {
        if (q.members.count(&a)) l.queues.push_back(&q);
    }
    relist(a);
}

bool Dispatcher::setPresence(const std::string& agent_id, Presence presence, TimePoint now,
                             std::chrono::milliseconds wrap_up, std::optional<WorkKind> kind) {
    auto it = agents_.find(agent_id);
    if (it == agents_.end()) return false;
    Agent& a = it->second;
    if (a.presence == Presence::WrapUp) {
        auto [first, last] = wrapping_up_.equal_range(a.wrap_up_until);
        for (auto w = first; w != last; ++w) {
            if (w->second == &a) {
                wrapping_up_.erase(w);
                break;
            }
        }
    }
    if (presence == Presence::Available && a.presence != Presence::Available) a.idle_since = now;
    if (presence == Presence::WrapUp) {
        a.wrap_up_until = now + wrap_up;
        a.wrap_up_kind = kind;
        a.idle_since = a.wrap_up_until;
        wrapping_up_.emplace(a.wrap_up_until, &a);
    }
    a.presence = presence;
    relist(a);
    return true;
}

Dispatcher::FreeKey Dispatcher::freeKey(Selection selection, double occupancy, TimePoint idle,
                                        const Agent* a) {
    // The order choose() picks in: the first key is the agent it takes.
    switch (selection) {
        case Selection::LongestIdle:
            return FreeKey{0.0, idle, a};
        case Selection::LeastOccupied:
            return FreeKey{occupancy, idle, a};
        case Selection::RoundRobin:
            return FreeKey{0.0, TimePoint{}, a};
    }
    return FreeKey{0.0, idle, a};
}

void Dispatcher::insertFree(FreeSet& set, std::size_t profile, const FreeKey& key) {
    if (set.by_profile.size() <= profile) set.by_profile.resize(profile + 1);
    set.size += set.by_profile[profile].insert(key).second;
}

void Dispatcher::eraseFree(FreeSet& set, std::size_t profile, const FreeKey& key) {
    set.size -= set.by_profile[profile].erase(key);
}

std::size_t Dispatcher::profileOf(const std::set<std::string>& languages) {
    Profiles& p = profiles_;
    auto [it, added] = p.ids.emplace(languages, p.all.size());
    if (!added) return it->second;
    const std::size_t id = it->second;
    p.all.push_back(id);
    if (languages.empty()) {
        // No list: speaks every language, the ones no agent lists included.
        p.any_only.push_back(id);
        for (auto& [language, speaking] : p.speaking) speaking.push_back(id);
    }
    for (const auto& language : languages) {
        auto s = p.speaking.find(language);
        if (s == p.speaking.end()) s = p.speaking.emplace(language, p.any_only).first;
        s->second.push_back(id);
    }
    return id;
}

const std::vector<std::size_t>& Dispatcher::profilesSpeaking(const std::string& language) const {
    if (language.empty() || language == "und") return profiles_.all;
    auto it = profiles_.speaking.find(language);
    return it == profiles_.speaking.end() ? profiles_.any_only : it->second;
}

void Dispatcher::relist(Agent& a) {
    Listing& l = listings_[&a];
    std::array<bool, kWorkKinds> listed{};
    for (std::size_t k = 0; k < kWorkKinds; ++k) {
        const auto kind = static_cast<WorkKind>(k);
        listed[k] = a.takes(kind, index_time_) && a.hasRoomFor(kind);
    }
    const double occupancy = a.occupancy();
    for (Queue* q : l.queues) {
        const Selection sel = q->def.selection;
        FreeKey before = freeKey(sel, l.occupancy, l.idle, &a);
        FreeKey after = freeKey(sel, occupancy, a.idle_since, &a);
        bool moved = before.occupancy != after.occupancy || before.idle != after.idle;
        for (std::size_t k = 0; k < kWorkKinds; ++k) {
            if (l.listed[k] == listed[k] && (!listed[k] || !moved)) continue;
            if (l.listed[k]) eraseFree(q->free[k], l.profile, before);
            if (listed[k]) insertFree(q->free[k], l.profile, after);
        }
    }
    l.listed = listed;
    l.occupancy = occupancy;
    l.idle = a.idle_since;
}

void Dispatcher::unlist(Agent& a) {
    Listing& l = listings_[&a];
    for (Queue* q : l.queues) {
        FreeKey key = freeKey(q->def.selection, l.occupancy, l.idle, &a);
        for (std::size_t k = 0; k < kWorkKinds; ++k) {
            if (l.listed[k]) eraseFree(q->free[k], l.profile, key);
        }
    }
    l.listed = {};
}

void Dispatcher::setIndexTime(TimePoint now) {
    if (now == index_time_) return;
    // Only agents whose wrap-up ends between the old and the new time change reachability.
    const TimePoint from = std::min(now, index_time_), to = std::max(now, index_time_);
    index_time_ = now;
    for (auto it = wrapping_up_.upper_bound(from); it != wrapping_up_.end() && it->first <= to;
         ++it)
        relist(*it->second);
}

Dispatcher::Key Dispatcher::keyOf(const Item& item) const {
    return Key{item.work.priority, item.work.enqueued_at, item.work.conversation_id};
}

void Dispatcher::addToQueues(Item& item) {
    for (const auto& name : item.queues) {
        auto& q = queues_.at(name);
        q.waiting[static_cast<std::size_t>(item.work.kind)].insert(keyOf(item));
        q.by_age.emplace(item.work.waiting_since.value_or(item.work.enqueued_at),
                         item.work.conversation_id);
    }
}

void Dispatcher::removeFromQueues(Item& item) {
    for (const auto& name : item.queues) {
        auto& q = queues_.at(name);
        q.waiting[static_cast<std::size_t>(item.work.kind)].erase(keyOf(item));
        q.by_age.erase({item.work.waiting_since.value_or(item.work.enqueued_at),
                        item.work.conversation_id});
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

namespace {

// The first agent in key order over disjoint ranges of free keys, skipping those `skip` refuses.
template <class Range, class Skip>
const Agent* firstOf(std::vector<Range>& ranges, Skip skip) {
    for (;;) {
        Range* next = nullptr;
        for (auto& r : ranges) {
            if (r.first != r.second && (!next || *r.first < *next->first)) next = &r;
        }
        if (!next) return nullptr;
        const Agent* agent = next->first->agent;
        ++next->first;
        if (!skip(*agent)) return agent;
    }
}

}  // namespace

const Agent* Dispatcher::choose(Queue& queue, const Item& item, bool allow_declined) {
    const auto kind = static_cast<std::size_t>(item.work.kind);
    const FreeSet& free = queue.free[kind];
    const std::string& language = item.work.language;
    auto usable = [&](const Agent& a) {
        return listings_.at(&a).listed[kind] && queue.members.count(&a) && a.speaks(language);
    };
    if (allow_declined) {
        // Everyone who could take it has declined or missed it: the one who did so longest ago,
        // never the same agent each time.
        const Agent* best = nullptr;
        std::uint64_t best_seq = 0;
        for (const auto& [id, seq] : item.declined) {
            auto it = agents_.find(id);
            if (it == agents_.end() || !usable(it->second)) continue;
            if (!best || seq < best_seq) {
                best = &it->second;
                best_seq = seq;
            }
        }
        return best;
    }
    auto declined = [&](const Agent& a) { return item.declined.count(a.id) > 0; };
    if (const Agent* preferred = preferredFor(queue, item)) return preferred;
    // The sets of the language profiles that speak the item's language.
    auto& sets = sets_;
    auto& ranges = ranges_;
    sets.clear();
    ranges.clear();
    for (std::size_t p : profilesSpeaking(language)) {
        if (p >= free.by_profile.size() || free.by_profile[p].empty()) continue;
        sets.push_back(&free.by_profile[p]);
        ranges.emplace_back(free.by_profile[p].begin(), free.by_profile[p].end());
    }
    if (queue.def.selection != Selection::RoundRobin) return firstOf(ranges, declined);

    // Round robin: the next usable agent after the last one served, in the queue's stable
    // (id) order: from that agent's place to the end, then from the start.
    const std::size_t n = queue.agents.size();
    if (n == 0 || ranges.empty()) return nullptr;
    const FreeKey from{0.0, TimePoint{}, &agents_.at(queue.agents[queue.round_robin % n])};
    auto& wrapped = wrapped_;
    wrapped.clear();
    for (std::size_t i = 0; i < sets.size(); ++i) {
        auto middle = sets[i]->lower_bound(from);
        wrapped.emplace_back(ranges[i].first, middle);
        ranges[i].first = middle;
    }
    const Agent* best = firstOf(ranges, declined);
    if (!best) best = firstOf(wrapped, declined);
    if (best) {
        auto pos = static_cast<std::size_t>(
            std::lower_bound(queue.agents.begin(), queue.agents.end(), best->id) -
            queue.agents.begin());
        queue.round_robin = (pos + 1) % n;
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

const Dispatcher::Queue* Dispatcher::mergedFirst(const Item& item) const {
    // The merge visits an item first in the first queue by name among its queues in the merge.
    const std::size_t kind = static_cast<std::size_t>(item.work.kind);
    const Queue* first = nullptr;
    for (const auto& name : item.queues) {
        const Queue& q = queues_.at(name);
        if (q.merged[kind] && (!first || q.def.name < first->def.name)) first = &q;
    }
    return first;
}

const Agent* Dispatcher::preferredFor(const Queue& queue, const Item& item) const {
    if (!item.work.preferred_agent) return nullptr;
    auto it = agents_.find(*item.work.preferred_agent);
    if (it == agents_.end()) return nullptr;
    const Agent& a = it->second;
    const auto kind = static_cast<std::size_t>(item.work.kind);
    bool usable = listings_.at(&a).listed[kind] && queue.members.count(&a) &&
                  a.speaks(item.work.language) && !item.declined.count(a.id);
    return usable ? &a : nullptr;
}

std::vector<Offer> Dispatcher::dispatch(TimePoint now) {
    expireOffers(now);
    widenOverdue(now);
    setIndexTime(now);
    std::vector<Offer> offers;

    // Most urgent and oldest first across all queues: a lazy merge of the (queue, kind) sets
    // that some free member of the queue has room for. A (queue, kind) leaves the merge when no
    // member has room left (room only shrinks while offers are made), and it stops when every
    // one has left. Offered items leave their queues after the merge, so the iterators stay
    // valid.
    struct Cursor {
        OrderedKeys::const_iterator it, end;
        Queue* queue;
        std::size_t kind;
    };
    std::vector<Cursor> cursors;
    for (auto& entry : queues_) {
        Queue& q = entry.second;
        for (std::size_t k = 0; k < kWorkKinds; ++k) {
            q.merged[k] = !q.waiting[k].empty() && q.free[k].size > 0;
            if (q.merged[k]) cursors.push_back({q.waiting[k].begin(), q.waiting[k].end(), &q, k});
        }
    }
    std::vector<std::int64_t> offered;
    for (;;) {
        Cursor* next = nullptr;
        for (auto& c : cursors) {
            if (c.it == c.end || c.queue->free[c.kind].size == 0) continue;
            if (!next || *c.it < *next->it) next = &c;
        }
        if (!next) break;
        Key key = *next->it;
        Queue& q = *next->queue;
        ++next->it;
        auto id = std::get<2>(key);
        Item& item = items_.at(id);
        // Also waiting in an overflow queue: it is tried once, in the first of its queues in
        // the merge (whether or not that queue still has anyone free).
        if (item.queues.size() > 1 && mergedFirst(item) != &q) continue;
        // Reserved for the preferred agent (an account manager) for a while: nobody else yet.
        const bool reserved = item.work.preferred_agent && item.work.reserved_until &&
                              now < *item.work.reserved_until;
        const Agent* chosen = reserved ? preferredFor(q, item) : choose(q, item, false);
        if (!chosen && !reserved) chosen = choose(q, item, true);  // nobody else: ask again
        if (!chosen) continue;
        Agent& agent = agents_.at(chosen->id);
        agent.load[static_cast<std::size_t>(item.work.kind)]++;
        relist(agent);
        const Queue& own = queues_.at(item.work.queue);
        auto timeout =
            isLive(item.work.kind) ? own.def.live_offer_timeout : own.def.async_offer_timeout;
        item.state = State::Offered;
        item.agent = agent.id;
        item.offer_expires = now + timeout;
        offer_expiry_.emplace(item.offer_expires, id);
        offers.push_back(Offer{id, agent.id, q.def.name, item.offer_expires});
        offered.push_back(id);
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

bool Dispatcher::hold(WorkItem work, const std::string& agent_id) {
    if (!queues_.count(work.queue) || items_.count(work.conversation_id)) return false;
    auto a = agents_.find(agent_id);
    if (a == agents_.end()) return false;
    a->second.load[static_cast<std::size_t>(work.kind)]++;
    relist(a->second);
    Item item;
    item.queues = {work.queue};
    item.work = std::move(work);
    item.state = State::Assigned;
    item.agent = agent_id;
    auto id = item.work.conversation_id;
    items_.emplace(id, std::move(item));
    return true;
}

bool Dispatcher::decline(std::int64_t conversation_id, const std::string& agent_id, TimePoint) {
    auto it = items_.find(conversation_id);
    if (it == items_.end() || it->second.state != State::Offered || it->second.agent != agent_id)
        return false;
    Item& item = it->second;
    if (auto a = agents_.find(agent_id); a != agents_.end()) {
        a->second.load[static_cast<std::size_t>(item.work.kind)]--;
        relist(a->second);
    }
    item.declined[agent_id] = ++decline_seq_;
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
        relist(a->second);
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
        relist(a->second);
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

const WorkItem* Dispatcher::work(std::int64_t conversation_id) const {
    auto it = items_.find(conversation_id);
    return it == items_.end() ? nullptr : &it->second.work;
}

const Agent* Dispatcher::agent(const std::string& id) const {
    auto it = agents_.find(id);
    return it == agents_.end() ? nullptr : &it->second;
}

}  // namespace ccd::routing
