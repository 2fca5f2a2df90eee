// Service cases as the engine sees them: a rule's `open_case` becomes a request to the daemon,
// `prefer_agent: account_manager` reserves new work for the contact's account manager, and a
// case's follow-up, when due, is queued and offered like a conversation.
#include <algorithm>

#include "routing/engine_impl.hpp"

namespace ccd::routing {

void Engine::Impl::requestCase(std::vector<Action>& out, const Conv& c, const Triage& t,
                               const ContactProfile& contact) const {
    if (!t.outcome.open_case) return;
    const std::string& type = *t.outcome.open_case;
    for (const auto& ref : contact.cases) {
        if (ref.open && ref.type == type) return;  // that case goes on; no second one
    }
    out.push_back(CaseRequested{c.snap.id, contact.id, type, t.outcome.open_case_rule});
}

void Engine::Impl::enqueueRouted(std::vector<Action>& out, Conv& c, const Triage& t,
                                 const ContactProfile& contact, TimePoint queued_at,
                                 TimePoint now) {
    if (t.outcome.prefer_agent && *t.outcome.prefer_agent == "account_manager" &&
        contact.account_manager && !contact.account_manager->empty()) {
        const TimePoint until = now + cfg->cases.account_manager_wait;
        reservations.insert(until);
        enqueue(out, c, queued_at, "routed", contact.account_manager, now, until);
        return;
    }
    enqueue(out, c, queued_at, "routed", contact.last_agent, now);
}

void Engine::Impl::onWorkCreated(const WorkCreated& e, TimePoint now, std::vector<Action>& out) {
    auto add = [](std::vector<std::string>& tags, const std::vector<std::string>& more) {
        for (const auto& t : more)
            if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
    };
    if (auto it = convs.find(e.conversation_id); it != convs.end()) {
        // The customer's conversation on that channel is still open: the follow-up is worked
        // in it. Finished work comes back to the queue; live work stays with whoever has it.
        Conv& conv = it->second;
        for (const auto& [k, v] : e.attributes) conv.snap.attributes[k] = v;
        add(conv.snap.tags, e.tags);
        touch(conv.snap.id);
        if (conv.stage != Stage::Resolved && conv.stage != Stage::SelfService) return;
        conv.snap.queue = knownQueue(e.queue) ? e.queue : cfg->defaults.queue;
        conv.snap.priority = std::clamp(e.priority, 1, 4);
        conv.snap.resolved_at.reset();
        conv.snap.handoff = true;
        conv.survey_sent = false;
        enqueue(out, conv, now, e.reason, e.preferred_agent, now);
        dispatch(out, now);
        return;
    }
    Conv c;
    c.snap.id = e.conversation_id;
    c.snap.contact_id = e.contact_id;
    c.snap.channel = e.channel;
    c.snap.channel_instance = e.channel_instance;
    c.snap.language = e.language;
    c.snap.locale = e.locale;
    c.snap.category = "other";
    c.snap.priority = std::clamp(e.priority, 1, 4);
    c.snap.queue = knownQueue(e.queue) ? e.queue : cfg->defaults.queue;
    c.snap.opened_at = now;
    c.snap.attributes = e.attributes;
    c.snap.tags = e.tags;
    c.snap.handoff = true;
    auto [pos, inserted] = convs.emplace(c.snap.id, std::move(c));
    (void)inserted;
    Conv& conv = pos->second;
    touch(conv.snap.id);
    Triage t;
    t.classification.category = "other";
    t.priority = conv.snap.priority;
    t.queue = conv.snap.queue;
    t.outcome.tags = conv.snap.tags;
    t.outcome.matched.push_back(e.reason);
    out.push_back(routed(conv, 0, t));
    enqueue(out, conv, now, e.reason, e.preferred_agent, now);
    dispatch(out, now);
}

void Engine::Impl::onCaseNotified(const CaseNotified& e, TimePoint now,
                                  std::vector<Action>& out) {
    const std::string reason = "case:" + std::to_string(e.case_id);
    if (e.conversation_id != 0) {
        std::string locale = e.locale;
        if (auto it = convs.find(e.conversation_id); it != convs.end())
            locale = it->second.snap.locale;
        for (const auto& [tpl, params] : e.customer)
            out.push_back(AutoReply{e.conversation_id, 0, tpl, reason, locale, params});
    }
    for (const auto& [why, detail] : e.supervisors)
        out.push_back(SupervisorNotice{e.conversation_id, why, detail});
    // A breached stage clock: the case's live work gets what a breached conversation clock
    // gets (finished conversations are left alone).
    const EscalationPolicy& esc = cfg->escalation;
    for (std::int64_t id : e.escalate) {
        auto it = convs.find(id);
        if (it == convs.end()) continue;
        Conv& c = it->second;
        if (c.stage == Stage::Resolved || c.stage == Stage::SelfService) continue;
        std::optional<std::string> queue;
        if (c.stage == Stage::Waiting && esc.breach_queue) queue = esc.breach_queue;
        if (esc.raise_priority_by > 0 || queue)
            changePriority(out, c, c.snap.priority - esc.raise_priority_by, "case_sla_breach", now,
                           queue);
    }
    if (!e.escalate.empty()) dispatch(out, now);
}

}  // namespace ccd::routing
