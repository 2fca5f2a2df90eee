#pragma once
// The routing engine: the one place where decisions are made. Every inbound message, agent
// action and tick of time enters as an Event; the engine answers with Actions for the daemon to
// apply (store, outbox, console, timers). Deterministic: the same state, configuration, events
// and times give the same actions, which is what makes `ccd simulate` and the tests possible.
// Pure: no I/O, no clock of its own.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "routing/classify/model_store.hpp"
#include "routing/engine_types.hpp"
#include "routing/routing_config.hpp"

namespace ccd::routing {

/// Thread safety: none. The daemon owns the engine on one strand (single writer); handle()
/// never blocks.
class Engine {
public:
    /// Builds the classifier, calendars, rules and queues. Throws std::invalid_argument when
    /// the configuration cannot be compiled (the config layer validates first).
    explicit Engine(RoutingConfigPtr config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Swaps in a new configuration, keeping conversations, agents and waiting work. Throws
    /// like the constructor, and then keeps the old configuration.
    void reconfigure(RoutingConfigPtr config);
    /// A configuration compiled ahead: compiling trains the classifier, which takes a while,
    /// so the daemon compiles on its reload thread and only swaps on the engine's strand.
    struct Prepared;
    /// Throws like the constructor.
    static std::shared_ptr<Prepared> prepare(RoutingConfigPtr config);
    /// Installs `prepared` (once: it is moved from).
    void reconfigure(const std::shared_ptr<Prepared>& prepared);
    const RoutingConfig& config() const;

    /// Handles one event at `now`; the actions are in the order to apply them.
    std::vector<Action> handle(const Event& event, TimePoint now);

    /// Restores a conversation saved before a restart: waiting work is queued again. An
    /// assigned conversation stays its agent's: when their console connects again (their
    /// profile comes, AgentUpdated) they have it as before; if they have not by
    /// `now + agent_return`, it is queued and offered to them first.
    void restore(const ConversationSnapshot& snapshot, TimePoint now,
                 std::chrono::milliseconds agent_return = std::chrono::seconds(60));
    /// Restores a handle time (an agent's assignment to the resolution) of `queue` from before
    /// a restart; given oldest first, the latest 20 of each queue are kept, as those the engine
    /// measures itself: estimatedWait() follows them.
    void restoreHandleTime(const std::string& queue, std::chrono::milliseconds duration);

    /// Triage of one message without touching state (for `ccd classify` and tests); with
    /// `explain`, the classification carries its evidence and runner-up (ClassifyHints).
    TriageResult triage(const InboundMessage& message, const ContactProfile& contact,
                        bool new_conversation, TimePoint now, bool explain = false);

    /// When the next timer-driven action is due (offer expiry, overflow, SLA, follow-up,
    /// wrap-up end); nullopt when nothing is scheduled.
    std::optional<TimePoint> nextWakeup() const;

    std::vector<QueueStats> queueStats(TimePoint now) const;
    /// How long a caller at `position` (1 = next) in `queue` may wait: the mean of the queue's
    /// latest handle times (accepted to resolved) times the position, shared among the agents
    /// who can take the queue's work now. nullopt until the queue has a handle time.
    std::optional<std::chrono::milliseconds> estimatedWait(const std::string& queue,
                                                           std::size_t position,
                                                           TimePoint now) const;
    /// When the default calendar next opens (`now` when open); nullopt without a calendar.
    std::optional<TimePoint> nextOpening(TimePoint now) const;
    std::vector<AgentStats> agentStats() const;
    /// 1-based place of a waiting conversation in its queue; nullopt when it is not waiting.
    std::optional<std::size_t> queuePosition(std::int64_t id) const;
    /// The conversation's state, if the engine tracks it.
    std::optional<ConversationSnapshot> conversation(std::int64_t id) const;
    /// Snapshots of the conversations whose routing state changed since the last call, for the
    /// daemon to store (and restore after a restart).
    std::vector<ConversationSnapshot> takeChanged();
    /// Whether the conversation is offered or assigned to `agent`, or waits in one of the
    /// queues the agent serves: what an agent may see.
    bool visibleTo(std::int64_t conversation_id, const std::string& agent) const;
    /// Conversations offered or assigned to an agent.
    std::vector<std::int64_t> conversationsOf(const std::string& agent) const;
    /// Every queue's waiting list, with at most `limit` conversations listed per queue.
    std::vector<QueueWaiting> waitingLists(TimePoint now, std::size_t limit) const;
    /// The queues whose work `agent` has the skills for (what visibleTo lets them see).
    std::vector<std::string> queuesOf(const std::string& agent) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// classifiersTrained(), classifiersRestored(): classify/model_store.hpp. An engine on a
// configuration whose classification section and corpus were read before in this process
// (ClassifierConfig::source_digest) reuses that classifier and neither trains nor restores one:
// a reload that changes only rules or queues.

/// The store in which an engine looks for the trained classifier of its configuration before
/// training one, and keeps the one it trained (classify/model_store.hpp); none by default
/// (nullptr: none). Installed once at start-up, before the first engine; a test may install
/// another between engines. Thread-safe.
void setModelStore(std::shared_ptr<ModelStore> store);

}  // namespace ccd::routing
