#pragma once
// The routing engine's vocabulary: the Events that enter it, the Actions it answers with, and the
// state the daemon reads back (snapshots, queue figures, triage). The store, the console and the
// JSON layers speak it; only a few files need the Engine itself (routing/engine.hpp), so a change
// to the engine's interface does not rebuild them.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "routing/agents.hpp"
#include "routing/classify/classification.hpp"
#include "routing/contact.hpp"
#include "routing/model.hpp"
#include "routing/routing_config.hpp"
#include "routing/sla_clock.hpp"

namespace ccd::routing {

// ---- Events ------------------------------------------------------------------------------

/// A customer message, already committed to the store.
struct MessageReceived {
    std::int64_t conversation_id = 0;
    std::int64_t message_id = 0;
    bool new_conversation = false;
    InboundMessage message;
    ContactProfile contact;
    /// The message was sent by a machine (email Auto-Submitted, Precedence: bulk/junk/list,
    /// X-Autoreply): it gets no automatic reply.
    bool auto_submitted = false;
    /// The message read as a satisfaction rating (1-5), when it reads as one; the daemon
    /// fills it (templates::parseSurveyRating). Used only when a survey is waiting for it.
    std::optional<int> survey_rating;
};

/// An agent's profile (from agents.yaml) became known or changed; presence is kept.
struct AgentUpdated {
    Agent agent;
};

/// An agent set their presence (available, away, offline, busy; wrap-up is set by the engine).
struct PresenceChanged {
    std::string agent;
    Presence presence = Presence::Offline;
};

/// The agent accepted or declined an offer.
struct OfferAnswered {
    std::int64_t conversation_id = 0;
    std::string agent;
    bool accepted = false;
};

/// The agent sent a reply to the customer (already stored). `plan` marks a reply that proposes
/// a plan (stops the plan clock too).
struct AgentReplied {
    std::int64_t conversation_id = 0;
    std::string agent;
    bool plan = false;
};

/// The agent hands the conversation to another agent or queue.
struct TransferRequested {
    std::int64_t conversation_id = 0;
    std::string agent;
    std::optional<std::string> to_agent;
    std::optional<std::string> to_queue;
    std::string note;
};

/// The agent (or a supervisor) resolved the conversation.
struct ResolveRequested {
    std::int64_t conversation_id = 0;
    std::string agent;
    std::string disposition;
};

/// The agent's connection is gone for longer than the grace period: their live conversations
/// are re-queued at the front, asynchronous ones go back to their queue.
struct AgentLost {
    std::string agent;
};

/// Time passes: offers expire, overflow widens, SLA clocks warn and breach, follow-ups fire.
struct Tick {};

/// The provider's word on one of our messages (already stored on the message): accepted
/// (sent), delivered, read, or failed for good.
struct DeliveryUpdated {
    std::int64_t conversation_id = 0;
    std::int64_t message_id = 0;
    DeliveryState state = DeliveryState::Sent;
    std::string reason;  ///< why it failed (the provider's words)
    std::string author;  ///< "agent:alice", "auto"
};

/// A step of a phone call that routing cares about (already stored in the call log): the
/// caller's answer to the phone menu, or the caller hanging up.
struct CallStep {
    enum class Kind { Digits, Hangup };
    std::int64_t conversation_id = 0;
    Kind kind = Kind::Digits;
    std::string digits;  ///< Digits: what the caller pressed (empty: nothing before the timeout)
    /// Hangup: the phone system's cause (CTI "normalClearing", "noAnswer", "busy", "cancel";
    /// Twilio "completed", "no-answer", "busy", "canceled", "failed").
    std::string cause;
};

/// Work for agents that no customer message opened: a service case's follow-up (回访) fell due.
/// The daemon has stored the conversation (contact, channel); the engine queues it in `queue`
/// without classification, clocks or an automatic reply, and offers it like any other work
/// (it counts toward capacity by its channel's kind).
struct WorkCreated {
    std::int64_t conversation_id = 0;
    std::int64_t contact_id = 0;
    ChannelKind channel = ChannelKind::Api;
    std::string channel_instance;
    std::string queue;
    int priority = 3;
    std::string language = "und";
    std::string locale = "en";
    std::string reason = "follow_up";
    /// Set on the conversation ("case_id", "follow_up"): the console shows them.
    std::map<std::string, std::string> attributes;
    std::vector<std::string> tags;
    std::optional<std::string> preferred_agent;  ///< e.g. the case's owner, tried first
};

/// The daemon changed a service case: the customer is told on the case's latest conversation
/// (a visit booked, a quote, a stage's notice) and supervisors are told what needs a person
/// (a complaint opened, a stage clock breached). Not limited by the automatic replies' loop
/// guard: these answer a person's step.
struct CaseNotified {
    std::int64_t case_id = 0;
    std::int64_t conversation_id = 0;  ///< 0: the case has none (supervisor notices only)
    std::string locale = "en";
    /// Templates to send, each with its variables (case_id, visit_start, ...), as text.
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
        customer;
    std::vector<std::pair<std::string, std::string>> supervisors;  ///< (reason, detail)
    /// The case's stage clock breached: these conversations of the case, where still worked,
    /// are escalated as `escalation:` says (a priority step, waiting work to the breach queue).
    std::vector<std::int64_t> escalate;
};

using Event = std::variant<MessageReceived, AgentUpdated, PresenceChanged, OfferAnswered,
                           AgentReplied, TransferRequested, ResolveRequested, AgentLost, Tick,
                           DeliveryUpdated, CallStep, WorkCreated, CaseNotified>;

// ---- Actions -----------------------------------------------------------------------------

/// The triage of a conversation: classification, priority, queue, SLA clocks. Emitted when a
/// conversation is opened and whenever a later message changes it.
struct ConversationRouted {
    std::int64_t conversation_id = 0;
    std::int64_t message_id = 0;
    Classification classification;
    int priority = 4;
    std::string queue;
    std::vector<std::string> tags;
    std::vector<std::string> rules;  ///< the rules that matched, in order
    std::string sla_policy;
    std::vector<SlaDeadline> deadlines;
    bool handoff = true;  ///< false while a self-service answer may settle it
};

/// Send a templated reply to the customer through the conversation's channel.
struct AutoReply {
    std::int64_t conversation_id = 0;
    std::int64_t in_reply_to = 0;  ///< the message that caused it; 0 for timers
    std::string template_id;
    std::string reason;  ///< "new_conversation", "after_hours", "category", "rule", "survey", ...
    std::string locale;  ///< "en", "zh-Hans", "zh-Hant" (the customer's)
    /// Variables beyond the conversation's (a service case's: case_id, visit_start, ...), as
    /// text; times in RFC 3339.
    std::vector<std::pair<std::string, std::string>> params;
};

/// Offer a conversation to an agent until `expires_at`.
struct OfferMade {
    std::int64_t conversation_id = 0;
    std::string agent;
    std::string queue;
    int priority = 4;
    TimePoint expires_at{};
};

/// An offer is no longer valid (timed out, withdrawn, declined).
struct OfferRevoked {
    std::int64_t conversation_id = 0;
    std::string agent;
    std::string reason;  ///< "timeout", "declined", "withdrawn"
};

/// The conversation is now the agent's.
struct Assigned {
    std::int64_t conversation_id = 0;
    std::string agent;
};

/// The conversation waits in a queue (again): after routing, a transfer, a lost agent.
struct Queued {
    std::int64_t conversation_id = 0;
    std::string queue;
    int priority = 4;
    std::size_t position = 0;  ///< 1-based place in the queue
    std::string reason;        ///< "routed", "transfer", "agent_lost", "requeued", "handoff"
};

/// The conversation's priority changed (escalation, a waiting rule, a later message).
struct PriorityChanged {
    std::int64_t conversation_id = 0;
    int from = 4;
    int to = 4;
    std::string reason;
};

/// An SLA clock passed its warning point or its deadline.
struct SlaAlert {
    std::int64_t conversation_id = 0;
    Milestone milestone = Milestone::FirstResponse;
    TimePoint due_at{};
    bool breached = false;  ///< false: warning
    std::optional<std::string> agent;  ///< who holds it, if anyone
};

/// A milestone was reached; its clock stopped.
struct MilestoneMet {
    std::int64_t conversation_id = 0;
    Milestone milestone = Milestone::FirstResponse;
    TimePoint at{};
    bool late = false;
};

/// Tell supervisors (console supervisor stream) about something that needs a person.
struct SupervisorNotice {
    std::int64_t conversation_id = 0;
    std::string reason;  ///< "sla_breach", "safety", "low_rating", ...
    std::string detail;
};

/// The conversation was resolved; `survey` says whether a survey was sent.
struct ConversationResolved {
    std::int64_t conversation_id = 0;
    std::string agent;
    std::string disposition;
};

/// The conversation is over (its survey window passed): the store closes it; a new message
/// opens a new conversation.
struct ConversationClosed {
    std::int64_t conversation_id = 0;
};

/// A satisfaction rating (1-5) answered a survey.
struct RatingRecorded {
    std::int64_t conversation_id = 0;
    std::int64_t message_id = 0;
    int rating = 0;
};

/// An agent's presence changed (wrap-up started or ended, lost, set away).
struct AgentStateChanged {
    std::string agent;
    Presence presence = Presence::Offline;
    /// Why, when the engine changed it: the kind of work a wrap-up follows ("voice", "chat",
    /// ...), "missed_offers" (set away); empty when the agent set it.
    std::string reason;
    /// When a wrap-up ends.
    std::optional<TimePoint> until;
};

/// A request the engine refused (unknown conversation, not the agent's, ...): the console
/// answers the agent with it.
struct Rejected {
    std::int64_t conversation_id = 0;
    std::string agent;
    std::string code;    ///< "not_found", "not_assigned", "unknown_agent", "unknown_queue"
    std::string reason;
};

/// An outbound message's delivery state changed: shown on the message in the console.
struct DeliveryChanged {
    std::int64_t conversation_id = 0;
    std::int64_t message_id = 0;
    DeliveryState state = DeliveryState::Sent;
    std::string reason;
    std::string author;  ///< "agent:alice", "auto"
};

/// A rule said `open_case: <type>` for a new conversation whose contact has no open case of
/// that type: the daemon opens the service case.
struct CaseRequested {
    std::int64_t conversation_id = 0;
    std::int64_t contact_id = 0;
    std::string type;
    std::string rule;  ///< the rule that asked for it
};

using Action = std::variant<ConversationRouted, AutoReply, OfferMade, OfferRevoked, Assigned,
                            Queued, PriorityChanged, SlaAlert, MilestoneMet, SupervisorNotice,
                            ConversationResolved, ConversationClosed, RatingRecorded,
                            AgentStateChanged, Rejected, DeliveryChanged, CaseRequested>;

/// The action's name for logs, storage and `ccd simulate` ("routed", "auto_reply", ...).
std::string_view actionName(const Action& action);

// ---- State read by the daemon ------------------------------------------------------------

/// A conversation the engine tracks, as saved in the store and restored at start-up.
struct ConversationSnapshot {
    std::int64_t id = 0;
    std::int64_t contact_id = 0;
    ChannelKind channel = ChannelKind::Api;
    std::string channel_instance;  ///< the configured instance; empty: the kind's name
    std::string language = "und";
    std::string category;
    /// The classification's subtype of `category` ("leak"); empty: none (no evidence, or the
    /// conversation was not opened by a classified message).
    std::string subtype;
    int priority = 4;
    std::string queue;
    std::string sla_policy;
    std::vector<SlaDeadline> deadlines;
    std::optional<std::string> agent;  ///< assigned agent when it stopped
    TimePoint opened_at{};
    TimePoint queued_at{};
    bool handoff = true;
    /// "self_service", "menu", "waiting", "offered", "assigned", "resolved".
    std::string stage = "waiting";
    /// Stage "menu": which playing of the phone menu the caller hears (1, then 2 after an
    /// invalid digit); 0 otherwise.
    int menu_attempt = 0;
    /// Set on the conversation (a phone menu's choice); rules test them before the contact's.
    std::map<std::string, std::string> attributes;
    std::vector<std::string> tags;
    std::string locale = "en";  ///< the language replies are written in
    std::optional<TimePoint> resolved_at;
    /// When the customer last wrote: messaging providers allow free replies only within a
    /// window after it (WhatsApp 24 h, WeChat 48 h).
    std::optional<TimePoint> last_inbound_at;
};

/// Per-queue figures for the supervisor board.
struct QueueStats {
    std::string name;
    std::size_t waiting = 0;
    std::chrono::milliseconds oldest_wait{0};
};

/// A conversation waiting for an agent, as a queue's waiting list shows it.
struct WaitingConversation {
    std::int64_t conversation_id = 0;
    int priority = 4;
    ChannelKind channel = ChannelKind::Api;
    std::string category;
    std::string language;
    std::chrono::milliseconds waited{0};
    std::string subtype;  ///< of `category`; empty: none
};

/// A queue's waiting list: every conversation waiting or offered counts; `first` lists the
/// waiting ones in the order they are served (priority, then longest waiting), at most as many
/// as asked.
struct QueueWaiting {
    std::string name;
    std::size_t waiting = 0;
    std::chrono::milliseconds oldest_wait{0};
    std::vector<WaitingConversation> first;
};

/// Per-agent figures for the supervisor board.
struct AgentStats {
    std::string id;
    Presence presence = Presence::Offline;
    double occupancy = 0.0;
    std::size_t conversations = 0;
};

/// One triage without state: what `ccd classify` prints.
struct TriageResult {
    Classification classification;
    int priority = 4;
    std::string queue;
    std::vector<std::string> tags;
    std::vector<std::string> rules;
    std::string sla_policy;
    std::vector<SlaDeadline> deadlines;
    std::optional<std::string> auto_reply;
};

}  // namespace ccd::routing
