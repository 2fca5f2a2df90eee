#pragma once
// The routing engine's state and steps, shared by its source files (not a public header: only
// routing/engine*.cpp include it). The engine is split by job:
//   engine.cpp         set-up, reconfiguration, the event switch, action names
//   engine_intake.cpp  a customer message: classification, rules, automatic replies, reopening,
//                      a voicemail routing its call-back
//   engine_offers.cpp  queueing, offers and the agents' actions (accept, transfer, resolve, lost)
//   engine_sla.cpp     SLA clocks, timers, escalation, waiting rules, the tick
//   engine_state.cpp   restore after a restart and what the daemon reads (snapshots, stats)
//   engine_menu.cpp    steps of a call: the phone menu's key, a hangup (call-backs)

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "routing/business_hours.hpp"
#include "routing/classify/classifier.hpp"
#include "routing/dispatcher.hpp"
#include "routing/engine.hpp"
#include "routing/rules.hpp"

namespace ccd::routing {
namespace engine_detail {

enum class Stage { SelfService, Menu, Waiting, Offered, Assigned, Resolved };

std::string_view stageName(Stage s);
Stage stageFromName(std::string_view s);

// What a timer does when it fires.
enum class TimerKind { SlaWarn, SlaBreach, FollowUp, Close };

struct Timer {
    std::int64_t conversation_id;
    TimerKind kind;
    Milestone milestone;
    TimePoint due;  // for SLA timers: the deadline it was set for (stale if it changed)
};

}  // namespace engine_detail

struct Engine::Impl {
    using Stage = engine_detail::Stage;
    using Timer = engine_detail::Timer;
    using TimerKind = engine_detail::TimerKind;

    struct Conv {
        ConversationSnapshot snap;
        Stage stage = Stage::Waiting;
        TimePoint offer_expires{};
        std::string offered_to;
        bool breach_apology_sent = false;
        bool survey_sent = false;
        TimePoint waiting_since{};  ///< the overflow clock of its current wait
        TimePoint assigned_at{};    ///< when the current agent accepted it (handle time)
        /// Stage Menu: the call that opened it (message and contact), routed once the caller
        /// chose. On the heap: few conversations wait in a menu, and every one would carry
        /// the message's 490 bytes inline.
        std::unique_ptr<MessageReceived> menu_call;
    };

    RoutingConfigPtr cfg;
    std::unique_ptr<Classifier> classifier;
    std::map<std::string, BusinessHours> calendars;
    std::unique_ptr<RuleSet> rules;
    std::unique_ptr<Dispatcher> dispatcher;
    std::map<std::int64_t, Conv> convs;
    // Per contact, the loop guard: the times of its automatic replies within the window,
    // oldest first (a few at most: a deque's first block alone took 512 bytes a contact).
    std::map<std::int64_t, std::vector<TimePoint>> auto_replies;
    std::multimap<TimePoint, Timer> timers;
    std::set<std::int64_t> changed;
    std::set<std::pair<TimePoint, std::int64_t>> offers_by_expiry;  // offered conversations
    std::map<std::string, Agent> agents;  // profiles, to rebuild the dispatcher on reload
    // The latest handle times (accepted -> resolved) per queue, newest last: what a caller's
    // estimated wait is computed from.
    std::map<std::string, std::deque<std::chrono::milliseconds>> handle_times;
    // Agents in a wrap-up, by its end: made available again then.
    std::multimap<TimePoint, std::string> wrap_ups;
    // Offers each agent let time out since their last answer (offers.away_after_missed).
    std::map<std::string, int> missed_in_a_row;
    static constexpr std::size_t kHandleTimesKept = 20;
    void keepHandleTime(const std::string& queue, std::chrono::milliseconds duration) {
        auto& times = handle_times[queue];
        times.push_back(duration);
        if (times.size() > kHandleTimesKept) times.pop_front();
    }

    // ---- set-up (engine.cpp) ---------------------------------------------------------------

    struct Compiled {
        std::unique_ptr<Classifier> classifier;
        std::map<std::string, BusinessHours> calendars;
        std::unique_ptr<RuleSet> rules;
    };

    /// The classifier (trained once per configuration), calendars and rules of `config`.
    static Compiled compile(const RoutingConfigPtr& config);
    void install(RoutingConfigPtr next, Compiled compiled);
    bool knownQueue(const std::string& q) const;

    // ---- triage and automatic replies (engine_intake.cpp) --------------------------------

    struct Triage {
        Classification classification;
        RuleOutcome outcome;
        int priority = 4;
        std::string queue;
        std::string sla_policy;
        std::vector<SlaDeadline> deadlines;
        std::string normalized;
    };

    Triage triage(const InboundMessage& m, const ContactProfile& contact, bool new_conversation,
                  TimePoint now, const std::map<std::string, std::string>* attributes = nullptr,
                  bool explain = false);
    static ConversationRouted routed(const Conv& c, std::int64_t message_id, const Triage& t);
    static SupervisorNotice safetyNotice(std::int64_t conversation, const Classification& c);
    bool mayAutoReply(std::int64_t contact, TimePoint now);
    /// The default calendar when it is closed at `now`; null when open or there is none.
    const BusinessHours* closedCalendar(TimePoint now) const;
    void autoReply(std::vector<Action>& out, Conv& c, std::int64_t in_reply_to,
                   const std::string& tpl, const std::string& reason, TimePoint now);
    void onMessage(const MessageReceived& e, TimePoint now, std::vector<Action>& out);
    void onLaterMessage(const MessageReceived& e, Conv& c, TimePoint now,
                        std::vector<Action>& out);
    /// A voicemail's transcription (provider id "<call>:transcription").
    static bool isVoicemail(const InboundMessage& m);
    /// The voicemail makes the call a call-back, classified and routed by what it says.
    void onVoicemail(const MessageReceived& e, Conv& c, TimePoint now, std::vector<Action>& out);
    // A resolved or self-service conversation comes back to a person: new triage and clocks.
    void reopen(const MessageReceived& e, Conv& c, TimePoint now, std::vector<Action>& out,
                const std::string& reason);

    // ---- queues, offers and the agents' actions (engine_offers.cpp) ----------------------

    void touch(std::int64_t id) { changed.insert(id); }
    WorkKind kindOf(const Conv& c) const { return workKindOf(c.snap.channel); }
    /// Queues the conversation in order `queued_at` (the epoch: at the front); `since` starts
    /// the overflow clock (queued_at when not given).
    void enqueue(std::vector<Action>& out, Conv& c, TimePoint queued_at,
                 const std::string& reason, std::optional<std::string> preferred,
                 std::optional<TimePoint> since = std::nullopt,
                 std::optional<TimePoint> reserved_until = std::nullopt);
    /// The dispatcher's item for the conversation, as enqueue() makes it.
    WorkItem workOf(const Conv& c, TimePoint queued_at, std::optional<std::string> preferred,
                    std::optional<TimePoint> reserved_until = std::nullopt) const;
    void dispatch(std::vector<Action>& out, TimePoint now);
    void changePriority(std::vector<Action>& out, Conv& c, int to, const std::string& reason,
                        TimePoint now, std::optional<std::string> queue = std::nullopt);
    Conv* owned(std::int64_t id, const std::string& agent, std::vector<Action>& out,
                bool offered_ok);
    void onOfferAnswered(const OfferAnswered& e, TimePoint now, std::vector<Action>& out);
    void onReplied(const AgentReplied& e, TimePoint now, std::vector<Action>& out);
    void onTransfer(const TransferRequested& e, TimePoint now, std::vector<Action>& out);
    void onResolve(const ResolveRequested& e, TimePoint now, std::vector<Action>& out);
    /// After resolving: the agent's wrap-up for the queue and kind of work (`wrap_up:`), if
    /// any.
    void startWrapUp(const Conv& c, const std::string& agent, TimePoint now,
                     std::vector<Action>& out);
    /// An offer to `agent` timed out: after offers.away_after_missed in a row, the agent is
    /// set away and supervisors are told.
    void missedOffer(const std::string& agent, std::int64_t conversation, TimePoint now,
                     std::vector<Action>& out);
    /// Wrap-ups that ended by `now`: the agents are available again.
    void endWrapUps(TimePoint now, std::vector<Action>& out);
    void onAgentLost(const AgentLost& e, TimePoint now, std::vector<Action>& out);
    /// Conversations restored as assigned to an agent who has not connected since the restart
    /// (a new leader, a restart): kept for them, outside the dispatcher, until they are back
    /// (AgentUpdated: held again, in their load) or `held_until` passes (queued, offered to them
    /// first).
    std::map<std::string, std::vector<std::int64_t>> held_for;
    std::multimap<TimePoint, std::string> held_until;
    /// The agent is back (their profile came): the dispatcher holds their restored work.
    void adoptHeld(const std::string& agent);
    /// Agents not back in time: their restored work is queued.
    void releaseHeld(TimePoint now, std::vector<Action>& out);
    /// The provider's answer about a message: shown to the agent; a failure goes to supervisors.
    void onDelivery(const DeliveryUpdated& e, std::vector<Action>& out);

    // ---- service cases and follow-up work (engine_cases.cpp) --------------------------------

    /// Ends of reservations for preferred agents (`prefer_agent`): the dispatcher widens then.
    std::multiset<TimePoint> reservations;
    /// A rule's `open_case`, unless the contact has an open case of that type.
    void requestCase(std::vector<Action>& out, const Conv& c, const Triage& t,
                     const ContactProfile& contact) const;
    /// Queues newly routed work: reserved for the contact's account manager when a rule says
    /// `prefer_agent: account_manager`, else the agent who last served the contact first.
    void enqueueRouted(std::vector<Action>& out, Conv& c, const Triage& t,
                       const ContactProfile& contact, TimePoint queued_at, TimePoint now);
    void onWorkCreated(const WorkCreated& e, TimePoint now, std::vector<Action>& out);
    void onCaseNotified(const CaseNotified& e, TimePoint now, std::vector<Action>& out);

    // ---- the phone menu (engine_menu.cpp) -------------------------------------------------

    /// The tag of a conversation whose caller is to be called back (missed, abandoned, a
    /// voicemail).
    static constexpr const char* kCallBackTag = "call_back";
    void markCallBack(Conv& c);
    /// The customer called in again: on the line, nobody is to call them back (an agent who
    /// takes the call must not have ccd dial them as well).
    void clearCallBack(Conv& c);
    /// Whether a new call hears the menu: one is configured and the default calendar is open.
    bool playsMenu(const MessageReceived& e, TimePoint now) const;
    void onCallStep(const CallStep& e, TimePoint now, std::vector<Action>& out);
    /// The caller chose (or the menu gave up): set `chosen` on the conversation, route it by
    /// the rules and queue it.
    void routeFromMenu(Conv& c, const std::map<std::string, std::string>& chosen, TimePoint now,
                       std::vector<Action>& out);

    // ---- SLA clocks, timers and escalation (engine_sla.cpp) ------------------------------

    std::vector<SlaDeadline> startDeadlines(const std::string& policy, TimePoint now) const;
    void scheduleClocks(Conv& c);
    SlaDeadline* deadline(Conv& c, Milestone m);
    void meet(std::vector<Action>& out, Conv& c, Milestone m, TimePoint now);
    void fireTimers(TimePoint now, std::vector<Action>& out);
    void onWaitingRules(TimePoint now, std::vector<Action>& out);
    void onTick(TimePoint now, std::vector<Action>& out);
};

}  // namespace ccd::routing
