#include "daemon/conversation_json.hpp"

#include "daemon/attachment_json.hpp"
#include "daemon/call_log_json.hpp"
#include "daemon/json_time.hpp"
#include "daemon/routing_json.hpp"

namespace ccd::daemon {

using nlohmann::json;

namespace {
json optionalJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
}  // namespace

std::string dumpJson(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json messageJson(const store::MessageRecord& m, std::int64_t conversation_id) {
    json j{{"id", m.id},
           {"direction", m.direction},
           {"channel", m.channel},
           {"channel_instance", m.channel_instance},
           {"external_id", optionalJson(m.provider_id)},
           {"author", m.author},
           {"text", m.text},
           {"locale", optionalJson(m.locale)},
           {"template", optionalJson(m.template_id)},
           {"subject", optionalJson(m.subject)},
           {"attachments", attachmentsView(m.attachments, conversation_id, m.id)},
           {"created_at", formatRfc3339Millis(m.created_at_ms)}};
    if (m.edited_at_ms) {
        j["edited_at"] = formatRfc3339Millis(*m.edited_at_ms);
        j["original_text"] = optionalJson(m.original_text);
    }
    if (m.direction == "out") {
        json d{{"state", m.delivery.value_or("queued")}};
        if (m.delivery_reason) d["reason"] = *m.delivery_reason;
        if (m.delivery_at_ms) d["at"] = formatRfc3339Millis(*m.delivery_at_ms);
        if (m.provider_ref) d["provider_id"] = *m.provider_ref;
        j["delivery"] = std::move(d);
    }
    return j;
}

json conversationJson(const store::ConversationRecord& c) {
    json messages = json::array();
    for (const auto& m : c.messages) messages.push_back(messageJson(m, c.id));
    json j{{"id", c.id},
            {"channel", c.channel},
            {"channel_instance", c.channel_instance},
            {"channel_ref", optionalJson(c.channel_ref)},
            {"status", c.status},
            {"locale", optionalJson(c.locale)},
            {"created_at", formatRfc3339Millis(c.created_at_ms)},
            {"updated_at", formatRfc3339Millis(c.updated_at_ms)},
            {"contact",
             {{"id", c.contact.id},
              {"name", optionalJson(c.contact.name)},
              {"email", optionalJson(c.contact.email)},
              {"phone", optionalJson(c.contact.phone)},
              {"tier", c.contact.tier},
              {"locale", optionalJson(c.contact.locale)}}},
            {"messages", std::move(messages)},
            {"routing", c.routing ? snapshotJson(*c.routing, routing::Clock::now()) : json(nullptr)},
            {"rating", c.rating ? json(*c.rating) : json(nullptr)},
            {"continues_by_email", optionalJson(c.continues_via)}};
    if (c.channel == "voice") j["calls"] = callLogJson(c.call_events);
    return j;
}

}  // namespace ccd::daemon
