#pragma once
// A service case (工单): the after-sales work order for one contact and one product, from
// registration to the follow-up call. Pure data and the rules that change it: every change is a
// CaseCommand applied at a time `now`, checked against the configuration (allowed stage moves,
// quotes before work out of warranty, a complaint's summary), and answered with what the daemon
// must do besides storing the case (tell the customer, notify supervisors, schedule follow-ups).
// No I/O, no clock of its own.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "routing/business_hours.hpp"
#include "routing/cases/case_config.hpp"
#include "routing/contact.hpp"
#include "routing/model.hpp"

namespace ccd::routing {

struct EscalationPolicy;  // routing/routing_config.hpp

/// The warranty decision, made when the case is opened from the product's dates.
struct WarrantyDecision {
    bool in_warranty = false;
    std::optional<std::string> until;  ///< "YYYY-MM-DD", inclusive; none: unknown purchase date
    /// "warranty_until" (the product names it), "purchase_date" (purchase + months), "unknown".
    std::string basis = "unknown";
};

struct QuoteLine {
    std::string part_number;  ///< empty for labour
    std::string description;
    int quantity = 1;
    std::int64_t unit_price_cents = 0;
};

/// What an out-of-warranty repair costs; the customer must accept it before work starts.
struct Quote {
    std::vector<QuoteLine> parts;
    std::int64_t labour_cents = 0;
    std::string currency;
    std::string status = "proposed";  ///< "proposed", "accepted", "declined"
    TimePoint proposed_at{};
    std::string proposed_by;
    std::optional<TimePoint> answered_at;
    std::string answer_channel;  ///< how the customer answered ("phone", "email", "webchat", ...)

    std::int64_t totalCents() const;
};

/// One change of an on-site visit's slot, kept with its reason.
struct VisitChange {
    TimePoint at{};
    std::string by;
    TimePoint from_start{};
    TimePoint from_end{};
    std::string from_engineer;
    std::string reason;
};

/// An on-site engineer visit (an appointment).
struct Visit {
    int id = 0;  ///< 1, 2, ... within the case
    TimePoint slot_start{};
    TimePoint slot_end{};
    std::string address;
    std::string area;  ///< the service area the address is in (engineers serve areas); may be empty
    std::string engineer;
    std::string status = "booked";  ///< "booked", "done", "cancelled"
    std::vector<VisitChange> changes;
};

/// A mail-in repair's shipment, either way.
struct Shipment {
    std::string direction;  ///< "inbound" (customer to us) or "outbound" (back to the customer)
    std::string carrier;
    std::string tracking;
    TimePoint at{};
};

struct PartUsed {
    std::string part_number;
    int quantity = 1;
};

/// What the engineer found and did.
struct RepairRecord {
    TimePoint at{};
    std::string engineer;
    std::string fault_found;
    std::string measures;
    std::vector<PartUsed> parts;
    std::string result;  ///< "fixed", "not_fixed", "replaced", ...
};

/// A scheduled follow-up (回访): offered to agents when due, answered with an outcome.
struct FollowUp {
    int id = 0;  ///< 1, 2, ... within the case
    std::string policy;
    std::string kind = "messaging";  ///< "voice", "messaging", "email"
    std::string queue;
    int priority = 3;
    TimePoint due_at{};
    int attempt = 1;
    /// "scheduled", "offered" (a work item exists: `conversation_id`), "done", "cancelled".
    std::string status = "scheduled";
    std::int64_t conversation_id = 0;
    /// "reached", "not_reached", "satisfied", "complaint" when done.
    std::string outcome;
    std::optional<int> rating;  ///< satisfied: 1..5
    std::string note;
    std::string by;
    std::optional<TimePoint> done_at;
};

/// One line of a case's history: every step, who took it and when.
struct CaseHistoryEntry {
    TimePoint at{};
    std::string by;     ///< "agent:alice", "rule:vip-repair", "customer", "system"
    std::string what;   ///< "opened", "stage", "quote", "quote_answer", "visit", ...
    std::string detail;
};

/// A clock of the case's current stage.
struct CaseClock {
    std::string milestone;
    std::string stage;
    TimePoint started_at{};
    TimePoint due_at{};
    bool breached = false;
    TimePoint warn_at{};  ///< supervisors are warned then (the stage's `warn_at` share)
    bool warned = false;
};

struct ServiceCase {
    std::int64_t id = 0;  ///< 0 until stored
    std::int64_t contact_id = 0;
    std::string type;
    std::string stage;
    std::string owner;  ///< agent id; empty: unassigned
    std::string channel;  ///< the channel instance customer notices go to
    std::vector<std::int64_t> conversations;  ///< the conversations it spans, first first
    std::optional<Product> product;
    WarrantyDecision warranty;
    std::optional<Quote> quote;
    /// "on_site" or "mail_in" once chosen.
    std::string repair_mode;
    std::vector<Visit> visits;
    std::vector<Shipment> shipments;
    std::vector<RepairRecord> repairs;
    std::vector<FollowUp> follow_ups;
    std::optional<CaseClock> clock;
    /// The earlier case of the same contact and product within the repeat window.
    std::optional<std::int64_t> repeat_of;
    std::string summary;  ///< required to close a complaint
    std::string description;
    std::vector<CaseHistoryEntry> history;
    TimePoint opened_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> closed_at;
};

/// What a new case is opened from.
struct CaseOpening {
    std::string type;
    std::int64_t contact_id = 0;
    std::optional<Product> product;
    std::string channel;
    std::optional<std::int64_t> conversation_id;
    std::string by;  ///< "agent:alice", "rule:<name>", "api:<key>"
    std::string owner;
    std::string description;
    std::vector<CaseRef> earlier;  ///< the contact's earlier cases
};

// ---- Commands ------------------------------------------------------------------------------

struct MoveStage {
    std::string to;
    std::string note;
    std::string summary;  ///< a complaint's closing summary
};
struct SetOwner {
    std::string owner;
};
struct ProposeQuote {
    std::vector<QuoteLine> parts;
    std::int64_t labour_cents = 0;
    std::string currency;  ///< empty: the configured one
};
struct AnswerQuote {
    bool accepted = false;
    std::string channel;  ///< how the customer answered
};
struct BookVisit {
    TimePoint slot_start{};
    TimePoint slot_end{};
    std::string address;
    std::string engineer;
    std::string area;  ///< optional: the engineer must serve it
};
struct RescheduleVisit {
    int visit = 0;
    TimePoint slot_start{};
    TimePoint slot_end{};
    std::string engineer;  ///< empty: the same engineer
    std::string reason;    ///< required
};
struct FinishVisit {
    int visit = 0;
    bool cancelled = false;  ///< false: done
};
struct RecordShipment {
    Shipment shipment;  ///< `at` is set to now
};
struct RecordRepair {
    RepairRecord record;  ///< `at` is set to now; `engineer` defaults to the caller
};
struct LinkConversation {
    std::int64_t conversation_id = 0;
};
struct RecordFollowUp {
    int follow_up = 0;
    std::string outcome;  ///< "reached", "not_reached", "satisfied", "complaint"
    std::optional<int> rating;
    std::string note;
};
/// A follow-up's work item was created (status "offered").
struct FollowUpOffered {
    int follow_up = 0;
    std::int64_t conversation_id = 0;
};
/// Something that happened elsewhere that policies react to: "resolved:<disposition>".
struct CaseTrigger {
    std::string on;
};
struct AddNote {
    std::string text;
};

using CaseCommand =
    std::variant<MoveStage, SetOwner, ProposeQuote, AnswerQuote, BookVisit, RescheduleVisit,
                 FinishVisit, RecordShipment, RecordRepair, LinkConversation, RecordFollowUp,
                 FollowUpOffered, CaseTrigger, AddNote>;

/// A template to send the customer on the case's channel, with its parameters.
struct CaseNotice {
    std::string template_id;
    std::vector<std::pair<std::string, std::string>> params;
};

/// What the daemon does besides storing the changed case.
struct CaseEffects {
    std::vector<CaseNotice> customer;  ///< replies to send
    /// Supervisor notices: (reason, detail), e.g. ("complaint_opened", "case 12: ...").
    std::vector<std::pair<std::string, std::string>> supervisors;
    /// A follow-up's outcome asks for a new complaint case.
    bool open_complaint = false;
    /// The stage clock breached: the case's live work is escalated as routing.yaml's
    /// `escalation:` says (a priority step up, waiting work to the breach queue).
    bool escalate = false;
};

/// The answer to a command: an error (nothing changed) or the effects.
struct CaseOutcome {
    std::string error;   ///< empty: applied; "invalid_transition", "quote_required", ...
    std::string reason;  ///< for people
    CaseEffects effects;

    bool ok() const { return error.empty(); }
};

/// The configuration a case is checked against: the `cases:` section and the compiled
/// business-hours calendars its stage clocks count in (null: every clock runs around the clock).
struct CaseRules {
    const CasesConfig* config = nullptr;
    const std::map<std::string, BusinessHours>* calendars = nullptr;
    /// Whether supervisors hear of warnings and breaches (null: they hear of both).
    const EscalationPolicy* escalation = nullptr;
};

/// The warranty of `product` on the UTC date of `now`: its own `warranty_until` when set, else
/// purchase date + the SKU's months (or the default months) - 1 day; unknown without either.
WarrantyDecision decideWarranty(const CasesConfig& config, const Product& product, TimePoint now);

/// The earlier case the new one repeats (same product SKU, and the same serial when both name
/// one, opened within the repeat window before `now`), the most recent one; none without a
/// product.
std::optional<std::int64_t> findRepeat(const CasesConfig& config,
                                       const std::vector<CaseRef>& earlier,
                                       const std::optional<Product>& product, TimePoint now);

/// Opens a case (id 0): checks the type, decides warranty, flags a repeat, enters the type's
/// first stage (its clock, its template, its follow-ups), notifies supervisors of a complaint.
/// Error "unknown_type" leaves `out` untouched.
CaseOutcome openCase(const CaseRules& rules, const CaseOpening& opening, TimePoint now,
                     ServiceCase& out);

/// Applies one command by `by` ("agent:alice"); on error the case is unchanged. Every change
/// appends a history entry and sets updated_at.
CaseOutcome applyCase(const CaseRules& rules, ServiceCase& c, const CaseCommand& command,
                      const std::string& by, TimePoint now);

/// The ids of follow-ups that are due at `now` (status "scheduled", due_at <= now).
std::vector<int> dueFollowUps(const ServiceCase& c, TimePoint now);

/// When the case next needs the timer: a scheduled follow-up falls due, its stage clock reaches
/// the warning point (not yet warned) or breaches (not yet breached); none when nothing is
/// pending.
std::optional<TimePoint> nextCaseWakeup(const ServiceCase& c);

/// Time passes: marks the stage clock warned at its warning point ("sla_warning" in the
/// history, supervisor notice "case_sla_warning") and breached when due ("sla_breach",
/// "case_sla_breach", and the case's work escalated), each once. `changed` tells whether the
/// case must be stored.
CaseOutcome tickCase(const CaseRules& rules, ServiceCase& c, TimePoint now, bool& changed);

}  // namespace ccd::routing
