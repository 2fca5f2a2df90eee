// A customer message enters the engine: classification, rules, priority and queue, the
// automatic reply, and a resolved or self-service conversation coming back to a person.
#include "routing/engine_impl.hpp"

#include <algorithm>

namespace ccd::routing {

namespace {

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

Engine::Impl::Triage Engine::Impl::triage(const InboundMessage& m, const ContactProfile& contact,
                                          bool new_conversation, TimePoint now,
                                          const std::map<std::string, std::string>* attributes,
                                          bool explain) {
    Triage t;
    ClassifyHints hints;
    hints.explain = explain;
    if (contact.locale) {
        hints.known_locale = contact.locale;
    } else {
        hints.known_locale = m.locale;
    }
    t.classification = classifier->classify(m.textToClassify(), hints);
    t.normalized = classifier->normalize(m.textToClassify());
    RuleInput in;
    in.channel = m.channel;
    in.channel_instance = m.instance();
    in.classification = &t.classification;
    in.contact = &contact;
    in.attributes = attributes;
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

TriageResult Engine::triage(const InboundMessage& message, const ContactProfile& contact,
                            bool new_conversation, TimePoint now, bool explain) {
    auto t = impl_->triage(message, contact, new_conversation, now, nullptr, explain);
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

ConversationRouted Engine::Impl::routed(const Conv& c, std::int64_t message_id,
                                         const Triage& t) {
    return ConversationRouted{c.snap.id,       message_id,        t.classification,
                              c.snap.priority, c.snap.queue,      c.snap.tags,
                              t.outcome.matched, c.snap.sla_policy, c.snap.deadlines,
                              c.snap.handoff};
}

SupervisorNotice Engine::Impl::safetyNotice(std::int64_t conversation,
                                            const Classification& c) {
    std::string signals;
    for (const auto& s : c.safety) signals += (signals.empty() ? "" : ",") + s;
    return SupervisorNotice{conversation, "safety", signals};
}

bool Engine::Impl::mayAutoReply(std::int64_t contact, TimePoint now) {
    const auto it = auto_replies.find(contact);
    if (it == auto_replies.end()) return cfg->auto_replies.per_contact_limit > 0;
    auto& sent = it->second;  // oldest first
    const auto window = cfg->auto_replies.per_contact_window;
    sent.erase(sent.begin(), std::find_if(sent.begin(), sent.end(),
                                          [&](TimePoint t) { return t + window > now; }));
    const int count = static_cast<int>(sent.size());
    if (sent.empty()) auto_replies.erase(it);
    return count < cfg->auto_replies.per_contact_limit;
}

void Engine::Impl::autoReply(std::vector<Action>& out, Conv& c, std::int64_t in_reply_to,
                             const std::string& tpl, const std::string& reason, TimePoint now) {
    if (tpl.empty() || tpl == "none") return;
    // A phone call takes no written reply (nor survey): the phone system speaks the decision.
    if (c.snap.channel == ChannelKind::Voice) return;
    if (!mayAutoReply(c.snap.contact_id, now)) return;
    auto_replies[c.snap.contact_id].push_back(now);
    out.push_back(AutoReply{c.snap.id, in_reply_to, tpl, reason, c.snap.locale, {}});
}

const BusinessHours* Engine::Impl::closedCalendar(TimePoint now) const {
    auto cal = calendars.find(cfg->defaults.calendar);
    if (cal == calendars.end() || cal->second.isOpen(now)) return nullptr;
    return &cal->second;
}

void Engine::Impl::onMessage(const MessageReceived& e, TimePoint now, std::vector<Action>& out) {
    auto it = convs.find(e.conversation_id);
    if (it != convs.end()) return onLaterMessage(e, it->second, now, out);

    Triage t = triage(e.message, e.contact, true, now);
    Conv c;
    c.snap.id = e.conversation_id;
    c.snap.contact_id = e.contact.id;
    c.snap.channel = e.message.channel;
    c.snap.channel_instance = std::string(e.message.instance());
    c.snap.last_inbound_at = e.message.received_at;
    c.snap.language = t.classification.language;
    c.snap.category = t.classification.category;
    c.snap.subtype = t.classification.subtype;
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
    } else if (const BusinessHours* closed = closedCalendar(now);
               closed && (policy.after_hours || policy.on_call)) {
        // "We are back at 09:00" only if the first-response clock keeps that promise; work
        // that is due before the office opens (a round-the-clock policy) is acknowledged by
        // the on-call team instead.
        std::optional<TimePoint> first_due;
        for (const auto& d : t.deadlines) {
            if (d.milestone == Milestone::FirstResponse) first_due = d.due_at;
        }
        const auto opens = closed->nextOpening(now);
        const bool kept = !first_due || (opens && *first_due >= *opens);
        if (kept && policy.after_hours) {
            tpl = *policy.after_hours;
            reason = "after_hours";
        } else if (!kept && policy.on_call) {
            tpl = *policy.on_call;
            reason = "on_call";
        } else if (policy.on_new_conversation) {
            tpl = *policy.on_new_conversation;
            reason = kept ? "new_conversation" : "on_call";
        }
    } else if (policy.on_new_conversation) {
        tpl = *policy.on_new_conversation;
        reason = "new_conversation";
    }
    // A caller is answered by the phone system (the routing decision), not by a written reply.
    if (e.auto_submitted || e.message.channel == ChannelKind::Voice) tpl.clear();
    // A self-service answer settles it only if it was sent; else a person takes it.
    self_service = self_service && !tpl.empty() && mayAutoReply(e.contact.id, now);
    c.snap.handoff = !self_service;
    if (c.snap.handoff) c.snap.deadlines = t.deadlines;

    auto [pos, inserted] = convs.emplace(c.snap.id, std::move(c));
    (void)inserted;
    Conv& conv = pos->second;
    touch(conv.snap.id);

    out.push_back(routed(conv, e.message_id, t));
    requestCase(out, conv, t, e.contact);
    autoReply(out, conv, e.message_id, tpl, reason, now);
    if (!t.classification.safety.empty())
        out.push_back(safetyNotice(conv.snap.id, t.classification));
    if (!conv.snap.handoff) {
        conv.stage = Stage::SelfService;
        return;
    }
    if (playsMenu(e, now)) {
        // The caller chooses first; the choice routes the call (engine_menu.cpp).
        conv.stage = Stage::Menu;
        conv.snap.menu_attempt = 1;
        conv.menu_call = std::make_unique<MessageReceived>(e);
        return;
    }
    scheduleClocks(conv);
    enqueueRouted(out, conv, t, e.contact, now, now);
    dispatch(out, now);
}

void Engine::Impl::onLaterMessage(const MessageReceived& e, Conv& c, TimePoint now,
                                  std::vector<Action>& out) {
    c.snap.last_inbound_at = e.message.received_at;
    touch(c.snap.id);
    if (c.snap.channel == ChannelKind::Voice && !isVoicemail(e.message)) clearCallBack(c);
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
    // The caller is still choosing in the phone menu: the choice routes it.
    if (c.stage == Stage::Menu) return;
    if (c.snap.channel == ChannelKind::Voice && isVoicemail(e.message)) {
        onVoicemail(e, c, now, out);
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

bool Engine::Impl::isVoicemail(const InboundMessage& m) {
    constexpr std::string_view kSuffix = ":transcription";
    return m.provider_id.size() > kSuffix.size() &&
           m.provider_id.compare(m.provider_id.size() - kSuffix.size(), kSuffix.size(),
                                 kSuffix) == 0;
}

void Engine::Impl::onVoicemail(const MessageReceived& e, Conv& c, TimePoint now,
                               std::vector<Action>& out) {
    markCallBack(c);
    Triage t = triage(e.message, e.contact, false, now, &c.snap.attributes);
    if (!t.classification.safety.empty()) out.push_back(safetyNotice(c.snap.id, t.classification));
    // The call itself said nothing to classify: the message routes the call-back, as a first
    // message would (category, queue, priority), unless an agent holds it already.
    const bool unclassified = c.snap.category.empty() ||
                              c.snap.category == cfg->classification.fallback_category;
    if (unclassified) {
        c.snap.category = t.classification.category;
        c.snap.subtype = t.classification.subtype;
        if (c.snap.language == "und") c.snap.language = t.classification.language;
    }
    for (const auto& tag : t.outcome.tags) {
        if (std::find(c.snap.tags.begin(), c.snap.tags.end(), tag) == c.snap.tags.end())
            c.snap.tags.push_back(tag);
    }
    touch(c.snap.id);
    const bool waiting = c.stage == Stage::Waiting;
    changePriority(out, c, std::min(c.snap.priority, t.priority), "voicemail", now,
                   waiting && unclassified ? std::optional<std::string>(t.queue) : std::nullopt);
    out.push_back(routed(c, e.message_id, t));
    dispatch(out, now);
}

// A resolved or self-service conversation comes back to a person: new triage and clocks.
void Engine::Impl::reopen(const MessageReceived& e, Conv& c, TimePoint now,
                          std::vector<Action>& out, const std::string& reason) {
    Triage t = triage(e.message, e.contact, false, now);
    // A short "0" or "yes" says nothing about the problem: keep the first triage then.
    if (t.classification.category != cfg->classification.fallback_category ||
        c.snap.category.empty()) {
        c.snap.category = t.classification.category;
        c.snap.subtype = t.classification.subtype;
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

}  // namespace ccd::routing
