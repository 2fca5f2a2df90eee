#pragma once
// Routing rules: conditions on what a message is and who sent it, actions that set its priority,
// queue, tags, automatic reply and SLA policy. Data parsed from routing.yaml (`rules:`),
// evaluated in file order. A rule that matches sets every field it names that no earlier rule
// set; evaluation stops at the first matching rule unless that rule says `continue: true`.
// So "first match wins" for each field, and a rule may add e.g. an SLA policy and let later
// rules pick the queue.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "routing/classify/classification.hpp"
#include "routing/contact.hpp"
#include "routing/model.hpp"

namespace ccd::routing {

class BusinessHours;
class RegexSet;
class TermMatcher;

/// What a rule tests. Every condition that is set must hold; a list matches any of its items.
struct RuleCondition {
    std::set<ChannelKind> channels;
    std::set<std::string> channel_instances;  ///< configured instance names (ccd.yaml channels)
    std::set<std::string> categories;
    std::set<std::string> subtypes;  ///< the classification's subtype is one of these
    std::set<std::string> languages;
    std::set<Sentiment> sentiments;
    std::optional<bool> safety;             ///< any safety signal (true) or none (false)
    std::set<std::string> safety_signals;   ///< one of these signals
    std::optional<bool> urgency;            ///< any urgency signal (true) or none (false)
    std::set<std::string> urgency_signals;  ///< one of these urgency signals
    std::set<std::string> tiers;            ///< the contact's tier
    /// Conversation attributes (a phone menu's choice), else contact attributes: each key must
    /// hold one of the values ("" matches a present key).
    std::map<std::string, std::set<std::string>> attributes;
    std::vector<std::string> keywords;      ///< any phrase in the normalized text
    std::vector<std::string> regexes;       ///< any ICU pattern found in the normalized text
    std::optional<bool> business_hours;     ///< open (true) or closed (false) at the time
    std::string calendar;                   ///< for business_hours; empty: the default calendar
    std::optional<bool> in_warranty;        ///< any product of the contact under warranty
    std::optional<bool> new_conversation;
    std::optional<double> confidence_below; ///< classification confidence under this
    /// Time the conversation has waited in its queue: a rule with this condition is evaluated
    /// again while the conversation waits (it can raise the priority or move it).
    std::optional<std::chrono::milliseconds> waiting_at_least;
    /// The contact had a service case opened within this time and finished since (the problem
    /// came back: a repeat); an open case is still being worked and does not count.
    std::optional<std::chrono::milliseconds> repeat_within;
};

/// What a matching rule sets.
struct RuleActions {
    std::optional<int> priority;            ///< 1 (P1) .. 4 (P4)
    std::optional<std::string> queue;
    std::vector<std::string> tags;          ///< added, never removed
    std::optional<std::string> auto_reply;  ///< a template id; "none" suppresses the reply
    std::optional<std::string> sla;         ///< an SLA policy name
    /// Open a service case of this type for the conversation's contact (unless one of that
    /// type is open).
    std::optional<std::string> open_case;
    /// Offer the work to this agent first: "account_manager" (the contact's).
    std::optional<std::string> prefer_agent;
};

/// One rule as written in routing.yaml.
struct RuleDef {
    std::string name;
    RuleCondition when;
    RuleActions then;
    bool continue_after = false;  ///< `continue: true`
};

/// Everything a rule may look at.
struct RuleInput {
    ChannelKind channel = ChannelKind::Api;
    std::string_view channel_instance;  ///< empty: the kind's name
    const Classification* classification = nullptr;  ///< required
    const ContactProfile* contact = nullptr;         ///< null: a standard contact, nothing known
    /// The conversation's attributes (a phone menu's choice); a key here hides the contact's.
    const std::map<std::string, std::string>* attributes = nullptr;
    const std::string* normalized_text = nullptr;    ///< as Classifier::normalize; null: ""
    bool new_conversation = true;
    std::chrono::milliseconds waited{0};
    TimePoint now{};
};

/// The result of evaluating the rules.
struct RuleOutcome {
    std::optional<int> priority;
    std::optional<std::string> queue;
    std::vector<std::string> tags;
    std::optional<std::string> auto_reply;
    std::optional<std::string> sla;
    std::optional<std::string> open_case;
    std::string open_case_rule;  ///< the rule that set open_case
    std::optional<std::string> prefer_agent;
    std::vector<std::string> matched;  ///< names of the rules that matched, in order
};

/// Compiled rules. Thread safety: evaluate() is not thread-safe (regex matchers keep state);
/// the engine owns one on its strand.
class RuleSet {
public:
    /// `calendars` maps calendar names to their business hours; `default_calendar` names the
    /// one used by business_hours conditions without a calendar of their own. Throws
    /// std::invalid_argument for a bad regular expression or an unknown calendar.
    /// `normalize` turns keywords into the form of RuleInput::normalized_text.
    RuleSet(std::vector<RuleDef> rules, const std::map<std::string, BusinessHours>* calendars,
            std::string default_calendar,
            const std::function<std::string(std::string_view)>& normalize);
    ~RuleSet();
    RuleSet(RuleSet&&) noexcept;
    RuleSet& operator=(RuleSet&&) noexcept;

    /// Evaluates every rule (or only those with a waiting condition when `waiting_only`).
    RuleOutcome evaluate(const RuleInput& input, bool waiting_only = false);

    const std::vector<RuleDef>& rules() const { return rules_; }
    bool hasWaitingRules() const { return has_waiting_rules_; }

private:
    bool matches(std::size_t index, const RuleInput& input);

    std::vector<RuleDef> rules_;
    const std::map<std::string, BusinessHours>* calendars_;
    std::string default_calendar_;
    std::vector<std::vector<std::size_t>> regex_ids_;  ///< per rule, indexes into regexes_
    std::vector<std::unique_ptr<TermMatcher>> keywords_;  ///< per rule; null without keywords
    std::unique_ptr<RegexSet> regexes_;
    bool has_waiting_rules_ = false;
};

/// "P1".."P4" -> 1..4.
std::optional<int> priorityFromString(std::string_view name);
/// 1..4 -> "P1".."P4".
std::string priorityName(int priority);

}  // namespace ccd::routing
