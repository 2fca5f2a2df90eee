#include "daemon/call_decision.hpp"

#include <algorithm>

#include "routing/engine.hpp"
#include "templates/catalog.hpp"

namespace ccd::daemon {

namespace {

using channels::CallDecision;

std::string timeZoneOf(const routing::Engine& engine) {
    const auto& cfg = engine.config();
    auto it = cfg.calendars.find(cfg.defaults.calendar);
    return it == cfg.calendars.end() ? std::string("UTC") : it->second.time_zone;
}

std::string speech(const templates::Catalog* catalog, const std::string& id,
                   const std::string& locale, const templates::Vars& vars,
                   const std::string& tz) {
    if (!catalog) return {};
    auto r = catalog->render(id, locale, templates::Variant::Speech, vars, tz);
    return r.ok() ? r.value->text : std::string();
}

const routing::QueueDef* queueDef(const routing::Engine& engine, const std::string& name) {
    for (const auto& q : engine.config().queues) {
        if (q.name == name) return &q;
    }
    return nullptr;
}

}  // namespace

std::string speechLanguage(const std::string& locale) {
    if (locale.rfind("zh-Hant", 0) == 0 || locale == "zh-TW" || locale == "zh-HK") return "zh-TW";
    if (locale.rfind("zh", 0) == 0) return "zh-CN";
    return "en-US";
}

CallDecision decideCall(const routing::Engine& engine, const templates::Catalog* catalog,
                        std::int64_t conversation, const std::vector<routing::Action>& actions,
                        const SipDirectory& sip_of, routing::TimePoint now,
                        bool leaving_queue) {
    CallDecision d;
    auto snap = engine.conversation(conversation);
    const std::string locale = snap ? snap->locale : std::string("en");
    d.language = speechLanguage(locale);
    const std::string tz = timeZoneOf(engine);

    // The caller chooses from the phone menu first (routing.yaml `ivr:`).
    if (snap && snap->stage == "menu" && engine.config().ivr) {
        const auto& menu = *engine.config().ivr;
        d.kind = CallDecision::Kind::Menu;
        d.speech = menu.prompt(locale);
        d.digits = menu.choices();
        d.attempt = std::max(1, snap->menu_attempt);
        d.timeout_s = static_cast<int>(menu.timeout.count());
        return d;
    }
    // Outside business hours nobody answers: a voicemail.
    if (auto next = engine.nextOpening(now); next && *next > now) {
        d.kind = CallDecision::Kind::Voicemail;
        d.speech = speech(catalog, "voicemail_prompt", locale, {{"next_opening", *next}}, tz);
        return d;
    }
    std::optional<std::string> offered;
    const routing::Queued* queued = nullptr;
    for (const auto& a : actions) {
        if (const auto* o = std::get_if<routing::OfferMade>(&a); o && o->conversation_id == conversation)
            offered = o->agent;
        if (const auto* q = std::get_if<routing::Queued>(&a); q && q->conversation_id == conversation)
            queued = q;
    }
    // A caller who joined a conversation already offered to or held by an agent goes to them.
    if (!offered && snap && snap->agent && (snap->stage == "assigned" || snap->stage == "offered"))
        offered = snap->agent;
    // A repeated request (a provider's retry) has no actions: the agent it is offered to now
    // (an offered conversation is visible to that agent only). Rare: one pass over the agents.
    if (!offered && snap && snap->stage == "offered") {
        for (const auto& a : engine.agentStats()) {
            if (engine.visibleTo(conversation, a.id)) {
                offered = a.id;
                break;
            }
        }
    }
    if (offered) {
        if (auto sip = sip_of(*offered); !sip.empty()) {
            d.kind = CallDecision::Kind::Dial;
            d.agent = *offered;
            d.target = sip;
            return d;
        }
    }
    // A repeated request (a provider's retry) or a queued caller's poll has no actions: the
    // conversation's own place (an offer to an agent without a SIP address: still waiting, next).
    std::optional<routing::Queued> waiting;
    if (!queued && snap && (snap->stage == "waiting" || snap->stage == "offered")) {
        auto place = engine.queuePosition(conversation);
        if (place || snap->stage == "offered") {
            waiting = routing::Queued{conversation, snap->queue, snap->priority, place.value_or(1),
                                      "routed"};
            queued = &*waiting;
        }
    }
    if (queued) {
        const routing::QueueDef* def = queueDef(engine, queued->queue);
        // The caller has waited since the call arrived (a requeued call keeps its place).
        const auto since = snap ? std::max(snap->queued_at, snap->opened_at) : now;
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
            now > since ? now - since : routing::TimePoint::duration::zero());
        if (leaving_queue || (def && def->max_wait.count() > 0 && waited >= def->max_wait)) {
            // The conversation keeps its place: the voicemail makes it call-back work.
            d.kind = CallDecision::Kind::Voicemail;
            d.speech = speech(catalog, "voice_queue_voicemail", locale, {}, tz);
            return d;
        }
        d.kind = CallDecision::Kind::Queue;
        d.queue = queued->queue;
        auto position = std::max<std::size_t>(1, queued->position);
        // Until the queue has handle times, a few minutes per caller ahead.
        auto estimate = engine.estimatedWait(queued->queue, position, now);
        auto wait =
            estimate.value_or(std::chrono::minutes(3) * static_cast<std::int64_t>(position));
        auto minutes = std::chrono::duration_cast<std::chrono::minutes>(wait + std::chrono::seconds(59));
        d.position = position;
        d.wait_s = std::chrono::duration_cast<std::chrono::seconds>(wait).count();
        d.wait_from_handle_times = estimate.has_value();
        d.speech = speech(catalog, "voice_queue_announcement", locale,
                          {{"queue_position", static_cast<std::int64_t>(position)},
                           {"estimated_wait_minutes", static_cast<std::int64_t>(minutes.count())}},
                          tz);
        // Ask again for the next announcement, or when the maximum wait is over if sooner.
        std::chrono::milliseconds next = def ? def->announce_every : std::chrono::milliseconds(0);
        if (def && def->max_wait.count() > 0 &&
            (next.count() == 0 || def->max_wait - waited < next))
            next = def->max_wait - waited;
        if (next.count() > 0)
            d.poll_after_s = static_cast<int>((next.count() + 999) / 1000);
        return d;
    }
    return d;  // Ring: the phone system's own queue
}

}  // namespace ccd::daemon
