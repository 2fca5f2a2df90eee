// Steps of a call that routing acts on. A new call in the phone menu (routing.yaml `ivr:`)
// waits for the caller's key instead of a queue, then the digit's attributes are set on the
// conversation and the rules route it. An invalid digit (or none) repeats the menu once; a
// second one, or the caller hanging up, routes it with the menu's fallback attributes, so the
// call is never lost. A caller who hangs up before an agent took the call (in the menu, queued,
// ringing) is to be called back: the conversation keeps its place, tagged call_back.
#include "routing/engine_impl.hpp"

namespace ccd::routing {

const std::string& IvrMenu::prompt(const std::string& locale) const {
    auto it = prompts.find(locale);
    if (it == prompts.end()) it = prompts.find("en");
    static const std::string kNone;
    return it == prompts.end() ? kNone : it->second;
}

std::string IvrMenu::choices() const {
    std::string out;
    for (const auto& [digit, attributes] : digits) out += digit;
    return out;
}

bool Engine::Impl::playsMenu(const MessageReceived& e, TimePoint now) const {
    if (!cfg->ivr || e.message.channel != ChannelKind::Voice) return false;
    // After hours the caller hears the voicemail prompt: no menu to choose from.
    return closedCalendar(now) == nullptr;
}

namespace {

// A hangup cause that says nobody answered: CTI's (Zammad's) and Twilio's words.
bool unanswered(const std::string& cause) {
    for (const char* c : {"noAnswer", "busy", "cancel", "no-answer", "canceled", "failed"}) {
        if (cause == c) return true;
    }
    return false;
}

}  // namespace

void Engine::Impl::markCallBack(Conv& c) {
    if (std::find(c.snap.tags.begin(), c.snap.tags.end(), kCallBackTag) == c.snap.tags.end()) {
        c.snap.tags.push_back(kCallBackTag);
        touch(c.snap.id);
    }
}

void Engine::Impl::clearCallBack(Conv& c) {
    auto it = std::find(c.snap.tags.begin(), c.snap.tags.end(), kCallBackTag);
    if (it == c.snap.tags.end()) return;
    c.snap.tags.erase(it);
    touch(c.snap.id);
}

void Engine::Impl::onCallStep(const CallStep& e, TimePoint now, std::vector<Action>& out) {
    auto it = convs.find(e.conversation_id);
    if (it == convs.end()) return;
    Conv& c = it->second;
    if (e.kind == CallStep::Kind::Hangup &&
        (c.stage == Stage::Waiting || c.stage == Stage::Menu ||
         (c.stage == Stage::Offered && unanswered(e.cause)))) {
        // Missed or abandoned: nobody took the call. The work stays where it is (queued, or
        // offered to the agent whose phone rang, who then calls back), marked as a call-back.
        // An offered call that ended normally may have been talked through before the agent
        // accepted it in the console: not marked.
        markCallBack(c);
    }
    if (c.stage != Stage::Menu) return;
    if (!cfg->ivr) return routeFromMenu(c, {}, now, out);  // a reload removed the menu
    if (e.kind == CallStep::Kind::Digits) {
        auto choice = cfg->ivr->digits.find(e.digits);
        if (choice != cfg->ivr->digits.end()) return routeFromMenu(c, choice->second, now, out);
        if (c.snap.menu_attempt < 2) {
            // Once more: the phone system plays the menu again (the daemon's answer).
            c.snap.menu_attempt = 2;
            touch(c.snap.id);
            return;
        }
    }
    routeFromMenu(c, cfg->ivr->fallback, now, out);
}

void Engine::Impl::routeFromMenu(Conv& c, const std::map<std::string, std::string>& chosen,
                                 TimePoint now, std::vector<Action>& out) {
    for (const auto& [key, value] : chosen) c.snap.attributes[key] = value;
    c.snap.menu_attempt = 0;
    MessageReceived call = c.menu_call ? std::move(*c.menu_call) : MessageReceived{};
    c.menu_call.reset();
    if (call.message.channel != ChannelKind::Voice) {
        call.message.channel = c.snap.channel;
        call.message.channel_instance = c.snap.channel_instance;
    }
    Triage t = triage(call.message, call.contact, true, now, &c.snap.attributes);
    c.snap.priority = t.priority;
    c.snap.queue = t.queue;
    c.snap.sla_policy = t.sla_policy;
    for (const auto& tag : t.outcome.tags) {
        if (std::find(c.snap.tags.begin(), c.snap.tags.end(), tag) == c.snap.tags.end())
            c.snap.tags.push_back(tag);
    }
    // The clocks run from the call's arrival, not from the caller's choice.
    c.snap.deadlines = startDeadlines(c.snap.sla_policy, c.snap.opened_at);
    c.stage = Stage::Waiting;
    touch(c.snap.id);
    out.push_back(routed(c, call.message_id, t));
    requestCase(out, c, t, call.contact);
    if (!t.classification.safety.empty()) out.push_back(safetyNotice(c.snap.id, t.classification));
    scheduleClocks(c);
    enqueueRouted(out, c, t, call.contact, c.snap.opened_at, now);
    dispatch(out, now);
}

}  // namespace ccd::routing
