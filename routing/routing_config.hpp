#pragma once
// The routing configuration (config/routing.yaml) as immutable data: business-hours calendars,
// SLA policies and queues. Parsed and validated by config/routing_config_parser; shared by the
// engine as std::shared_ptr<const RoutingConfig> and swapped whole on reload.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "routing/business_hours.hpp"
#include "routing/cases/case_config.hpp"
#include "routing/classify/classifier_config.hpp"
#include "routing/dispatcher.hpp"
#include "routing/rules.hpp"
#include "routing/sla_clock.hpp"

namespace ccd::routing {

/// An SLA policy and the calendar its business time is counted in (when it counts business
/// time only).
struct SlaPolicyConfig {
    SlaPolicy policy;
    std::optional<std::string> calendar;
};

/// What applies when no rule sets a field.
struct RoutingDefaults {
    int priority = 4;
    std::string queue = "general";
    /// SLA policy per priority (1..4) when no rule names one.
    std::map<int, std::string> sla_by_priority;
    /// The calendar of business_hours conditions, after-hours replies and business-time SLAs.
    std::string calendar;
};

/// When the engine answers automatically (templates are ids in the template catalog).
struct AutoReplyPolicy {
    std::optional<std::string> on_new_conversation;  ///< acknowledgement
    /// Instead of it, outside the default calendar's hours, when the first-response clock waits
    /// for the opening (a business-hours policy, or one longer than the night).
    std::optional<std::string> after_hours;
    /// Instead of it, outside hours, when the first response is due before the opening (P1, a
    /// round-the-clock policy): the on-call team's acknowledgement; falls back to
    /// on_new_conversation.
    std::optional<std::string> on_call;
    std::optional<std::string> safety;               ///< instead of it, on a safety signal
    /// Self-service answers by category: sent instead of the acknowledgement, and the
    /// conversation waits for the customer ("reply 0 for a person") instead of an agent.
    std::map<std::string, std::string> self_service;
    std::optional<std::string> on_resolution;  ///< the satisfaction survey
    std::optional<std::string> on_sla_breach;  ///< apology when first_response breaches
    std::optional<std::string> follow_up;      ///< "was it solved?" after resolution
    std::chrono::milliseconds follow_up_after{std::chrono::hours(72)};
    std::chrono::milliseconds survey_window{std::chrono::hours(72)};  ///< ratings accepted
    int low_rating = 2;  ///< a rating at or below opens a follow-up for a supervisor
    int per_contact_limit = 3;  ///< automatic replies per contact per window (loop guard)
    std::chrono::milliseconds per_contact_window{std::chrono::hours(1)};
};

/// What happens when SLA clocks warn or breach.
struct EscalationPolicy {
    bool notify_on_warning = true;
    bool notify_on_breach = true;
    int raise_priority_by = 1;                ///< on breach (not above P1); 0: never
    std::optional<std::string> breach_queue;  ///< move waiting work here on breach
};

/// Where routing.yaml names a template: checked against the template catalog at load time.
/// How offers to agents are handled (`offers:`).
struct OfferPolicy {
    /// An agent who lets this many offers in a row time out is set away, with a supervisor
    /// notice (0: never).
    int away_after_missed = 2;
};

struct TemplateRef {
    std::string id;
    std::string file;
    int line = 0;
    int column = 0;
    std::string path;  ///< YAML path
};

/// A phone menu (routing.yaml `ivr:`): what a new call hears before it is routed, and what each
/// digit sets on the conversation for the rules to test (`attributes:` conditions). Played only
/// while the default calendar is open (after hours a caller gets the voicemail).
struct IvrMenu {
    /// The prompt by reply locale: "en", "zh-Hans", "zh-Hant" (all three are required).
    std::map<std::string, std::string> prompts;
    /// A digit ("0".."9", "*", "#") -> the conversation attributes it sets.
    std::map<std::string, std::map<std::string, std::string>> digits;
    /// What is set when the caller chose nothing valid twice, or hung up in the menu.
    std::map<std::string, std::string> fallback;
    /// How long the phone system waits for a digit.
    std::chrono::seconds timeout{5};

    /// The prompt for a reply locale ("en" when the locale has none).
    const std::string& prompt(const std::string& locale) const;
    /// The digits that choose something, in order ("129").
    std::string choices() const;
};

struct RoutingConfig {
    std::string source_path;
    std::map<std::string, BusinessCalendar> calendars;
    std::map<std::string, SlaPolicyConfig> sla_policies;
    std::vector<QueueDef> queues;
    /// The `classification:` section: categories, sentiment lexicon, safety signals.
    ClassifierConfig classification;
    /// The `rules:` section, in file order.
    std::vector<RuleDef> rules;
    RoutingDefaults defaults;
    AutoReplyPolicy auto_replies;
    EscalationPolicy escalation;
    OfferPolicy offers;
    /// Every template id routing.yaml names, with its position.
    std::vector<TemplateRef> template_refs;
    /// Every channel instance name the rules name (`channel_instance:`), with its position
    /// (same shape as a template reference): checked against ccd.yaml's channels at load time.
    std::vector<TemplateRef> channel_instance_refs;
    /// The phone menu; none: a call is routed at once.
    std::optional<IvrMenu> ivr;
    /// Service cases (`cases:`): types, stages, warranty, follow-ups.
    CasesConfig cases;
};

using RoutingConfigPtr = std::shared_ptr<const RoutingConfig>;

}  // namespace ccd::routing
