#pragma once
// Service cases as routing.yaml configures them (`cases:`): the case types, the stages with their
// owners, allowed moves and SLA milestones, the warranty rule, the repeat-repair window and the
// follow-up (回访) policies. Immutable data, parsed by config/cases_parser and shared inside
// RoutingConfig.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ccd::routing {

/// A case type (`cases.types.<name>`).
struct CaseTypeDef {
    std::string name;   ///< "repair", "replacement", "return", "technical_support", ...
    std::string label;  ///< shown to agents ("Return / refund")
    /// A complaint: opened with a supervisor notice, owned by `owner` (a dedicated person), and
    /// closed only with a summary.
    bool complaint = false;
    /// The agent who owns every case of this type when opened (complaints: the complaint
    /// handler); empty: the agent who opened it, or nobody when a rule opened it.
    std::string owner;
    /// The stage a case of this type starts in; empty: CasesConfig::initial_stage.
    std::string initial_stage;
};

/// A stage of a case (`cases.stages.<name>`), in the order written.
struct CaseStageDef {
    std::string name;   ///< "registered", "diagnosing", "plan_proposed", ...
    std::string label;  ///< shown to agents
    /// Who has to act while a case is in this stage: "agent", "engineer", "customer",
    /// "supervisor".
    std::string owner = "agent";
    std::vector<std::string> next;  ///< the stages a case may move to from here
    /// Entering this stage needs an accepted quote when the case is out of warranty (work may
    /// not start before the customer agreed to pay).
    bool needs_agreement = false;
    /// The case ends here (closed, cancelled): no move out, clocks stop, follow-ups of the
    /// stage still run.
    bool terminal = false;
    /// Closing in this stage needs a summary when the case is a complaint.
    bool needs_summary = false;
    /// A clock that starts when the case enters this stage and stops when it leaves it:
    /// `within` (counted in `calendar`'s business time when set, else around the clock).
    std::optional<std::string> milestone;  ///< its name in alerts ("plan", "customer_update")
    std::optional<std::chrono::milliseconds> within;
    std::optional<std::string> calendar;
    /// Supervisors are warned when this share of `within` has passed (`warn_at`, as SLA
    /// policies).
    double warn_fraction = 0.8;
    /// Template sent to the customer on the case's channel when the case enters the stage.
    std::optional<std::string> notify_template;
};

/// When a follow-up is due (`cases.follow_ups[]`): work offered to agents like a conversation.
struct FollowUpPolicy {
    std::string name;  ///< "guidance_check", "repair_satisfaction", "closure_check"
    /// What schedules it: "stage:<name>" (the case entered the stage) or "resolved:<disposition>"
    /// (a conversation of a case, or without one, was resolved with this disposition).
    std::string on;
    std::set<std::string> types;  ///< case types it applies to; empty: every type
    std::chrono::milliseconds after{std::chrono::hours(2)};
    /// The kind of work it is for agents' capacity: "voice", "messaging" or "email".
    std::string kind = "messaging";
    std::string queue;  ///< where it is offered
    int priority = 3;
    int max_attempts = 3;  ///< "not reached" tries it again, this many times in all
    std::chrono::milliseconds retry_after{std::chrono::hours(4)};
};

struct CasesConfig {
    std::vector<CaseTypeDef> types;    ///< in file order
    std::vector<CaseStageDef> stages;  ///< in file order
    std::string initial_stage = "registered";
    /// Warranty from the purchase date when a product names no `warranty_until`: this many
    /// months, by SKU, else `warranty_months`.
    int warranty_months = 12;
    std::map<std::string, int> warranty_months_by_sku;
    /// A case for the same contact and product opened within this window of an earlier one is
    /// flagged as a repeat (and rules may test `repeat_within`).
    std::chrono::milliseconds repeat_window{std::chrono::hours(24 * 90)};
    std::string currency = "CNY";  ///< of quotes that name none
    std::vector<FollowUpPolicy> follow_ups;
    /// How long work a rule `prefer_agent: account_manager` reserves for the contact's account
    /// manager before any agent of the queue may take it.
    std::chrono::milliseconds account_manager_wait{std::chrono::minutes(2)};
    /// Templates sent to the customer: a visit booked or moved, a quote to accept.
    std::optional<std::string> visit_template;
    std::optional<std::string> visit_changed_template;
    std::optional<std::string> quote_template;

    const CaseTypeDef* type(const std::string& name) const;
    const CaseStageDef* stage(const std::string& name) const;
};

}  // namespace ccd::routing
