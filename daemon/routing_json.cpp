#include "daemon/routing_json.hpp"

#include "daemon/json_time.hpp"
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
