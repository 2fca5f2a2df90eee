// Queueing, offers and the agents' actions: accept or decline, reply, transfer, resolve, and
// an agent whose connection is lost.
#include "routing/engine_impl.hpp"

#include <algorithm>

namespace ccd::routing {

void Engine::Impl::enqueue(std::vector<Action>& out, Conv& c, TimePoint queued_at,
                           const std::string& reason, std::optional<std::string> preferred,
                           std::optional<TimePoint> since,
                           std::optional<TimePoint> reserved_until) {
    c.waiting_since = since.value_or(queued_at);
    dispatcher->enqueue(workOf(c, queued_at, std::move(preferred), reserved_until));
    c.stage = Stage::Waiting;
    c.offered_to.clear();
    c.snap.queued_at = queued_at;
    touch(c.snap.id);
    out.push_back(Queued{c.snap.id, c.snap.queue, c.snap.priority,
                         dispatcher->positionOf(c.snap.id).value_or(0), reason});
}

WorkItem Engine::Impl::workOf(const Conv& c, TimePoint queued_at,
                              std::optional<std::string> preferred,
                              std::optional<TimePoint> reserved_until) const {
    WorkItem w;
    w.conversation_id = c.snap.id;
    w.queue = c.snap.queue;
    w.priority = c.snap.priority;
    w.enqueued_at = queued_at;
    w.waiting_since = c.waiting_since;
    w.kind = kindOf(c);
    w.language = c.snap.language;
    w.preferred_agent = std::move(preferred);
    w.reserved_until = reserved_until;
    return w;
}

void Engine::Impl::dispatch(std::vector<Action>& out, TimePoint now) {
    // Offers past their timeout: the dispatcher takes them back in dispatch().
    while (!offers_by_expiry.empty() && offers_by_expiry.begin()->first <= now) {
        auto [expires, id] = *offers_by_expiry.begin();
        offers_by_expiry.erase(offers_by_expiry.begin());
        auto it = convs.find(id);
        if (it == convs.end()) continue;
        Conv& c = it->second;
        if (c.stage != Stage::Offered || c.offer_expires != expires) continue;
        out.push_back(OfferRevoked{id, c.offered_to, "timeout"});
        missedOffer(c.offered_to, id, now, out);
        c.stage = Stage::Waiting;
        c.offered_to.clear();
        touch(id);
    }
    for (const auto& offer : dispatcher->dispatch(now)) {
        auto it = convs.find(offer.conversation_id);
        if (it == convs.end()) continue;
        Conv& c = it->second;
        c.stage = Stage::Offered;
        c.offered_to = offer.agent_id;
        c.offer_expires = offer.expires_at;
        offers_by_expiry.emplace(offer.expires_at, c.snap.id);
        if (c.snap.queue != offer.queue) c.snap.queue = offer.queue;
        touch(c.snap.id);
        out.push_back(OfferMade{c.snap.id, offer.agent_id, offer.queue, c.snap.priority,
                                offer.expires_at});
    }
}

void Engine::Impl::changePriority(std::vector<Action>& out, Conv& c, int to,
                                  const std::string& reason, TimePoint now,
                                  std::optional<std::string> queue) {
    to = std::clamp(to, 1, 4);
    bool moves = queue && *queue != c.snap.queue && knownQueue(*queue);
    if (to == c.snap.priority && !moves) return;
    int from = c.snap.priority;
    c.snap.priority = to;
    if (moves) c.snap.queue = *queue;
    touch(c.snap.id);
    if (from != to) out.push_back(PriorityChanged{c.snap.id, from, to, reason});
    if (c.stage == Stage::Waiting) {
        // Its place in the queue depends on the priority: queue it again, same age.
        dispatcher->withdraw(c.snap.id);
        enqueue(out, c, c.snap.queued_at, "requeued", std::nullopt, c.waiting_since);
    }
    (void)now;
}

Engine::Impl::Conv* Engine::Impl::owned(std::int64_t id, const std::string& agent,
                                        std::vector<Action>& out, bool offered_ok) {
    auto it = convs.find(id);
    if (it == convs.end()) {
        out.push_back(Rejected{id, agent, "not_found", "no such conversation"});
        return nullptr;
    }
    Conv& c = it->second;
    bool mine = (c.stage == Stage::Assigned && c.snap.agent == agent) ||
                (offered_ok && c.stage == Stage::Offered && c.offered_to == agent);
    if (!mine) {
        out.push_back(Rejected{id, agent, "not_assigned",
                               "the conversation is not assigned to " + agent});
        return nullptr;
    }
    return &c;
}

void Engine::Impl::onOfferAnswered(const OfferAnswered& e, TimePoint now,
                                   std::vector<Action>& out) {
    auto it = convs.find(e.conversation_id);
    if (it == convs.end() || it->second.stage != Stage::Offered ||
        it->second.offered_to != e.agent) {
        out.push_back(Rejected{e.conversation_id, e.agent, "not_offered",
                               "the conversation is not offered to " + e.agent});
        return;
    }
    Conv& c = it->second;
    if (now >= c.offer_expires) {
        out.push_back(Rejected{c.snap.id, e.agent, "offer_expired", "the offer has expired"});
        dispatch(out, now);
        return;
    }
    missed_in_a_row.erase(e.agent);  // an answer, yes or no
    if (e.accepted) {
        dispatcher->accept(c.snap.id, e.agent, now);
        c.stage = Stage::Assigned;
        c.snap.agent = e.agent;
        c.offered_to.clear();
        c.assigned_at = now;
        touch(c.snap.id);
        out.push_back(Assigned{c.snap.id, e.agent});
    } else {
        dispatcher->decline(c.snap.id, e.agent, now);
        c.stage = Stage::Waiting;
        c.offered_to.clear();
        touch(c.snap.id);
        out.push_back(OfferRevoked{c.snap.id, e.agent, "declined"});
        dispatch(out, now);
    }
}

void Engine::Impl::onReplied(const AgentReplied& e, TimePoint now, std::vector<Action>& out) {
    Conv* c = owned(e.conversation_id, e.agent, out, false);
    if (!c) return;
    meet(out, *c, Milestone::FirstResponse, now);
    if (e.plan) meet(out, *c, Milestone::Plan, now);
    // The customer update is a cadence: each reply meets it and starts the next period.
    if (SlaDeadline* d = deadline(*c, Milestone::CustomerUpdate); d && !d->met_at) {
        auto period = d->due_at - d->started;
        auto warn = d->warn_at - d->started;
        d->started = now;
        d->due_at = now + period;
        d->warn_at = now + warn;
        timers.emplace(d->warn_at,
                       Timer{c->snap.id, TimerKind::SlaWarn, d->milestone, d->due_at});
        timers.emplace(d->due_at,
                       Timer{c->snap.id, TimerKind::SlaBreach, d->milestone, d->due_at});
        touch(c->snap.id);
    }
}

void Engine::Impl::onTransfer(const TransferRequested& e, TimePoint now,
                              std::vector<Action>& out) {
    Conv* c = owned(e.conversation_id, e.agent, out, false);
    if (!c) return;
    if (e.to_queue && !knownQueue(*e.to_queue)) {
        out.push_back(Rejected{c->snap.id, e.agent, "unknown_queue",
                               "no queue named \"" + *e.to_queue + "\""});
        return;
    }
    if (e.to_agent && !dispatcher->agent(*e.to_agent)) {
        out.push_back(Rejected{c->snap.id, e.agent, "unknown_agent",
                               "no agent named \"" + *e.to_agent + "\""});
        return;
    }
    dispatcher->complete(c->snap.id, e.agent, now);
    if (e.to_queue) c->snap.queue = *e.to_queue;
    c->snap.agent.reset();
    // A transfer goes to the front of its priority: the customer has waited already.
    enqueue(out, *c, TimePoint{}, "transfer", e.to_agent, now);
    dispatch(out, now);
}

void Engine::Impl::onResolve(const ResolveRequested& e, TimePoint now,
                             std::vector<Action>& out) {
    Conv* c = owned(e.conversation_id, e.agent, out, false);
    if (!c) return;
    dispatcher->complete(c->snap.id, e.agent, now);
    if (c->assigned_at != TimePoint{} && now > c->assigned_at)
        keepHandleTime(c->snap.queue,
                       std::chrono::duration_cast<std::chrono::milliseconds>(now - c->assigned_at));
    meet(out, *c, Milestone::Resolution, now);
    c->stage = Stage::Resolved;
    c->snap.resolved_at = now;
    touch(c->snap.id);
    out.push_back(ConversationResolved{c->snap.id, e.agent, e.disposition});
    startWrapUp(*c, e.agent, now, out);
    const AutoReplyPolicy& p = cfg->auto_replies;
    if (p.on_resolution) {
        std::size_t before = out.size();
        autoReply(out, *c, 0, *p.on_resolution, "survey", now);
        c->survey_sent = out.size() > before;
    }
    if (p.follow_up && p.follow_up_after < p.survey_window) {
        timers.emplace(now + p.follow_up_after,
                       Timer{c->snap.id, TimerKind::FollowUp, Milestone::Resolution, now});
    }
    timers.emplace(now + p.survey_window,
                   Timer{c->snap.id, TimerKind::Close, Milestone::Resolution, now});
    dispatch(out, now);
}

void Engine::Impl::onAgentLost(const AgentLost& e, TimePoint now, std::vector<Action>& out) {
    if (!dispatcher->agent(e.agent)) return;
    for (auto& [id, c] : convs) {
        bool held = (c.stage == Stage::Assigned && c.snap.agent == e.agent) ||
                    (c.stage == Stage::Offered && c.offered_to == e.agent);
        if (!held) continue;
        if (c.stage == Stage::Offered) out.push_back(OfferRevoked{id, e.agent, "withdrawn"});
        dispatcher->withdraw(id);
        c.snap.agent.reset();
        // Live customers are waiting on the line: first in their priority. Asynchronous
        // work keeps its place.
        TimePoint at = isLive(kindOf(c)) ? TimePoint{} : c.snap.queued_at;
        enqueue(out, c, at, "agent_lost", std::nullopt, now);
    }
    dispatcher->setPresence(e.agent, Presence::Offline, now);
    out.push_back(AgentStateChanged{e.agent, Presence::Offline, {}, std::nullopt});
    dispatch(out, now);
}

void Engine::Impl::adoptHeld(const std::string& agent) {
    auto h = held_for.find(agent);
    if (h == held_for.end()) return;
    for (auto id : h->second) {
        auto it = convs.find(id);
        if (it == convs.end()) continue;
        Conv& c = it->second;
        // Resolved or transferred by a supervisor meanwhile: no longer theirs.
        if (c.stage != Stage::Assigned || c.snap.agent != agent) continue;
        dispatcher->hold(workOf(c, c.snap.queued_at, agent), agent);
    }
    held_for.erase(h);
}

void Engine::Impl::releaseHeld(TimePoint now, std::vector<Action>& out) {
    while (!held_until.empty() && held_until.begin()->first <= now) {
        std::string agent = held_until.begin()->second;
        held_until.erase(held_until.begin());
        auto h = held_for.find(agent);
        if (h == held_for.end()) continue;  // back in time
        for (auto id : h->second) {
            auto it = convs.find(id);
            if (it == convs.end()) continue;
            Conv& c = it->second;
            if (c.stage != Stage::Assigned || c.snap.agent != agent || dispatcher->work(id))
                continue;
            c.snap.agent.reset();
            // As when a connected agent is lost (onAgentLost), but they are tried first should
            // they come back.
            TimePoint at = isLive(kindOf(c)) ? TimePoint{}
                           : c.snap.queued_at == TimePoint{} ? now
                                                             : c.snap.queued_at;
            enqueue(out, c, at, "agent_lost", agent, now);
        }
        held_for.erase(h);
    }
}

void Engine::Impl::onDelivery(const DeliveryUpdated& e, std::vector<Action>& out) {
    out.push_back(DeliveryChanged{e.conversation_id, e.message_id, e.state, e.reason, e.author});
    if (e.state == DeliveryState::Failed) {
        // Nobody else will notice: the customer did not get the reply.
        out.push_back(SupervisorNotice{e.conversation_id, "delivery_failed",
                                       "message " + std::to_string(e.message_id) + " (" +
                                           e.author + ") was not delivered: " + e.reason});
    }
}

void Engine::Impl::startWrapUp(const Conv& c, const std::string& agent, TimePoint now,
                               std::vector<Action>& out) {
    auto q = std::find_if(cfg->queues.begin(), cfg->queues.end(),
                          [&](const QueueDef& d) { return d.name == c.snap.queue; });
    if (q == cfg->queues.end()) return;
    const WorkKind kind = kindOf(c);
    const auto length = q->wrap_up[static_cast<std::size_t>(kind)];
    if (length.count() <= 0) return;
    const Agent* a = dispatcher->agent(agent);
    // Only an agent who takes work now: away or offline stays so.
    if (!a || a->presence != Presence::Available) return;
    dispatcher->setPresence(agent, Presence::WrapUp, now, length, kind);
    wrap_ups.emplace(now + length, agent);
    out.push_back(AgentStateChanged{agent, Presence::WrapUp, std::string(toString(kind)),
                                    now + length});
}

void Engine::Impl::missedOffer(const std::string& agent, std::int64_t conversation,
                               TimePoint now, std::vector<Action>& out) {
    const int limit = cfg->offers.away_after_missed;
    if (limit <= 0) return;  // never set away: nothing to count
    if (++missed_in_a_row[agent] < limit) return;
    missed_in_a_row.erase(agent);
    const Agent* a = dispatcher->agent(agent);
    if (!a || a->presence == Presence::Away || a->presence == Presence::Offline) return;
    // Before the dispatcher takes the offer back, so it does not come straight back to them.
    dispatcher->setPresence(agent, Presence::Away, now);
    out.push_back(AgentStateChanged{agent, Presence::Away, "missed_offers", std::nullopt});
    out.push_back(SupervisorNotice{conversation, "agent_set_away",
                                   agent + " let " + std::to_string(limit) +
                                       " offers in a row pass unanswered and was set away"});
}

void Engine::Impl::endWrapUps(TimePoint now, std::vector<Action>& out) {
    while (!wrap_ups.empty() && wrap_ups.begin()->first <= now) {
        std::string agent = wrap_ups.begin()->second;
        wrap_ups.erase(wrap_ups.begin());
        const Agent* a = dispatcher->agent(agent);
        // The agent may have set their presence since, or started another wrap-up.
        if (!a || a->presence != Presence::WrapUp || a->wrap_up_until > now) continue;
        dispatcher->setPresence(agent, Presence::Available, now);
        out.push_back(AgentStateChanged{agent, Presence::Available, {}, std::nullopt});
    }
}

}  // namespace ccd::routing
