#include "routing/cases/service_case.hpp"

#include <algorithm>

#include "routing/cases/case_dates.hpp"
#include "routing/cases/case_steps.hpp"
#include "routing/routing_config.hpp"

namespace ccd::routing {

std::int64_t Quote::totalCents() const {
    std::int64_t total = labour_cents;
    for (const auto& line : parts) total += line.unit_price_cents * line.quantity;
    return total;
}

namespace cases_detail {

std::string caseName(const ServiceCase& c) {
    return c.id > 0 ? "case " + std::to_string(c.id) : std::string("new case");
}

void enterStage(const CaseRules& rules, ServiceCase& c, const CaseStageDef& stage, TimePoint now,
                CaseEffects& effects) {
    c.stage = stage.name;
    if (stage.within) {
        CaseClock clock;
        clock.milestone = stage.milestone.value_or(stage.name);
        clock.stage = stage.name;
        clock.started_at = now;
        const auto warn_after = std::chrono::duration_cast<std::chrono::milliseconds>(
            *stage.within * stage.warn_fraction);
        clock.due_at = now + *stage.within;
        clock.warn_at = now + warn_after;
        if (stage.calendar && rules.calendars) {
            auto cal = rules.calendars->find(*stage.calendar);
            if (cal != rules.calendars->end()) {
                // A calendar that never opens: fall back to round-the-clock time.
                if (auto due = cal->second.addBusinessTime(now, *stage.within)) clock.due_at = *due;
                if (auto warn = cal->second.addBusinessTime(now, warn_after)) clock.warn_at = *warn;
            }
        }
        c.clock = std::move(clock);
    } else {
        c.clock.reset();
    }
    if (stage.notify_template) {
        effects.customer.push_back(CaseNotice{*stage.notify_template, {{"stage", stage.label}}});
    }
    if (rules.config) scheduleFollowUps(*rules.config, c, "stage:" + stage.name, now);
}

std::vector<std::string> scheduleFollowUps(const CasesConfig& config, ServiceCase& c,
                                           const std::string& on, TimePoint now) {
    std::vector<std::string> scheduled;
    for (const auto& policy : config.follow_ups) {
        if (policy.on != on) continue;
        if (!policy.types.empty() && !policy.types.count(c.type)) continue;
        bool pending =
            std::any_of(c.follow_ups.begin(), c.follow_ups.end(), [&](const FollowUp& f) {
                return f.policy == policy.name &&
                       (f.status == "scheduled" || f.status == "offered");
            });
        if (pending) continue;
        FollowUp f;
        f.id = static_cast<int>(c.follow_ups.size()) + 1;
        f.policy = policy.name;
        f.kind = policy.kind;
        f.queue = policy.queue;
        f.priority = policy.priority;
        f.due_at = now + policy.after;
        f.attempt = 1;
        c.follow_ups.push_back(std::move(f));
        scheduled.push_back(policy.name);
    }
    return scheduled;
}

}  // namespace cases_detail

WarrantyDecision decideWarranty(const CasesConfig& config, const Product& product, TimePoint now) {
    WarrantyDecision out;
    const std::string today = formatCivilDate(utcCivilDate(now));
    // Dates are "YYYY-MM-DD": their string order is their calendar order.
    const bool purchased_by_today = !product.purchased_on || *product.purchased_on <= today;
    if (product.warranty_until) {
        out.basis = "warranty_until";
        out.until = *product.warranty_until;
        out.in_warranty = purchased_by_today && today <= *out.until;
        return out;
    }
    if (product.purchased_on) {
        if (auto purchased = parseCivilDate(*product.purchased_on)) {
            int months = config.warranty_months;
            auto by_sku = config.warranty_months_by_sku.find(product.sku);
            if (by_sku != config.warranty_months_by_sku.end()) months = by_sku->second;
            out.basis = "purchase_date";
            out.until = formatCivilDate(addDays(addCalendarMonths(*purchased, months), -1));
            out.in_warranty = purchased_by_today && today <= *out.until;
            return out;
        }
    }
    return out;  // unknown: no date to count from (or a malformed one)
}

std::optional<std::int64_t> findRepeat(const CasesConfig& config,
                                       const std::vector<CaseRef>& earlier,
                                       const std::optional<Product>& product, TimePoint now) {
    if (!product || product->sku.empty()) return std::nullopt;
    const CaseRef* best = nullptr;
    for (const auto& ref : earlier) {
        if (ref.product_sku != product->sku) continue;
        if (ref.product_serial && product->serial && *ref.product_serial != *product->serial)
            continue;
        if (ref.opened_at > now || now - ref.opened_at > config.repeat_window) continue;
        if (!best || ref.opened_at > best->opened_at) best = &ref;
    }
    if (!best) return std::nullopt;
    return best->id;
}

CaseOutcome openCase(const CaseRules& rules, const CaseOpening& opening, TimePoint now,
                     ServiceCase& out) {
    CaseOutcome outcome;
    if (!rules.config) {
        outcome.error = "unknown_type";
        outcome.reason = "no case types are configured";
        return outcome;
    }
    const CasesConfig& config = *rules.config;
    const CaseTypeDef* type = config.type(opening.type);
    const std::string first =
        type && !type->initial_stage.empty() ? type->initial_stage : config.initial_stage;
    const CaseStageDef* stage = config.stage(first);
    if (!type || !stage) {
        std::string known;
        for (const auto& t : config.types) known += (known.empty() ? "" : ", ") + t.name;
        outcome.error = "unknown_type";
        outcome.reason = !type ? "no case type \"" + opening.type +
                                     "\" (known: " + (known.empty() ? "none" : known) + ")"
                               : "the first stage \"" + first + "\" is not configured";
        return outcome;
    }
    ServiceCase c;
    c.type = type->name;
    c.contact_id = opening.contact_id;
    c.product = opening.product;
    c.channel = opening.channel;
    if (opening.conversation_id) c.conversations.push_back(*opening.conversation_id);
    if (opening.product) c.warranty = decideWarranty(config, *opening.product, now);
    c.repeat_of = findRepeat(config, opening.earlier, opening.product, now);
    c.owner = !type->owner.empty() ? type->owner : opening.owner;
    c.description = opening.description;
    c.opened_at = now;
    c.updated_at = now;

    std::string detail = type->name;
    if (c.repeat_of) detail += ", repeat of case " + std::to_string(*c.repeat_of);
    if (c.product) {
        if (c.warranty.in_warranty)
            detail += ", in warranty until " + c.warranty.until.value_or("?");
        else if (c.warranty.until)
            detail += ", out of warranty";
        else
            detail += ", warranty unknown";
    }
    c.history.push_back(CaseHistoryEntry{now, opening.by, "opened", detail});
    cases_detail::enterStage(rules, c, *stage, now, outcome.effects);
    if (type->complaint) {
        outcome.effects.supervisors.emplace_back(
            "complaint_opened", "complaint opened (" + type->label + "), owner " +
                                    (c.owner.empty() ? std::string("nobody") : c.owner) + ": " +
                                    c.description);
    }
    out = std::move(c);
    return outcome;
}

std::vector<int> dueFollowUps(const ServiceCase& c, TimePoint now) {
    std::vector<int> due;
    for (const auto& f : c.follow_ups) {
        if (f.status == "scheduled" && f.due_at <= now) due.push_back(f.id);
    }
    return due;
}

std::optional<TimePoint> nextCaseWakeup(const ServiceCase& c) {
    std::optional<TimePoint> next;
    auto consider = [&](TimePoint t) {
        if (!next || t < *next) next = t;
    };
    for (const auto& f : c.follow_ups) {
        if (f.status == "scheduled") consider(f.due_at);
    }
    if (c.clock && !c.clock->breached) consider(c.clock->warned ? c.clock->due_at : c.clock->warn_at);
    return next;
}

CaseOutcome tickCase(const CaseRules& rules, ServiceCase& c, TimePoint now, bool& changed) {
    CaseOutcome outcome;
    changed = false;
    if (!c.clock || c.clock->breached) return outcome;
    CaseClock& clock = *c.clock;
    const bool warn = !clock.warned && clock.warn_at <= now && clock.due_at > now;
    const bool breach = clock.due_at <= now;
    if (!warn && !breach) return outcome;
    clock.warned = true;  // a breach needs no warning any more
    clock.breached = breach;
    c.updated_at = now;
    changed = true;
    const std::string detail = clock.milestone + (breach ? " was due at " : " is due at ") + isoUtc(clock.due_at) +
                               " (stage " + clock.stage + ")";
    const bool notify = !rules.escalation || (breach ? rules.escalation->notify_on_breach
                                                     : rules.escalation->notify_on_warning);
    const std::string what = breach ? "sla_breach" : "sla_warning";
    c.history.push_back(CaseHistoryEntry{now, "system", what, detail});
    if (notify)
        outcome.effects.supervisors.emplace_back("case_" + what,
                                                 cases_detail::caseName(c) + ": " + detail);
    outcome.effects.escalate = breach;
    return outcome;
}

}  // namespace ccd::routing
