#include "daemon/routing_json.hpp"

#include <map>

#include "daemon/json_time.hpp"
#include "daemon/json_writer.hpp"
#include "routing/rules.hpp"

namespace ccd::daemon {

using nlohmann::json;

std::string isoTime(routing::TimePoint t) {
    return formatRfc3339Millis(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

json deadlinesJson(const std::vector<routing::SlaDeadline>& deadlines, routing::TimePoint now) {
    json out = json::object();
    for (const auto& d : deadlines) {
        json item{{"due_at", isoTime(d.due_at)},
                  {"warn_at", isoTime(d.warn_at)},
                  {"state", routing::toString(routing::stateAt(d, now))}};
        if (d.met_at) item["met_at"] = isoTime(*d.met_at);
        out[std::string(routing::toString(d.milestone))] = std::move(item);
    }
    return out;
}

json classificationJson(const routing::Classification& c) {
    return {{"category", c.category},
            {"subtype", c.subtype},
            {"confidence", std::round(c.confidence * 1000.0) / 1000.0},
            {"language", c.language},
            {"sentiment", routing::toString(c.sentiment)},
            {"safety", c.safety},
            {"urgency", c.urgency}};
}

json actionJson(const routing::Action& action) {
    json j = std::visit(
        [](const auto& a) -> json {
            using T = std::decay_t<decltype(a)>;
            using namespace routing;
            if constexpr (std::is_same_v<T, ConversationRouted>) {
                json r = classificationJson(a.classification);
                r["conversation_id"] = a.conversation_id;
                r["message_id"] = a.message_id;
                r["priority"] = priorityName(a.priority);
                r["queue"] = a.queue;
                r["tags"] = a.tags;
                r["rules"] = a.rules;
                r["sla_policy"] = a.sla_policy;
                r["sla"] = deadlinesJson(a.deadlines, TimePoint{});
                for (auto& [k, v] : r["sla"].items()) v.erase("state");
                r["handoff"] = a.handoff;
                return r;
            } else if constexpr (std::is_same_v<T, AutoReply>) {
                return {{"conversation_id", a.conversation_id},
                        {"in_reply_to", a.in_reply_to},
                        {"template", a.template_id},
                        {"reason", a.reason},
                        {"locale", a.locale}};
            } else if constexpr (std::is_same_v<T, OfferMade>) {
                return {{"conversation_id", a.conversation_id},
                        {"agent", a.agent},
                        {"queue", a.queue},
                        {"priority", priorityName(a.priority)},
                        {"expires_at", isoTime(a.expires_at)}};
            } else if constexpr (std::is_same_v<T, OfferRevoked>) {
                return {{"conversation_id", a.conversation_id},
                        {"agent", a.agent},
                        {"reason", a.reason}};
            } else if constexpr (std::is_same_v<T, Assigned>) {
                return {{"conversation_id", a.conversation_id}, {"agent", a.agent}};
            } else if constexpr (std::is_same_v<T, Queued>) {
                return {{"conversation_id", a.conversation_id},
                        {"queue", a.queue},
                        {"priority", priorityName(a.priority)},
                        {"position", a.position},
                        {"reason", a.reason}};
            } else if constexpr (std::is_same_v<T, PriorityChanged>) {
                return {{"conversation_id", a.conversation_id},
                        {"from", priorityName(a.from)},
                        {"to", priorityName(a.to)},
                        {"reason", a.reason}};
            } else if constexpr (std::is_same_v<T, SlaAlert>) {
                json r{{"conversation_id", a.conversation_id},
                       {"milestone", toString(a.milestone)},
                       {"due_at", isoTime(a.due_at)}};
                if (a.agent) r["agent"] = *a.agent;
                return r;
            } else if constexpr (std::is_same_v<T, MilestoneMet>) {
                return {{"conversation_id", a.conversation_id},
                        {"milestone", toString(a.milestone)},
                        {"at", isoTime(a.at)},
                        {"late", a.late}};
            } else if constexpr (std::is_same_v<T, SupervisorNotice>) {
                return {{"conversation_id", a.conversation_id},
                        {"reason", a.reason},
                        {"detail", a.detail}};
            } else if constexpr (std::is_same_v<T, ConversationResolved>) {
                return {{"conversation_id", a.conversation_id},
                        {"agent", a.agent},
                        {"disposition", a.disposition}};
            } else if constexpr (std::is_same_v<T, ConversationClosed>) {
                return {{"conversation_id", a.conversation_id}};
            } else if constexpr (std::is_same_v<T, RatingRecorded>) {
                return {{"conversation_id", a.conversation_id},
                        {"message_id", a.message_id},
                        {"rating", a.rating}};
            } else if constexpr (std::is_same_v<T, AgentStateChanged>) {
                json r{{"agent", a.agent}, {"presence", toString(a.presence)}};
                if (!a.reason.empty()) r["reason"] = a.reason;
                if (a.until) r["until"] = isoTime(*a.until);
                return r;
            } else if constexpr (std::is_same_v<T, DeliveryChanged>) {
                json r{{"conversation_id", a.conversation_id},
                       {"message_id", a.message_id},
                       {"state", toString(a.state)},
                       {"author", a.author}};
                if (!a.reason.empty()) r["reason"] = a.reason;
                return r;
            } else if constexpr (std::is_same_v<T, CaseRequested>) {
                return {{"conversation_id", a.conversation_id},
                        {"contact_id", a.contact_id},
                        {"type", a.type},
                        {"rule", a.rule}};
            } else {
                static_assert(std::is_same_v<T, Rejected>);
                return {{"conversation_id", a.conversation_id},
                        {"agent", a.agent},
                        {"code", a.code},
                        {"reason", a.reason}};
            }
        },
        action);
    j["action"] = std::string(routing::actionName(action));
    return j;
}

namespace {

// The keys of each object in nlohmann's order (sorted), as actionJson's dump() writes them.
bool writeHotAction(JsonWriter& w, const routing::Action& action) {
    using namespace routing;
    const std::string_view name = actionName(action);
    if (const auto* a = std::get_if<ConversationRouted>(&action)) {
        const auto& c = a->classification;
        w.beginObject().key("action").value(name);
        w.key("category").value(c.category);
        w.key("confidence").value(std::round(c.confidence * 1000.0) / 1000.0);
        w.key("conversation_id").value(a->conversation_id);
        w.key("handoff").value(a->handoff);
        w.key("language").value(c.language);
        w.key("message_id").value(a->message_id);
        w.key("priority").value(priorityName(a->priority));
        w.key("queue").value(a->queue);
        w.key("rules").value(a->rules);
        w.key("safety").value(c.safety);
        w.key("sentiment").value(toString(c.sentiment));
        // One entry per milestone, the last deadline of it winning (as json's operator[]).
        std::map<std::string_view, const SlaDeadline*> sla;
        for (const auto& d : a->deadlines) sla[toString(d.milestone)] = &d;
        w.key("sla").beginObject();
        for (const auto& [milestone, d] : sla) {
            w.key(milestone).beginObject().key("due_at").value(isoTime(d->due_at));
            if (d->met_at) w.key("met_at").value(isoTime(*d->met_at));
            w.key("warn_at").value(isoTime(d->warn_at)).endObject();
        }
        w.endObject();
        w.key("sla_policy").value(a->sla_policy);
        w.key("subtype").value(c.subtype);
        w.key("tags").value(a->tags);
        w.key("urgency").value(c.urgency);
    } else if (const auto* a = std::get_if<AutoReply>(&action)) {
        w.beginObject().key("action").value(name);
        w.key("conversation_id").value(a->conversation_id);
        w.key("in_reply_to").value(a->in_reply_to);
        w.key("locale").value(a->locale);
        w.key("reason").value(a->reason);
        w.key("template").value(a->template_id);
    } else if (const auto* a = std::get_if<Queued>(&action)) {
        w.beginObject().key("action").value(name);
        w.key("conversation_id").value(a->conversation_id);
        w.key("position").value(static_cast<std::int64_t>(a->position));
        w.key("priority").value(priorityName(a->priority));
        w.key("queue").value(a->queue);
        w.key("reason").value(a->reason);
    } else if (const auto* a = std::get_if<CaseRequested>(&action)) {
        w.beginObject().key("action").value(name);
        w.key("contact_id").value(a->contact_id);
        w.key("conversation_id").value(a->conversation_id);
        w.key("rule").value(a->rule);
        w.key("type").value(a->type);
    } else if (const auto* a = std::get_if<OfferMade>(&action)) {
        w.beginObject().key("action").value(name);
        w.key("agent").value(a->agent);
        w.key("conversation_id").value(a->conversation_id);
        w.key("expires_at").value(isoTime(a->expires_at));
        w.key("priority").value(priorityName(a->priority));
        w.key("queue").value(a->queue);
    } else if (const auto* a = std::get_if<Assigned>(&action)) {
        w.beginObject().key("action").value(name);
        w.key("agent").value(a->agent);
        w.key("conversation_id").value(a->conversation_id);
    } else {
        return false;
    }
    w.endObject();
    return true;
}

}  // namespace

std::string actionText(const routing::Action& action) {
    JsonWriter w;
    if (writeHotAction(w, action)) return w.take();
    return actionJson(action).dump(-1, ' ', false, json::error_handler_t::replace);
}

json snapshotJson(const routing::ConversationSnapshot& s, routing::TimePoint now) {
    json j{{"stage", s.stage},
           {"category", s.category},
           {"subtype", s.subtype},
           {"language", s.language},
           {"priority", routing::priorityName(s.priority)},
           {"queue", s.queue},
           {"tags", s.tags},
           {"sla_policy", s.sla_policy},
           {"sla", deadlinesJson(s.deadlines, now)},
           {"reply_locale", s.locale},
           {"agent", s.agent ? json(*s.agent) : json(nullptr)}};
    if (s.resolved_at) j["resolved_at"] = isoTime(*s.resolved_at);
    if (!s.attributes.empty()) j["attributes"] = s.attributes;  // the phone menu's choice
    return j;
}

}  // namespace ccd::daemon
