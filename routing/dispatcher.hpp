#pragma once
// The dispatcher: waiting work per queue, ordered by priority then age, offered to agents by
// skills, language, capacity and presence, with offer timeouts, declines, overflow to a fallback
// queue and a preference for the agent who last served the customer. Pure and deterministic:
// the same calls with the same times give the same offers.
//
// Agents who can take work are kept in an index per (queue, kind of work), ordered the way the
// queue picks (longest idle, least occupied, or by id for round robin) and split by the agent's
// list of languages, and updated whenever an agent's load, presence or profile changes. A
// decision then costs a few ordered-set steps instead of a scan of every free agent.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>

#include "routing/agents.hpp"

namespace ccd::routing {

/// How a queue picks among several agents who could take an item.
enum class Selection { LongestIdle, LeastOccupied, RoundRobin };

/// A queue (parsed from routing.yaml).
struct QueueDef {
    std::string name;
    std::set<std::string> required_skills;
    Selection selection = Selection::LongestIdle;
    std::optional<std::string> overflow_to;       ///< widen to this queue ...
    std::chrono::milliseconds overflow_after{0};  ///< ... after waiting this long (0: never)
    std::chrono::milliseconds live_offer_timeout{30000};
    std::chrono::milliseconds async_offer_timeout{120000};
    /// After an agent resolves work of this queue: their wrap-up, by the kind of the work
    /// (voice, chat, messaging, email), without offers of that kind before the next (0: none).
    std::array<std::chrono::milliseconds, kWorkKinds> wrap_up{};
    /// Callers waiting in this queue (`voice:`): the announcement of their place and wait is
    /// repeated this often (0: once, when queued) ...
    std::chrono::milliseconds announce_every{0};
    /// ... and after waiting this long they leave a voicemail instead (0: they wait on).
    std::chrono::milliseconds max_wait{0};
};

/// A conversation waiting for an agent.
struct WorkItem {
    std::int64_t conversation_id = 0;
    std::string queue;
    int priority = 3;  ///< 1 (P1, most urgent) .. 4
    TimePoint enqueued_at{};  ///< orders the item (earlier first; the epoch: at the front)
    /// When it started waiting, for the queue's overflow clock; enqueued_at when unset (work
    /// put at the front still waits its overflow_after before widening).
    std::optional<TimePoint> waiting_since;
    WorkKind kind = WorkKind::Messaging;
    std::string language;                        ///< empty or "und": any agent
    std::optional<std::string> preferred_agent;  ///< who last served this customer
    /// Until then only `preferred_agent` is offered the work (a VIP's account manager); after,
    /// any agent of the queue. None: the preferred agent is only tried first.
    std::optional<TimePoint> reserved_until;
};

/// An offer of one conversation to one agent, to accept before `expires_at`.
struct Offer {
    std::int64_t conversation_id = 0;
    std::string agent_id;
    std::string queue;
    TimePoint expires_at{};
};

/// Thread safety: none; the routing engine owns it on its strand.
class Dispatcher {
public:
    /// Throws std::invalid_argument for duplicate queue names or an unknown overflow queue.
    explicit Dispatcher(std::vector<QueueDef> queues);
    // The index holds pointers into the agent and queue maps.
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    /// Adds or replaces an agent's profile (skills, languages, capacity); current load is kept.
    void upsertAgent(Agent agent);
    /// Sets presence; leaving WrapUp or becoming Available starts the idle clock. A WrapUp
    /// lasts `wrap_up` and holds back offers of `kind` (none: of every kind).
    /// Returns false for an unknown agent.
    bool setPresence(const std::string& agent_id, Presence presence, TimePoint now,
                     std::chrono::milliseconds wrap_up = std::chrono::milliseconds(0),
                     std::optional<WorkKind> kind = std::nullopt);

    /// Queues work. Returns false for an unknown queue or a conversation already queued.
    bool enqueue(WorkItem item);

    /// Expires offers past their timeout, widens overdue work to overflow queues, then makes
    /// every offer possible now: most urgent and oldest work first.
    std::vector<Offer> dispatch(TimePoint now);

    /// The agent takes the offered conversation. False if it was not offered to them.
    bool accept(std::int64_t conversation_id, const std::string& agent_id, TimePoint now);
    /// The agent declines: the work goes back to its place in the queue and is offered to
    /// someone else first; when everyone it could go to has declined or missed it, to the one
    /// who did so longest ago (so an agent who never answers does not get it back each time).
    bool decline(std::int64_t conversation_id, const std::string& agent_id, TimePoint now);
    /// The agent keeps work they had before the dispatcher was rebuilt (a routing reload, a
    /// restart, a new leader): assigned to them at once, counted in their load, no offer.
    /// False for an unknown queue or agent, or a conversation already held.
    bool hold(WorkItem work, const std::string& agent_id);
    /// The agent finished (resolved or transferred away): capacity returns to them.
    bool complete(std::int64_t conversation_id, const std::string& agent_id, TimePoint now);

    /// The conversation no longer needs an agent (resolved by a self-service answer, the
    /// customer left): it leaves its queue, or its offer or assignment is released.
    bool withdraw(std::int64_t conversation_id);

    std::size_t waitingCount() const;
    std::size_t waitingCount(const std::string& queue) const;
    /// 1-based place in its queue, or nullopt when not waiting.
    std::optional<std::size_t> positionOf(std::int64_t conversation_id) const;
    const Agent* agent(const std::string& id) const;
    /// The work item of a conversation the dispatcher holds (waiting, offered or assigned).
    const WorkItem* work(std::int64_t conversation_id) const;

private:
    using Key = std::tuple<int, TimePoint, std::int64_t>;  // priority, age, id: the queue order
    /// An ordered set that also answers "how many are ahead of this key" in O(log n)
    /// (libstdc++'s policy-based tree), so a queue position costs no walk over the queue.
    using OrderedKeys = __gnu_pbds::tree<Key, __gnu_pbds::null_type, std::less<Key>,
                                         __gnu_pbds::rb_tree_tag,
                                         __gnu_pbds::tree_order_statistics_node_update>;
    /// An agent's place in a free-agent index: the fields the queue's selection orders by
    /// (occupancy for least occupied, idle time, then id; unused fields are zero).
    struct FreeKey {
        double occupancy = 0.0;
        TimePoint idle{};
        const Agent* agent = nullptr;
        bool operator<(const FreeKey& o) const {
            if (occupancy != o.occupancy) return occupancy < o.occupancy;
            if (idle != o.idle) return idle < o.idle;
            return agent->id < o.agent->id;
        }
    };
    using FreeKeys = std::set<FreeKey>;
    /// The members of one queue who can take one kind of work now (reachable, with room), in the
    /// queue's selection order, one set per language profile (a distinct list of languages;
    /// there are few): an agent is in one set, and a choice merges the sets that speak the
    /// item's language.
    struct FreeSet {
        std::size_t size = 0;
        std::vector<FreeKeys> by_profile;
    };
    /// Language profiles: which profiles speak a language.
    struct Profiles {
        std::map<std::set<std::string>, std::size_t> ids;  // list of languages -> profile
        std::vector<std::size_t> all;                      // every profile
        std::vector<std::size_t> any_only;                 // the empty list's, if any
        std::map<std::string, std::vector<std::size_t>, std::less<>> speaking;
    };
    enum class State { Waiting, Offered, Assigned };
    struct Item {
        WorkItem work;
        State state = State::Waiting;
        std::vector<std::string> queues;  // where it waits: its own, plus overflow
        std::map<std::string, std::uint64_t> declined;  // who declined or missed it: decline_seq_
        std::string agent;
        TimePoint offer_expires{};
    };
    struct Queue {
        QueueDef def;
        std::array<OrderedKeys, kWorkKinds> waiting;          // by kind, in queue order
        std::set<std::pair<TimePoint, std::int64_t>> by_age;  // for overflow
        std::vector<std::string> agents;                      // eligible by skills, stable order
        std::unordered_set<const Agent*> members;             // the same, for O(1) checks
        std::size_t round_robin = 0;
        std::array<FreeSet, kWorkKinds> free;   // members who can take work now
        std::array<bool, kWorkKinds> merged{};  // in this dispatch's merge
    };
    /// What the free index holds for one agent, to update or remove it.
    struct Listing {
        std::vector<Queue*> queues;             // the agent's queues (members)
        std::size_t profile = 0;                // its language profile
        std::array<bool, kWorkKinds> listed{};  // per kind: reachable with room, so indexed
        double occupancy = 0.0;                 // the key it is indexed under
        TimePoint idle{};
    };

    Key keyOf(const Item& item) const;
    void addToQueues(Item& item);
    void removeFromQueues(Item& item);
    void refreshEligibility();
    const Agent* choose(Queue& queue, const Item& item, bool allow_declined);
    /// The item's preferred agent when they may take it now (free, in the queue, speaks its
    /// language, has not declined it); null otherwise.
    const Agent* preferredFor(const Queue& queue, const Item& item) const;
    const Queue* mergedFirst(const Item& item) const;
    void expireOffers(TimePoint now);
    void widenOverdue(TimePoint now);

    // The free index. relist() brings an agent's entries up to date after a change of load, idle
    // time or presence; unlist() removes them all (before a profile change).
    static FreeKey freeKey(Selection selection, double occupancy, TimePoint idle, const Agent* a);
    static void insertFree(FreeSet& set, std::size_t profile, const FreeKey& key);
    static void eraseFree(FreeSet& set, std::size_t profile, const FreeKey& key);
    std::size_t profileOf(const std::set<std::string>& languages);
    const std::vector<std::size_t>& profilesSpeaking(const std::string& language) const;
    void relist(Agent& agent);
    void unlist(Agent& agent);
    void setIndexTime(TimePoint now);

    std::map<std::string, Queue> queues_;
    std::unordered_map<std::string, Agent> agents_;
    std::unordered_map<std::int64_t, Item> items_;
    std::multimap<TimePoint, std::int64_t> offer_expiry_;
    std::uint64_t decline_seq_ = 0;  // orders declines, also those at the same instant
    std::unordered_map<const Agent*, Listing> listings_;
    Profiles profiles_;
    // Scratch for choose(), kept to spare an allocation per decision.
    using FreeRange = std::pair<FreeKeys::const_iterator, FreeKeys::const_iterator>;
    std::vector<const FreeKeys*> sets_;
    std::vector<FreeRange> ranges_, wrapped_;
    // Presence is time-dependent only in wrap-up: the index holds the agents reachable at
    // index_time_, and agents in wrap-up, by its end, are the ones to look at when time moves.
    TimePoint index_time_ = TimePoint::min();
    std::multimap<TimePoint, Agent*> wrapping_up_;
};

}  // namespace ccd::routing
