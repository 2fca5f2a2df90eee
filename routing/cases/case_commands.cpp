// applyCase: one CaseCommand checked against the configuration and applied to a copy of the
// case, which replaces the case only when the command succeeds.

#include <algorithm>
#include <cstdio>

#include "routing/cases/case_dates.hpp"
#include "routing/cases/case_steps.hpp"
#include "routing/cases/service_case.hpp"

namespace ccd::routing {
namespace {

using cases_detail::caseName;

std::string money(std::int64_t cents) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(cents / 100),
                  static_cast<long long>(cents % 100));
    return buf;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

bool isTerminal(const CasesConfig& config, const std::string& stage) {
    const CaseStageDef* def = config.stage(stage);
    return def && def->terminal;
}

std::vector<std::pair<std::string, std::string>> visitParams(const Visit& v) {
    return {{"visit_start", isoUtc(v.slot_start)},
            {"visit_end", isoUtc(v.slot_end)},
            {"engineer", v.engineer},
            {"visit_address", v.address},
            {"visit_id", std::to_string(v.id)}};
}

/// Applies one command to `c` (a copy). Each operator() returns false after fail(); on success
/// it sets `what` and `detail` for the history, or `unchanged` when there was nothing to do.
struct Apply {
    const CaseRules& rules;
    const CasesConfig& config;
    ServiceCase& c;
    const std::string& by;
    TimePoint now;
    CaseOutcome& outcome;
    std::string what;
    std::string detail;
    bool unchanged = false;

    bool fail(std::string error, std::string reason) {
        outcome.error = std::move(error);
        outcome.reason = std::move(reason);
        return false;
    }

    bool closed() const { return isTerminal(config, c.stage); }

    Visit* visit(int id) {
        for (auto& v : c.visits) {
            if (v.id == id) return &v;
        }
        return nullptr;
    }

    FollowUp* followUp(int id) {
        for (auto& f : c.follow_ups) {
            if (f.id == id) return &f;
        }
        return nullptr;
    }

    bool operator()(const MoveStage& m) {
        const CaseStageDef* to = config.stage(m.to);
        if (!to) return fail("unknown_stage", "no stage \"" + m.to + "\"");
        const CaseStageDef* from = config.stage(c.stage);
        if (from && from->terminal)
            return fail("case_closed", caseName(c) + " is " + c.stage + ": it does not move");
        // A stage no longer configured (after a reload) may move anywhere: the case is not stuck.
        if (from && std::find(from->next.begin(), from->next.end(), m.to) == from->next.end())
            return fail("invalid_transition",
                        "from " + c.stage + " a case moves to: " + joined(from->next));
        if (to->needs_agreement && !c.warranty.in_warranty &&
            !(c.quote && c.quote->status == "accepted"))
            return fail("quote_required",
                        "out of warranty: the customer must accept a quote before " + to->name);
        if (!m.summary.empty()) c.summary = m.summary;
        const CaseTypeDef* type = config.type(c.type);
        if (to->needs_summary && type && type->complaint && c.summary.empty())
            return fail("summary_required", "a complaint is closed with a summary");
        const std::string previous = c.stage;
        cases_detail::enterStage(rules, c, *to, now, outcome.effects);
        if (to->terminal) c.closed_at = now;
        what = "stage";
        detail = previous + " -> " + to->name + (m.note.empty() ? "" : ": " + m.note);
        return true;
    }

    bool operator()(const SetOwner& s) {
        c.owner = s.owner;
        what = "owner";
        detail = s.owner.empty() ? "unassigned" : s.owner;
        return true;
    }

    bool operator()(const ProposeQuote& q) {
        if (closed()) return fail("case_closed", caseName(c) + " is " + c.stage);
        if (c.warranty.in_warranty)
            return fail("not_needed", "in warranty until " + c.warranty.until.value_or("?") +
                                          ": the repair is free");
        if (c.quote && c.quote->status == "accepted")
            return fail("quote_accepted", "the customer already accepted a quote");
        if (q.parts.empty() && q.labour_cents == 0)
            return fail("empty_quote", "a quote names parts or labour");
        if (q.labour_cents < 0) return fail("invalid_quote", "labour cannot cost less than 0");
        for (const auto& line : q.parts) {
            if (line.quantity < 1 || line.unit_price_cents < 0)
                return fail("invalid_quote",
                            "each line needs a quantity of at least 1 and a price of 0 or more");
        }
        Quote quote;
        quote.parts = q.parts;
        quote.labour_cents = q.labour_cents;
        quote.currency = q.currency.empty() ? config.currency : q.currency;
        quote.proposed_at = now;
        quote.proposed_by = by;
        const std::string total = money(quote.totalCents());
        if (config.quote_template) {
            outcome.effects.customer.push_back(CaseNotice{
                *config.quote_template, {{"quote_total", total}, {"currency", quote.currency}}});
        }
        what = "quote";
        detail = total + " " + quote.currency + (c.quote ? " (replaces the earlier quote)" : "");
        c.quote = std::move(quote);
        return true;
    }

    bool operator()(const AnswerQuote& a) {
        if (closed()) return fail("case_closed", caseName(c) + " is " + c.stage);
        if (!c.quote) return fail("no_quote", "no quote was proposed");
        if (c.quote->status != "proposed")
            return fail("quote_answered", "the quote was already " + c.quote->status);
        if (a.channel.empty()) return fail("channel_required", "say how the customer answered");
        c.quote->status = a.accepted ? "accepted" : "declined";
        c.quote->answered_at = now;
        c.quote->answer_channel = a.channel;
        what = "quote_answer";
        detail = c.quote->status + " via " + a.channel;
        return true;
    }

    bool operator()(const BookVisit& b) {
        if (closed()) return fail("case_closed", caseName(c) + " is " + c.stage);
        if (b.slot_end <= b.slot_start) return fail("invalid_slot", "a slot ends after it starts");
        if (b.engineer.empty() || b.address.empty())
            return fail("invalid_visit", "a visit needs an engineer and an address");
        Visit v;
        v.id = static_cast<int>(c.visits.size()) + 1;
        v.slot_start = b.slot_start;
        v.slot_end = b.slot_end;
        v.address = b.address;
        v.area = b.area;
        v.engineer = b.engineer;
        c.repair_mode = "on_site";
        if (config.visit_template)
            outcome.effects.customer.push_back(CaseNotice{*config.visit_template, visitParams(v)});
        what = "visit";
        detail = "visit " + std::to_string(v.id) + " booked: " + isoUtc(v.slot_start) + " - " +
                 isoUtc(v.slot_end) + ", " + v.engineer;
        c.visits.push_back(std::move(v));
        return true;
    }

    bool operator()(const RescheduleVisit& r) {
        if (closed()) return fail("case_closed", caseName(c) + " is " + c.stage);
        Visit* v = visit(r.visit);
        if (!v) return fail("unknown_visit", "no visit " + std::to_string(r.visit));
        if (v->status != "booked") return fail("visit_finished", "the visit is " + v->status);
        if (r.reason.empty()) return fail("reason_required", "say why the visit moves");
        if (r.slot_end <= r.slot_start) return fail("invalid_slot", "a slot ends after it starts");
        v->changes.push_back(
            VisitChange{now, by, v->slot_start, v->slot_end, v->engineer, r.reason});
        v->slot_start = r.slot_start;
        v->slot_end = r.slot_end;
        if (!r.engineer.empty()) v->engineer = r.engineer;
        if (config.visit_changed_template) {
            auto params = visitParams(*v);
            params.emplace_back("change_reason", r.reason);
            outcome.effects.customer.push_back(
                CaseNotice{*config.visit_changed_template, std::move(params)});
        }
        what = "visit";
        detail = "visit " + std::to_string(v->id) + " moved to " + isoUtc(v->slot_start) + " - " +
                 isoUtc(v->slot_end) + ", " + v->engineer + ": " + r.reason;
        return true;
    }

    bool operator()(const FinishVisit& f) {
        Visit* v = visit(f.visit);
        if (!v) return fail("unknown_visit", "no visit " + std::to_string(f.visit));
        if (v->status != "booked") return fail("visit_finished", "the visit is " + v->status);
        v->status = f.cancelled ? "cancelled" : "done";
        what = "visit";
        detail = "visit " + std::to_string(v->id) + " " + v->status;
        return true;
    }

    bool operator()(const RecordShipment& s) {
        const Shipment& in = s.shipment;
        if (in.direction != "inbound" && in.direction != "outbound")
            return fail("invalid_shipment", "a shipment is inbound or outbound");
        if (in.tracking.empty()) return fail("invalid_shipment", "a shipment needs its tracking");
        Shipment shipment = in;
        shipment.at = now;
        if (c.repair_mode.empty()) c.repair_mode = "mail_in";
        what = "shipment";
        detail = shipment.direction + " " +
                 (shipment.carrier.empty() ? "" : shipment.carrier + " ") + shipment.tracking;
        c.shipments.push_back(std::move(shipment));
        return true;
    }

    bool operator()(const RecordRepair& r) {
        const RepairRecord& in = r.record;
        if (in.fault_found.empty() || in.result.empty())
            return fail("invalid_repair", "a repair record names the fault found and the result");
        for (const auto& part : in.parts) {
            if (part.part_number.empty() || part.quantity < 1)
                return fail("invalid_repair", "each part used needs its number and a quantity");
        }
        RepairRecord record = in;
        record.at = now;
        if (record.engineer.empty())
            record.engineer = by.rfind("agent:", 0) == 0 ? by.substr(6) : by;
        what = "repair";
        detail = record.result + ": " + record.fault_found;
        c.repairs.push_back(std::move(record));
        return true;
    }

    bool operator()(const LinkConversation& l) {
        if (l.conversation_id <= 0)
            return fail("invalid_conversation", "a conversation id is a positive number");
        auto& list = c.conversations;
        if (std::find(list.begin(), list.end(), l.conversation_id) != list.end()) {
            unchanged = true;
            return true;
        }
        list.push_back(l.conversation_id);
        what = "conversation";
        detail = "linked conversation " + std::to_string(l.conversation_id);
        return true;
    }

    bool operator()(const RecordFollowUp& r) {
        FollowUp* f = followUp(r.follow_up);
        if (!f) return fail("unknown_follow_up", "no follow-up " + std::to_string(r.follow_up));
        if (f->status == "done" || f->status == "cancelled")
            return fail("follow_up_done", "the follow-up is " + f->status);
        static const char* kOutcomes[] = {"reached", "not_reached", "satisfied", "complaint"};
        if (std::find(std::begin(kOutcomes), std::end(kOutcomes), r.outcome) == std::end(kOutcomes))
            return fail("invalid_outcome",
                        "a follow-up's outcome is reached, not_reached, satisfied or complaint");
        if (r.outcome == "satisfied" && (!r.rating || *r.rating < 1 || *r.rating > 5))
            return fail("rating_required", "a satisfied customer's rating is 1 to 5");
        f->status = "done";
        f->outcome = r.outcome;
        if (r.outcome == "satisfied") f->rating = r.rating;
        f->note = r.note;
        f->by = by;
        f->done_at = now;
        const int id = f->id;
        const std::string policy_name = f->policy;
        detail = policy_name + " #" + std::to_string(id) + ": " + r.outcome;
        if (r.outcome == "satisfied") detail += " (rating " + std::to_string(*r.rating) + ")";
        if (r.outcome == "not_reached") {
            const FollowUpPolicy* policy = nullptr;
            for (const auto& p : config.follow_ups) {
                if (p.name == policy_name) policy = &p;
            }
            // A policy no longer configured is not tried again.
            if (policy && f->attempt < policy->max_attempts) {
                FollowUp retry;
                retry.id = static_cast<int>(c.follow_ups.size()) + 1;
                retry.policy = f->policy;
                retry.kind = f->kind;
                retry.queue = f->queue;
                retry.priority = f->priority;
                retry.attempt = f->attempt + 1;
                retry.due_at = now + policy->retry_after;
                detail +=
                    "; attempt " + std::to_string(retry.attempt) + " at " + isoUtc(retry.due_at);
                c.follow_ups.push_back(std::move(retry));  // invalidates f
            } else {
                detail += "; no more attempts";
            }
        } else if (r.outcome == "complaint") {
            outcome.effects.open_complaint = true;
        } else if (r.outcome == "satisfied" && *r.rating <= 2) {
            outcome.effects.supervisors.emplace_back(
                "low_rating", caseName(c) + ": follow-up " + policy_name + " rated " +
                                  std::to_string(*r.rating) +
                                  (r.note.empty() ? "" : ": " + r.note));
        }
        what = "follow_up";
        return true;
    }

    bool operator()(const FollowUpOffered& o) {
        FollowUp* f = followUp(o.follow_up);
        if (!f) return fail("unknown_follow_up", "no follow-up " + std::to_string(o.follow_up));
        if (f->status == "done" || f->status == "cancelled")
            return fail("follow_up_done", "the follow-up is " + f->status);
        f->status = "offered";
        f->conversation_id = o.conversation_id;
        what = "follow_up_offered";
        detail = f->policy + " #" + std::to_string(f->id) + " offered as conversation " +
                 std::to_string(o.conversation_id);
        return true;
    }

    bool operator()(const CaseTrigger& t) {
        auto scheduled = cases_detail::scheduleFollowUps(config, c, t.on, now);
        if (scheduled.empty()) {
            unchanged = true;
            return true;
        }
        what = "follow_up_scheduled";
        detail = t.on + ": " + joined(scheduled);
        return true;
    }

    bool operator()(const AddNote& n) {
        if (n.text.empty()) return fail("note_required", "a note needs its text");
        what = "note";
        detail = n.text;
        return true;
    }
};

}  // namespace

CaseOutcome applyCase(const CaseRules& rules, ServiceCase& c, const CaseCommand& command,
                      const std::string& by, TimePoint now) {
    CaseOutcome outcome;
    if (!rules.config) {
        outcome.error = "not_configured";
        outcome.reason = "no cases are configured";
        return outcome;
    }
    ServiceCase next = c;
    Apply apply{rules, *rules.config, next, by, now, outcome, {}, {}, false};
    if (!std::visit(apply, command)) {
        outcome.effects = CaseEffects{};
        return outcome;
    }
    if (apply.unchanged) return outcome;
    next.history.push_back(CaseHistoryEntry{now, by, apply.what, apply.detail});
    next.updated_at = now;
    c = std::move(next);
    return outcome;
}

}  // namespace ccd::routing
