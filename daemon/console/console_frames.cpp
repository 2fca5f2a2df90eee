#include "daemon/console/console_frames.hpp"

#include <algorithm>

#include "daemon/attachment_json.hpp"
#include "daemon/call_log_json.hpp"
#include "daemon/contact_history_json.hpp"
#include "daemon/json_time.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon::console {

using nlohmann::json;

namespace {

std::int64_t toMs(routing::TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

json optional(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json deadlinesJson(const std::vector<routing::SlaDeadline>& deadlines) {
    json out = json::array();
    for (const auto& d : deadlines) {
        json j{{"milestone", routing::toString(d.milestone)},
               {"warn_at", timeText(d.warn_at)},
               {"due_at", timeText(d.due_at)}};
        j["met_at"] = d.met_at ? json(timeText(*d.met_at)) : json(nullptr);
        out.push_back(std::move(j));
    }
    return out;
}

json historyJson(const store::ConversationRecord& r) {
    json out = json::array();
    for (const auto& m : r.messages) {
        json j{{"id", m.id},
               {"direction", m.direction},
               {"author", m.author},
               {"text", m.text},
               {"created_at", formatRfc3339Millis(m.created_at_ms)}};
        if (!m.attachments.empty()) j["attachments"] = attachmentsView(m.attachments, r.id, m.id);
        if (m.edited_at_ms) j["edited_at"] = formatRfc3339Millis(*m.edited_at_ms);
        if (m.direction == "out") {
            j["status"] = m.delivery.value_or("queued");
            if (m.delivery_reason) j["status_reason"] = *m.delivery_reason;
        }
        out.push_back(std::move(j));
    }
    return out;
}

json customerJson(const store::ConversationRecord& r) {
    return {{"id", r.contact.id},
            {"name", optional(r.contact.name)},
            {"email", optional(r.contact.email)},
            {"phone", optional(r.contact.phone)},
            {"tier", r.contact.tier},
            {"locale", optional(r.contact.locale)}};
}

void addSnapshot(json& j, const routing::ConversationSnapshot& s) {
    j["category"] = s.category;
    j["subtype"] = s.subtype;
    j["language"] = s.language;
    j["queue"] = s.queue;
    j["priority"] = s.priority;
    j["sla_policy"] = s.sla_policy;
    j["deadlines"] = deadlinesJson(s.deadlines);
    j["agent"] = optional(s.agent);
}

}  // namespace

std::string dumpJson(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string_view roleName(Role role) {
    switch (role) {
        case Role::Agent: return "agent";
        case Role::Supervisor: return "supervisor";
        case Role::Admin: return "admin";
    }
    return "agent";
}

std::string timeText(routing::TimePoint t) { return formatRfc3339Millis(toMs(t)); }

json messageFrame(const routing::MessageReceived& m) {
    json message{{"id", m.message_id},
                 {"direction", "in"},
                 {"channel", routing::toString(m.message.channel)},
                 {"channel_instance", std::string(m.message.instance())},
                 {"author", m.message.from.name ? *m.message.from.name : m.message.from.id},
                 {"text", m.message.text},
                 {"created_at", timeText(m.message.received_at)}};
    if (!m.message.attachments.empty())
        message["attachments"] =
            attachmentsView(m.message.attachments, m.conversation_id, m.message_id);
    return {{"type", "message"}, {"conversation_id", m.conversation_id}, {"message", message}};
}

json updatedFrame(std::int64_t conversation_id, std::string_view change, json extra) {
    json j{{"type", "conversation_updated"},
           {"conversation_id", conversation_id},
           {"change", change}};
    for (auto& [k, v] : extra.items()) j[k] = v;
    return j;
}

json slaFrame(const routing::SlaAlert& a) {
    return {{"type", a.breached ? "sla_breach" : "sla_warning"},
            {"conversation_id", a.conversation_id},
            {"milestone", routing::toString(a.milestone)},
            {"due_at", timeText(a.due_at)},
            {"agent", optional(a.agent)}};
}

json offerFrame(const routing::OfferMade& o, const routing::ConversationSnapshot* s,
                const store::ConversationRecord* r, routing::TimePoint now) {
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(o.expires_at - now);
    json j{{"type", "offer"},
           {"conversation_id", o.conversation_id},
           {"queue", o.queue},
           {"priority", o.priority},
           {"expires_at", timeText(o.expires_at)},
           {"offer_timeout_ms", std::max<std::int64_t>(0, timeout.count())},
           {"category", nullptr},
           {"subtype", nullptr},
           {"deadlines", json::array()},
           {"history", json::array()}};
    if (s) {
        addSnapshot(j, *s);
        j["queue"] = o.queue;
        j["priority"] = o.priority;
        j["channel"] = routing::toString(s->channel);
        if (!s->channel_instance.empty()) j["channel_instance"] = s->channel_instance;
    }
    if (r) {
        j["channel"] = r->channel;
        j["channel_instance"] = r->channel_instance;
        j["subject"] = optional(r->channel_ref);
        j["customer"] = customerJson(*r);
        j["history"] = historyJson(*r);
        // A ringing call: the agent sees who calls and the call so far.
        if (r->channel == "voice") j["calls"] = callLogJson(r->call_events);
        if (r->customer_history)
            j["customer_history"] = contactHistoryJson(*r->customer_history, now);
    }
    return j;
}

json conversationFrame(const store::ConversationRecord& r, const routing::ConversationSnapshot* s,
                       routing::TimePoint now) {
    json j{{"type", "conversation"},
           {"conversation_id", r.id},
           {"channel", r.channel},
           {"channel_instance", r.channel_instance},
           {"status", r.status},
           {"customer", customerJson(r)},
           {"history", historyJson(r)}};
    if (s) addSnapshot(j, *s);
    // A call-back's calls: the dial request, ringing, answered, the outcome.
    if (r.channel == "voice") j["calls"] = callLogJson(r.call_events);
    if (r.customer_history) j["customer_history"] = contactHistoryJson(*r.customer_history, now);
    return j;
}

json queuesFrame(const std::vector<routing::QueueWaiting>& lists,
                 const std::vector<std::string>* only) {
    json q = json::array();
    for (const auto& l : lists) {
        if (only && std::find(only->begin(), only->end(), l.name) == only->end()) continue;
        json first = json::array();
        for (const auto& w : l.first) {
            first.push_back({{"conversation_id", w.conversation_id},
                             {"priority", w.priority},
                             {"channel", routing::toString(w.channel)},
                             {"category", w.category},
                             {"subtype", w.subtype},
                             {"language", w.language},
                             {"waiting_ms", w.waited.count()}});
        }
        q.push_back({{"name", l.name},
                     {"waiting", l.waiting},
                     {"oldest_wait_ms", l.oldest_wait.count()},
                     {"conversations", std::move(first)}});
    }
    return {{"type", "queues"}, {"queues", std::move(q)}};
}

json boardFrame(const std::vector<routing::QueueStats>& queues,
                const std::vector<routing::AgentStats>& agents, const std::vector<json>& at_risk,
                const std::map<std::string, bool>& online, routing::TimePoint now) {
    json q = json::array();
    for (const auto& s : queues) {
        q.push_back({{"name", s.name},
                     {"waiting", s.waiting},
                     {"oldest_wait_ms", s.oldest_wait.count()}});
    }
    json a = json::array();
    for (const auto& s : agents) {
        auto it = online.find(s.id);
        a.push_back({{"id", s.id},
                     {"presence", routing::toString(s.presence)},
                     {"occupancy", s.occupancy},
                     {"conversations", s.conversations},
                     {"connected", it != online.end() && it->second}});
    }
    return {{"type", "board"},
            {"at", timeText(now)},
            {"queues", std::move(q)},
            {"agents", std::move(a)},
            {"at_risk", at_risk}};
}

}  // namespace ccd::daemon::console
