// SLA clocks and timers: deadlines started and met, warnings, breaches and their escalation,
// follow-ups and closing, the waiting rules, the tick.
#include "routing/engine_impl.hpp"

#include <algorithm>
#include <chrono>

namespace ccd::routing {

std::vector<SlaDeadline> Engine::Impl::startDeadlines(const std::string& policy,
                                                      TimePoint now) const {
    auto it = cfg->sla_policies.find(policy);
    if (it == cfg->sla_policies.end()) return {};
    const BusinessHours* hours = nullptr;
    if (it->second.calendar) {
        auto c = calendars.find(*it->second.calendar);
        if (c != calendars.end()) hours = &c->second;
    }
    return startClocks(it->second.policy, now, hours).value_or(std::vector<SlaDeadline>{});
}

void Engine::Impl::scheduleClocks(Conv& c) {
    for (const auto& d : c.snap.deadlines) {
        if (d.met_at) continue;
        timers.emplace(d.warn_at, Timer{c.snap.id, TimerKind::SlaWarn, d.milestone, d.due_at});
        timers.emplace(d.due_at, Timer{c.snap.id, TimerKind::SlaBreach, d.milestone, d.due_at});
    }
}

SlaDeadline* Engine::Impl::deadline(Conv& c, Milestone m) {
    for (auto& d : c.snap.deadlines) {
        if (d.milestone == m) return &d;
    }
    return nullptr;
}

void Engine::Impl::meet(std::vector<Action>& out, Conv& c, Milestone m, TimePoint now) {
    SlaDeadline* d = deadline(c, m);
    if (!d || d->met_at) return;
    markMet(*d, now);
    touch(c.snap.id);
    out.push_back(MilestoneMet{c.snap.id, m, now, now > d->due_at});
}

void Engine::Impl::fireTimers(TimePoint now, std::vector<Action>& out) {
    while (!timers.empty() && timers.begin()->first <= now) {
        Timer t = timers.begin()->second;
        timers.erase(timers.begin());
        auto it = convs.find(t.conversation_id);
        if (it == convs.end()) continue;
        Conv& c = it->second;
        switch (t.kind) {
            case TimerKind::SlaWarn:
            case TimerKind::SlaBreach: {
                if (c.stage == Stage::Resolved || c.stage == Stage::SelfService) break;
                SlaDeadline* d = deadline(c, t.milestone);
                if (!d || d->met_at || d->due_at != t.due) break;  // met or restarted
                bool breach = t.kind == TimerKind::SlaBreach;
                std::optional<std::string> holder;
                if (c.stage == Stage::Assigned) holder = c.snap.agent;
                out.push_back(SlaAlert{c.snap.id, t.milestone, d->due_at, breach, holder});
                const EscalationPolicy& esc = cfg->escalation;
                if (!breach) {
                    if (esc.notify_on_warning)
                        out.push_back(SupervisorNotice{c.snap.id, "sla_warning",
                                                       std::string(toString(t.milestone))});
                    break;
                }
                if (esc.notify_on_breach)
                    out.push_back(SupervisorNotice{c.snap.id, "sla_breach",
                                                   std::string(toString(t.milestone))});
                std::optional<std::string> queue;
                if (c.stage == Stage::Waiting && esc.breach_queue) queue = esc.breach_queue;
                if (esc.raise_priority_by > 0 || queue)
                    changePriority(out, c, c.snap.priority - esc.raise_priority_by,
                                   "sla_breach", now, queue);
                if (t.milestone == Milestone::FirstResponse && !c.breach_apology_sent &&
                    cfg->auto_replies.on_sla_breach) {
                    c.breach_apology_sent = true;
                    autoReply(out, c, 0, *cfg->auto_replies.on_sla_breach, "sla_breach", now);
                }
                break;
            }
            case TimerKind::FollowUp:
                if (c.stage == Stage::Resolved && c.snap.resolved_at &&
                    *c.snap.resolved_at == t.due && cfg->auto_replies.follow_up)
                    autoReply(out, c, 0, *cfg->auto_replies.follow_up, "follow_up", now);
                break;
            case TimerKind::Close:
                if (c.stage == Stage::Resolved && c.snap.resolved_at &&
                    *c.snap.resolved_at == t.due) {
                    out.push_back(ConversationClosed{c.snap.id});
                    changed.erase(c.snap.id);
                    convs.erase(it);
                }
                break;
        }
    }
}

void Engine::Impl::onWaitingRules(TimePoint now, std::vector<Action>& out) {
    if (!rules->hasWaitingRules()) return;
    // No waiting rule matches a conversation that has waited less than the shortest wait any
    // of them asks for: those (most, under a burst) are passed over without evaluating rules.
    std::optional<std::chrono::milliseconds> shortest;
    for (const auto& rule : rules->rules()) {
        if (rule.when.waiting_at_least && (!shortest || *rule.when.waiting_at_least < *shortest))
            shortest = rule.when.waiting_at_least;
    }
    Classification cls;  // one for all: its strings keep their storage from one to the next
    cls.confidence = 1.0;
    for (auto& [id, c] : convs) {
        if (c.stage != Stage::Waiting) continue;
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
            now - std::max(c.snap.queued_at, c.snap.opened_at));
        if (shortest && waited < *shortest) continue;
        cls.category = c.snap.category;
        cls.subtype = c.snap.subtype;
        cls.language = c.snap.language;
        RuleInput in;
        in.channel = c.snap.channel;
        in.classification = &cls;
        in.new_conversation = false;
        in.waited = waited;
        in.now = now;
        RuleOutcome o = rules->evaluate(in, /*waiting_only=*/true);
        if (o.matched.empty()) continue;
        int to = o.priority ? std::min(*o.priority, c.snap.priority) : c.snap.priority;
        changePriority(out, c, to, "waiting_rule:" + o.matched.front(), now, o.queue);
    }
}

void Engine::Impl::onTick(TimePoint now, std::vector<Action>& out) {
    fireTimers(now, out);
    endWrapUps(now, out);
    releaseHeld(now, out);
    onWaitingRules(now, out);
    // Reservations for preferred agents that ended: the work is anyone's now.
    reservations.erase(reservations.begin(), reservations.upper_bound(now));
    dispatch(out, now);
}

std::optional<TimePoint> Engine::nextWakeup() const {
    std::optional<TimePoint> next;
    if (!impl_->timers.empty()) next = impl_->timers.begin()->first;
    if (!impl_->offers_by_expiry.empty()) {
        auto first = impl_->offers_by_expiry.begin()->first;
        if (!next || first < *next) next = first;
    }
    if (!impl_->wrap_ups.empty()) {
        auto first = impl_->wrap_ups.begin()->first;
        if (!next || first < *next) next = first;
    }
    if (!impl_->reservations.empty()) {
        auto first = *impl_->reservations.begin();
        if (!next || first < *next) next = first;
    }
    if (!impl_->held_until.empty()) {
        auto first = impl_->held_until.begin()->first;
        if (!next || first < *next) next = first;
    }
    return next;
}

}  // namespace ccd::routing
