#include "routing/engine.hpp"

#include <algorithm>
#include <deque>
#include <set>
#include <stdexcept>

#include "routing/business_hours.hpp"
#include "routing/classify/classifier.hpp"
#include "routing/dispatcher.hpp"
#include "routing/rules.hpp"

namespace ccd::routing {

std::string_view actionName(const Action& action) {
    struct Namer {
        std::string_view operator()(const ConversationRouted&) const { return "routed"; }
        std::string_view operator()(const AutoReply&) const { return "auto_reply"; }
        std::string_view operator()(const OfferMade&) const { return "offer"; }
        std::string_view operator()(const OfferRevoked&) const { return "offer_revoked"; }
        std::string_view operator()(const Assigned&) const { return "assigned"; }
        std::string_view operator()(const Queued&) const { return "queued"; }
        std::string_view operator()(const PriorityChanged&) const { return "priority_changed"; }
        std::string_view operator()(const SlaAlert& a) const {
            return a.breached ? "sla_breach" : "sla_warning";
        }
        std::string_view operator()(const MilestoneMet&) const { return "milestone_met"; }
        std::string_view operator()(const SupervisorNotice&) const { return "supervisor_notice"; }
        std::string_view operator()(const ConversationResolved&) const { return "resolved"; }
        std::string_view operator()(const ConversationClosed&) const { return "closed"; }
        std::string_view operator()(const RatingRecorded&) const { return "rating"; }
        std::string_view operator()(const AgentStateChanged&) const { return "agent_state"; }
        std::string_view operator()(const Rejected&) const { return "rejected"; }
    };
    return std::visit(Namer{}, action);
}

namespace {

enum class Stage { SelfService, Waiting, Offered, Assigned, Resolved };

std::string_view stageName(Stage s) {
    switch (s) {
        case Stage::SelfService: return "self_service";
        case Stage::Waiting: return "waiting";
        case Stage::Offered: return "offered";
        case Stage::Assigned: return "assigned";
        case Stage::Resolved: return "resolved";
    }
    return "waiting";
}

Stage stageFromName(std::string_view s) {
    if (s == "self_service") return Stage::SelfService;
    if (s == "offered") return Stage::Offered;
    if (s == "assigned") return Stage::Assigned;
    if (s == "resolved") return Stage::Resolved;
    return Stage::Waiting;
}

// What a timer does when it fires.
enum class TimerKind { SlaWarn, SlaBreach, FollowUp, Close };

struct Timer {
    std::int64_t conversation_id;
    TimerKind kind;
    Milestone milestone;
    TimePoint due;  // for SLA timers: the deadline it was set for (stale if it changed)
};

// The language replies are written in: the detected one, else the contact's, else English.
std::string replyLocale(const Classification& c, const ContactProfile& contact,
                        const InboundMessage& m) {
    if (c.language != "und") return c.language;
    for (const auto* l : {&contact.locale, &m.locale}) {
        if (!*l || (*l)->empty()) continue;
        std::string v = **l;
        for (auto& ch : v) {
            if (ch == '_') ch = '-';
        }
        if (v.rfind("zh", 0) == 0) {
            bool trad = v.find("Hant") != std::string::npos || v.find("TW") != std::string::npos ||
                        v.find("HK") != std::string::npos || v.find("MO") != std::string::npos;
            return trad ? "zh-Hant" : "zh-Hans";
        }
        if (v.rfind("en", 0) == 0) return "en";
    }
    return "en";
}

}  // namespace

struct Engine::Impl {
    struct Conv {
        ConversationSnapshot snap;
        Stage stage = Stage::Waiting;
        TimePoint offer_expires{};
        std::string offered_to;
        bool breach_apology_sent = false;
        bool survey_sent = false;
    };

    RoutingConfigPtr cfg;
    std::unique_ptr<Classifier> classifier;
    std::map<std::string, BusinessHours> calendars;
    std::unique_ptr<RuleSet> rules;
    std::unique_ptr<Dispatcher> dispatcher;
    std::map<std::int64_t, Conv> convs;
    std::map<std::int64_t, std::deque<TimePoint>> auto_replies;  // per contact, loop guard
    std::multimap<TimePoint, Timer> timers;
    std::set<std::int64_t> changed;
    std::set<std::pair<TimePoint, std::int64_t>> offers_by_expiry;  // offered conversations
    std::map<std::string, Agent> agents;  // profiles, to rebuild the dispatcher on reload

    // ---- set-up ------------------------------------------------------------------------

    struct Compiled {
        std::unique_ptr<Classifier> classifier;
        std::map<std::string, BusinessHours> calendars;
        std::unique_ptr<RuleSet> rules;
    };

    static Compiled compile(const RoutingConfig& c) {
        Compiled out;
        out.classifier = std::make_unique<Classifier>(c.classification);
        for (const auto& [name, cal] : c.calendars) out.calendars.emplace(name, BusinessHours(cal));
        Classifier* cl = out.classifier.get();
        out.rules = std::make_unique<RuleSet>(c.rules, &out.calendars, c.defaults.calendar,
                                              [cl](std::string_view t) { return cl->normalize(t); });
        for (const auto& rule : c.rules) {
            if (rule.then.sla && !c.sla_policies.count(*rule.then.sla))
                throw std::invalid_argument("rule \"" + rule.name + "\": no SLA policy \"" +
                                            *rule.then.sla + "\"");
        }
        return out;
    }

    void install(RoutingConfigPtr next, Compiled compiled) {
        cfg = std::move(next);
        classifier = std::move(compiled.classifier);
        calendars = std::move(compiled.calendars);
        // The rule set points at `calendars`: rebuild it against the moved map.
        Classifier* cl = classifier.get();
        rules = std::make_unique<RuleSet>(cfg->rules, &calendars, cfg->defaults.calendar,
                                          [cl](std::string_view t) { return cl->normalize(t); });
        dispatcher = std::make_unique<Dispatcher>(cfg->queues);
    }

    bool knownQueue(const std::string& q) const {
        for (const auto& def : cfg->queues) {
            if (def.name == q) return true;
        }
        return false;
    }

    // ---- triage ------------------------------------------------------------------------

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
                  TimePoint now) {
        Triage t;
        ClassifyHints hints;
        if (contact.locale) {
            hints.known_locale = contact.locale;
        } else {
            hints.known_locale = m.locale;
        }
        t.classification = classifier->classify(m.text, hints);
        t.normalized = classifier->normalize(m.text);
        RuleInput in;
        in.channel = m.channel;
        in.classification = &t.classification;
        in.contact = &contact;
        in.normalized_text = &t.normalized;
        in.new_conversation = new_conversation;
        in.now = now;
        t.outcome = rules->evaluate(in);
        t.priority = t.outcome.priority.value_or(cfg->defaults.priority);
        t.queue = t.outcome.queue.value_or(cfg->defaults.queue);
        if (!knownQueue(t.queue)) t.queue = cfg->defaults.queue;
        t.sla_policy = t.outcome.sla.value_or("");
        if (t.sla_policy.empty()) {
            auto it = cfg->defaults.sla_by_priority.find(t.priority);
            if (it != cfg->defaults.sla_by_priority.end()) t.sla_policy = it->second;
        }
        t.deadlines = startDeadlines(t.sla_policy, now);
        return t;
    }

    std::vector<SlaDeadline> startDeadlines(const std::string& policy, TimePoint now) const {
        auto it = cfg->sla_policies.find(policy);
        if (it == cfg->sla_policies.end()) return {};
        const BusinessHours* hours = nullptr;
        if (it->second.calendar) {
            auto c = calendars.find(*it->second.calendar);
            if (c != calendars.end()) hours = &c->second;
        }
        return startClocks(it->second.policy, now, hours).value_or(std::vector<SlaDeadline>{});
    }

    // ---- helpers -----------------------------------------------------------------------

    void touch(std::int64_t id) { changed.insert(id); }

    void scheduleClocks(Conv& c) {
        for (const auto& d : c.snap.deadlines) {
            if (d.met_at) continue;
            timers.emplace(d.warn_at, Timer{c.snap.id, TimerKind::SlaWarn, d.milestone, d.due_at});
            timers.emplace(d.due_at, Timer{c.snap.id, TimerKind::SlaBreach, d.milestone, d.due_at});
        }
    }

    SlaDeadline* deadline(Conv& c, Milestone m) {
        for (auto& d : c.snap.deadlines) {
            if (d.milestone == m) return &d;
        }
        return nullptr;
    }

    bool mayAutoReply(std::int64_t contact, TimePoint now) {
        auto& sent = auto_replies[contact];
        while (!sent.empty() && sent.front() + cfg->auto_replies.per_contact_window <= now)
            sent.pop_front();
        return static_cast<int>(sent.size()) < cfg->auto_replies.per_contact_limit;
    }

    void autoReply(std::vector<Action>& out, Conv& c, std::int64_t in_reply_to,
                   const std::string& tpl, const std::string& reason, TimePoint now) {
        if (tpl.empty() || tpl == "none") return;
        if (!mayAutoReply(c.snap.contact_id, now)) return;
        auto_replies[c.snap.contact_id].push_back(now);
        out.push_back(AutoReply{c.snap.id, in_reply_to, tpl, reason, c.snap.locale});
    }

    WorkKind kindOf(const Conv& c) const { return workKindOf(c.snap.channel); }

    void enqueue(std::vector<Action>& out, Conv& c, TimePoint queued_at,
                 const std::string& reason, std::optional<std::string> preferred) {
        WorkItem w;
        w.conversation_id = c.snap.id;
        w.queue = c.snap.queue;
        w.priority = c.snap.priority;
        w.enqueued_at = queued_at;
        w.kind = kindOf(c);
        w.language = c.snap.language;
        w.preferred_agent = std::move(preferred);
        dispatcher->enqueue(w);
        c.stage = Stage::Waiting;
        c.offered_to.clear();
        c.snap.queued_at = queued_at;
        touch(c.snap.id);
        out.push_back(Queued{c.snap.id, c.snap.queue, c.snap.priority,
                             dispatcher->positionOf(c.snap.id).value_or(0), reason});
    }

    void dispatch(std::vector<Action>& out, TimePoint now) {
        // Offers past their timeout: the dispatcher takes them back in dispatch().
        while (!offers_by_expiry.empty() && offers_by_expiry.begin()->first <= now) {
            auto [expires, id] = *offers_by_expiry.begin();
            offers_by_expiry.erase(offers_by_expiry.begin());
            auto it = convs.find(id);
            if (it == convs.end()) continue;
            Conv& c = it->second;
            if (c.stage != Stage::Offered || c.offer_expires != expires) continue;
            out.push_back(OfferRevoked{id, c.offered_to, "timeout"});
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

    void changePriority(std::vector<Action>& out, Conv& c, int to, const std::string& reason,
                        TimePoint now, std::optional<std::string> queue = std::nullopt) {
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
            enqueue(out, c, c.snap.queued_at, "requeued", std::nullopt);
        }
        (void)now;
    }

    static ConversationRouted routed(const Conv& c, std::int64_t message_id, const Triage& t) {
        return ConversationRouted{c.snap.id,       message_id,        t.classification,
                                  c.snap.priority, c.snap.queue,      c.snap.tags,
                                  t.outcome.matched, c.snap.sla_policy, c.snap.deadlines,
                                  c.snap.handoff};
    }

    static SupervisorNotice safetyNotice(std::int64_t conversation, const Classification& c) {
        std::string signals;
        for (const auto& s : c.safety) signals += (signals.empty() ? "" : ",") + s;
        return SupervisorNotice{conversation, "safety", signals};
    }

    // ---- events ------------------------------------------------------------------------

    void onMessage(const MessageReceived& e, TimePoint now, std::vector<Action>& out) {
        auto it = convs.find(e.conversation_id);
        if (it != convs.end()) return onLaterMessage(e, it->second, now, out);

        Triage t = triage(e.message, e.contact, true, now);
        Conv c;
        c.snap.id = e.conversation_id;
        c.snap.contact_id = e.contact.id;
        c.snap.channel = e.message.channel;
        c.snap.language = t.classification.language;
        c.snap.category = t.classification.category;
        c.snap.priority = t.priority;
        c.snap.queue = t.queue;
        c.snap.sla_policy = t.sla_policy;
        c.snap.opened_at = now;
        c.snap.tags = t.outcome.tags;
        c.snap.locale = replyLocale(t.classification, e.contact, e.message);

        // Which automatic reply, if any: a rule's choice, then safety, self-service, after
        // hours, the acknowledgement.
        const AutoReplyPolicy& policy = cfg->auto_replies;
        std::string tpl, reason;
        bool self_service = false;
        if (t.outcome.auto_reply) {
            tpl = *t.outcome.auto_reply;
            reason = "rule";
        } else if (!t.classification.safety.empty() && policy.safety) {
            tpl = *policy.safety;
            reason = "safety";
        } else if (auto ss = policy.self_service.find(t.classification.category);
                   ss != policy.self_service.end()) {
            tpl = ss->second;
            reason = "self_service";
            self_service = true;
        } else if (policy.after_hours && !cfg->defaults.calendar.empty() &&
                   calendars.count(cfg->defaults.calendar) &&
                   !calendars.at(cfg->defaults.calendar).isOpen(now)) {
            tpl = *policy.after_hours;
            reason = "after_hours";
        } else if (policy.on_new_conversation) {
            tpl = *policy.on_new_conversation;
            reason = "new_conversation";
        }
        if (e.auto_submitted) tpl.clear();
        // A self-service answer settles it only if it was sent; else a person takes it.
        self_service = self_service && !tpl.empty() && mayAutoReply(e.contact.id, now);
        c.snap.handoff = !self_service;
        if (c.snap.handoff) c.snap.deadlines = t.deadlines;

        auto [pos, inserted] = convs.emplace(c.snap.id, std::move(c));
        (void)inserted;
        Conv& conv = pos->second;
        touch(conv.snap.id);

        out.push_back(routed(conv, e.message_id, t));
        autoReply(out, conv, e.message_id, tpl, reason, now);
        if (!t.classification.safety.empty())
            out.push_back(safetyNotice(conv.snap.id, t.classification));
        if (!conv.snap.handoff) {
            conv.stage = Stage::SelfService;
            return;
        }
        scheduleClocks(conv);
        enqueue(out, conv, now, "routed", e.contact.last_agent);
        dispatch(out, now);
    }

    void onLaterMessage(const MessageReceived& e, Conv& c, TimePoint now,
                        std::vector<Action>& out) {
        if (c.stage == Stage::Resolved) {
            bool in_window = c.snap.resolved_at &&
                             now < *c.snap.resolved_at + cfg->auto_replies.survey_window;
            if (c.survey_sent && in_window && e.survey_rating) {
                out.push_back(RatingRecorded{c.snap.id, e.message_id, *e.survey_rating});
                if (*e.survey_rating <= cfg->auto_replies.low_rating) {
                    out.push_back(SupervisorNotice{c.snap.id, "low_rating",
                                                   std::to_string(*e.survey_rating)});
                }
                c.survey_sent = false;  // one rating per survey
                touch(c.snap.id);
                return;
            }
            // Not an answer to the survey: the customer still needs help. Reopen.
            c.snap.resolved_at.reset();
            reopen(e, c, now, out, "reopened");
            return;
        }
        if (c.stage == Stage::SelfService) {
            reopen(e, c, now, out, "handoff");
            return;
        }
        // The conversation is with us already: a later message may reveal more urgency.
        Triage t = triage(e.message, e.contact, false, now);
        bool safety = !t.classification.safety.empty();
        if (safety) {
            for (const auto& tag : t.outcome.tags) {
                if (std::find(c.snap.tags.begin(), c.snap.tags.end(), tag) == c.snap.tags.end())
                    c.snap.tags.push_back(tag);
            }
            out.push_back(safetyNotice(c.snap.id, t.classification));
        }
        if (t.priority < c.snap.priority) {
            changePriority(out, c, t.priority, safety ? "safety" : "later_message", now,
                           c.stage == Stage::Waiting ? std::optional<std::string>(t.queue)
                                                     : std::nullopt);
            out.push_back(routed(c, e.message_id, t));
            dispatch(out, now);
        }
    }

    // A resolved or self-service conversation comes back to a person: new triage and clocks.
    void reopen(const MessageReceived& e, Conv& c, TimePoint now, std::vector<Action>& out,
                const std::string& reason) {
        Triage t = triage(e.message, e.contact, false, now);
        // A short "0" or "yes" says nothing about the problem: keep the first triage then.
        if (t.classification.category != cfg->classification.fallback_category ||
            c.snap.category.empty()) {
            c.snap.category = t.classification.category;
        }
        c.snap.priority = std::min(c.snap.priority, t.priority);
        if (c.snap.sla_policy.empty()) c.snap.sla_policy = t.sla_policy;
        c.snap.deadlines = startDeadlines(c.snap.sla_policy, now);
        c.snap.handoff = true;
        c.survey_sent = false;
        c.breach_apology_sent = false;
        touch(c.snap.id);
        out.push_back(routed(c, e.message_id, t));
        scheduleClocks(c);
        enqueue(out, c, now, reason, e.contact.last_agent ? e.contact.last_agent : c.snap.agent);
        dispatch(out, now);
    }

    Conv* owned(std::int64_t id, const std::string& agent, std::vector<Action>& out,
                bool offered_ok) {
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

    void onOfferAnswered(const OfferAnswered& e, TimePoint now, std::vector<Action>& out) {
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
        if (e.accepted) {
            dispatcher->accept(c.snap.id, e.agent, now);
            c.stage = Stage::Assigned;
            c.snap.agent = e.agent;
            c.offered_to.clear();
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

    void meet(std::vector<Action>& out, Conv& c, Milestone m, TimePoint now) {
        SlaDeadline* d = deadline(c, m);
        if (!d || d->met_at) return;
        markMet(*d, now);
        touch(c.snap.id);
        out.push_back(MilestoneMet{c.snap.id, m, now, now > d->due_at});
    }

    void onReplied(const AgentReplied& e, TimePoint now, std::vector<Action>& out) {
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

    void onTransfer(const TransferRequested& e, TimePoint now, std::vector<Action>& out) {
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
        enqueue(out, *c, TimePoint{}, "transfer", e.to_agent);
        dispatch(out, now);
    }

    void onResolve(const ResolveRequested& e, TimePoint now, std::vector<Action>& out) {
        Conv* c = owned(e.conversation_id, e.agent, out, false);
        if (!c) return;
        dispatcher->complete(c->snap.id, e.agent, now);
        meet(out, *c, Milestone::Resolution, now);
        c->stage = Stage::Resolved;
        c->snap.resolved_at = now;
        touch(c->snap.id);
        out.push_back(ConversationResolved{c->snap.id, e.agent, e.disposition});
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

    void onAgentLost(const AgentLost& e, TimePoint now, std::vector<Action>& out) {
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
            enqueue(out, c, at, "agent_lost", std::nullopt);
        }
        dispatcher->setPresence(e.agent, Presence::Offline, now);
        out.push_back(AgentStateChanged{e.agent, Presence::Offline});
        dispatch(out, now);
    }

    void fireTimers(TimePoint now, std::vector<Action>& out) {
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

    void onWaitingRules(TimePoint now, std::vector<Action>& out) {
        if (!rules->hasWaitingRules()) return;
        for (auto& [id, c] : convs) {
            if (c.stage != Stage::Waiting) continue;
            Classification cls;
            cls.category = c.snap.category;
            cls.language = c.snap.language;
            cls.confidence = 1.0;
            RuleInput in;
            in.channel = c.snap.channel;
            in.classification = &cls;
            in.new_conversation = false;
            in.waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                now - std::max(c.snap.queued_at, c.snap.opened_at));
            in.now = now;
            RuleOutcome o = rules->evaluate(in, /*waiting_only=*/true);
            if (o.matched.empty()) continue;
            int to = o.priority ? std::min(*o.priority, c.snap.priority) : c.snap.priority;
            changePriority(out, c, to, "waiting_rule:" + o.matched.front(), now, o.queue);
        }
    }

    void onTick(TimePoint now, std::vector<Action>& out) {
        fireTimers(now, out);
        onWaitingRules(now, out);
        dispatch(out, now);
    }
};

Engine::Engine(RoutingConfigPtr config) : impl_(std::make_unique<Impl>()) {
    if (!config) throw std::invalid_argument("no routing configuration");
    impl_->install(config, Impl::compile(*config));
}

Engine::~Engine() = default;

void Engine::reconfigure(RoutingConfigPtr config) {
    if (!config) throw std::invalid_argument("no routing configuration");
    auto compiled = Impl::compile(*config);  // throws: the old configuration stays
    Impl& d = *impl_;
    auto old_dispatcher = std::move(d.dispatcher);
    d.install(std::move(config), std::move(compiled));
    // Rebuild the dispatcher's state: agents with their presence, then the work, in order.
    std::vector<Action> ignored;
    for (auto& [name, agent] : d.agents) {
        const Agent* before = old_dispatcher->agent(name);
        d.dispatcher->upsertAgent(agent);
        if (before) d.dispatcher->setPresence(name, before->presence, before->idle_since);
    }
    for (auto& [id, c] : d.convs) {
        if (!d.knownQueue(c.snap.queue)) c.snap.queue = d.cfg->defaults.queue;
        if (c.stage == Stage::Waiting || c.stage == Stage::Offered) {
            d.enqueue(ignored, c, c.snap.queued_at, "requeued", std::nullopt);
        } else if (c.stage == Stage::Assigned && c.snap.agent) {
            // Keep the assignment: queue, offer and accept it for the same agent.
            d.enqueue(ignored, c, c.snap.queued_at, "requeued", c.snap.agent);
            c.stage = Stage::Waiting;
        }
    }
}

const RoutingConfig& Engine::config() const { return *impl_->cfg; }

std::vector<Action> Engine::handle(const Event& event, TimePoint now) {
    std::vector<Action> out;
    Impl& d = *impl_;
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, MessageReceived>) {
                d.onMessage(e, now, out);
            } else if constexpr (std::is_same_v<T, AgentUpdated>) {
                d.agents[e.agent.id] = e.agent;
                d.dispatcher->upsertAgent(e.agent);
                d.dispatch(out, now);
            } else if constexpr (std::is_same_v<T, PresenceChanged>) {
                if (!d.dispatcher->setPresence(e.agent, e.presence, now)) {
                    out.push_back(Rejected{0, e.agent, "unknown_agent",
                                           "no agent named \"" + e.agent + "\""});
                    return;
                }
                out.push_back(AgentStateChanged{e.agent, e.presence});
                d.dispatch(out, now);
            } else if constexpr (std::is_same_v<T, OfferAnswered>) {
                d.onOfferAnswered(e, now, out);
            } else if constexpr (std::is_same_v<T, AgentReplied>) {
                d.onReplied(e, now, out);
            } else if constexpr (std::is_same_v<T, TransferRequested>) {
                d.onTransfer(e, now, out);
            } else if constexpr (std::is_same_v<T, ResolveRequested>) {
                d.onResolve(e, now, out);
            } else if constexpr (std::is_same_v<T, AgentLost>) {
                d.onAgentLost(e, now, out);
            } else if constexpr (std::is_same_v<T, Tick>) {
                d.onTick(now, out);
            }
        },
        event);
    return out;
}

void Engine::restore(const ConversationSnapshot& snapshot, TimePoint now) {
    Impl& d = *impl_;
    Impl::Conv c;
    c.snap = snapshot;
    c.stage = stageFromName(snapshot.stage);
    if (!d.knownQueue(c.snap.queue)) c.snap.queue = d.cfg->defaults.queue;
    std::vector<Action> ignored;
    auto [it, inserted] = d.convs.emplace(snapshot.id, std::move(c));
    if (!inserted) return;
    Impl::Conv& conv = it->second;
    switch (conv.stage) {
        case Stage::SelfService:
            break;
        case Stage::Resolved:
            if (conv.snap.resolved_at) {
                const auto& p = d.cfg->auto_replies;
                conv.survey_sent = p.on_resolution.has_value();
                d.timers.emplace(*conv.snap.resolved_at + p.survey_window,
                                 Timer{conv.snap.id, TimerKind::Close, Milestone::Resolution,
                                       *conv.snap.resolved_at});
            }
            break;
        default:
            // Agents must reconnect after a restart: the work waits, and the agent who held it
            // gets it first.
            d.scheduleClocks(conv);
            d.enqueue(ignored, conv,
                      conv.snap.queued_at == TimePoint{} ? now : conv.snap.queued_at,
                      "restored", conv.snap.agent);
            break;
    }
    d.changed.erase(snapshot.id);
}

TriageResult Engine::triage(const InboundMessage& message, const ContactProfile& contact,
                            bool new_conversation, TimePoint now) {
    auto t = impl_->triage(message, contact, new_conversation, now);
    TriageResult r;
    r.classification = std::move(t.classification);
    r.priority = t.priority;
    r.queue = t.queue;
    r.tags = t.outcome.tags;
    r.rules = t.outcome.matched;
    r.sla_policy = t.sla_policy;
    r.deadlines = t.deadlines;
    r.auto_reply = t.outcome.auto_reply;
    return r;
}

std::optional<TimePoint> Engine::nextWakeup() const {
    std::optional<TimePoint> next;
    if (!impl_->timers.empty()) next = impl_->timers.begin()->first;
    if (!impl_->offers_by_expiry.empty()) {
        auto first = impl_->offers_by_expiry.begin()->first;
        if (!next || first < *next) next = first;
    }
    return next;
}

std::vector<QueueStats> Engine::queueStats(TimePoint now) const {
    std::vector<QueueStats> out;
    for (const auto& def : impl_->cfg->queues) {
        QueueStats q;
        q.name = def.name;
        out.push_back(q);
    }
    for (const auto& [id, c] : impl_->convs) {
        if (c.stage != Stage::Waiting && c.stage != Stage::Offered) continue;
        for (auto& q : out) {
            if (q.name != c.snap.queue) continue;
            ++q.waiting;
            auto since = std::max(c.snap.queued_at, c.snap.opened_at);
            auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(now - since);
            q.oldest_wait = std::max(q.oldest_wait, wait);
        }
    }
    return out;
}

std::optional<TimePoint> Engine::nextOpening(TimePoint now) const {
    auto it = impl_->calendars.find(impl_->cfg->defaults.calendar);
    if (it == impl_->calendars.end()) return std::nullopt;
    return it->second.nextOpening(now);
}

std::vector<AgentStats> Engine::agentStats() const {
    std::map<std::string, std::size_t> held;
    for (const auto& [id, c] : impl_->convs) {
        if (c.stage == Stage::Assigned && c.snap.agent) ++held[*c.snap.agent];
        if (c.stage == Stage::Offered) ++held[c.offered_to];
    }
    std::vector<AgentStats> out;
    for (const auto& [name, profile] : impl_->agents) {
        const Agent* a = impl_->dispatcher->agent(name);
        if (!a) continue;
        AgentStats s;
        s.id = name;
        s.presence = a->presence;
        s.occupancy = a->occupancy();
        auto it = held.find(name);
        s.conversations = it == held.end() ? 0 : it->second;
        out.push_back(s);
    }
    return out;
}

std::optional<ConversationSnapshot> Engine::conversation(std::int64_t id) const {
    auto it = impl_->convs.find(id);
    if (it == impl_->convs.end()) return std::nullopt;
    ConversationSnapshot s = it->second.snap;
    s.stage = std::string(stageName(it->second.stage));
    return s;
}

std::vector<ConversationSnapshot> Engine::takeChanged() {
    std::vector<ConversationSnapshot> out;
    for (auto id : impl_->changed) {
        if (auto s = conversation(id)) out.push_back(std::move(*s));
    }
    impl_->changed.clear();
    return out;
}

bool Engine::visibleTo(std::int64_t conversation_id, const std::string& agent) const {
    auto it = impl_->convs.find(conversation_id);
    if (it == impl_->convs.end()) return false;
    const auto& c = it->second;
    if (c.snap.agent == agent || c.offered_to == agent) return true;
    if (c.stage != Stage::Waiting) return false;
    const Agent* a = impl_->dispatcher->agent(agent);
    if (!a) return false;
    for (const auto& def : impl_->cfg->queues) {
        if (def.name != c.snap.queue) continue;
        return std::includes(a->skills.begin(), a->skills.end(), def.required_skills.begin(),
                             def.required_skills.end());
    }
    return false;
}

std::vector<std::int64_t> Engine::conversationsOf(const std::string& agent) const {
    std::vector<std::int64_t> out;
    for (const auto& [id, c] : impl_->convs) {
        if ((c.stage == Stage::Assigned && c.snap.agent == agent) ||
            (c.stage == Stage::Offered && c.offered_to == agent))
            out.push_back(id);
    }
    return out;
}

}  // namespace ccd::routing
