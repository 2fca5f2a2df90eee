// Reading a WhatsApp Cloud API notification: every entry, change, message and status in it.
#include <nlohmann/json.hpp>

#include <map>

#include "channels/common/json_body.hpp"
#include "channels/whatsapp/whatsapp_channel.hpp"

namespace ccd::channels::whatsapp {
namespace {

using nlohmann::json;

routing::TimePoint timeOf(const json& obj, routing::TimePoint fallback) {
    auto t = jsonInt(obj, "timestamp");
    // Before 2200: a time point counts nanoseconds in 64 bits (found by the fuzzer).
    if (!t || *t <= 0 || *t > 7258118400) return fallback;
    return routing::TimePoint(std::chrono::seconds(*t));
}

std::string errorReason(const json& status) {
    const json* errors = jsonArray(status, "errors");
    if (!errors || errors->empty() || !(*errors)[0].is_object()) return "failed";
    const json& e = (*errors)[0];
    std::string reason = "WhatsApp " + jsonId(e, "code").value_or("?") + ": " +
                         jsonString(e, "title").value_or(jsonString(e, "message").value_or(""));
    if (const auto* data = jsonObject(e, "error_data")) {
        if (auto details = jsonString(*data, "details")) reason += " (" + *details + ")";
    }
    return reason;
}

// Fills text and attachments from one message; false when it carries nothing for a person
// (a reaction, an unsupported type).
bool readContent(const json& m, const std::string& type, routing::InboundMessage& in) {
    if (type == "text") {
        const json* t = jsonObject(m, "text");
        in.text = t ? jsonString(*t, "body").value_or("") : "";
        return !in.text.empty();
    }
    if (type == "image" || type == "video" || type == "audio" || type == "document" ||
        type == "sticker") {
        const json* f = jsonObject(m, type);
        if (!f) return false;
        routing::Attachment a;
        a.kind = type == "audio" && f->value("voice", false) ? "voice" : type;
        a.provider_file_id = jsonString(*f, "id").value_or("");
        a.mime_type = jsonString(*f, "mime_type");
        a.file_name = jsonString(*f, "filename");
        a.caption = jsonString(*f, "caption");
        if (a.caption) in.text = *a.caption;
        in.attachments.push_back(std::move(a));
        return true;
    }
    if (type == "location") {
        const json* l = jsonObject(m, "location");
        if (!l) return false;
        routing::Attachment a;
        a.kind = "location";
        std::string where;
        auto lat = l->find("latitude"), lon = l->find("longitude");
        if (lat != l->end() && lon != l->end() && lat->is_number() && lon->is_number())
            where = lat->dump() + "," + lon->dump();
        for (const char* k : {"name", "address"}) {
            if (auto v = jsonString(*l, k)) where += (where.empty() ? "" : " ") + *v;
        }
        a.caption = where;
        in.attachments.push_back(std::move(a));
        return true;
    }
    if (type == "contacts") {
        const json* list = jsonArray(m, "contacts");
        if (!list) return false;
        for (const auto& c : *list) {
            routing::Attachment a;
            a.kind = "contact";
            if (const auto* n = jsonObject(c, "name")) a.file_name = jsonString(*n, "formatted_name");
            if (const auto* phones = jsonArray(c, "phones"); phones && !phones->empty())
                a.caption = jsonString((*phones)[0], "phone");
            in.attachments.push_back(std::move(a));
        }
        return !in.attachments.empty();
    }
    if (type == "interactive") {
        const json* i = jsonObject(m, "interactive");
        if (!i) return false;
        for (const char* k : {"button_reply", "list_reply"}) {
            if (const auto* r = jsonObject(*i, k)) in.text = jsonString(*r, "title").value_or("");
        }
        return !in.text.empty();
    }
    if (type == "button") {
        const json* b = jsonObject(m, "button");
        in.text = b ? jsonString(*b, "text").value_or("") : "";
        return !in.text.empty();
    }
    return false;  // reaction, order, system, unsupported, unknown
}

}  // namespace

ParseOutcome parseNotification(std::string_view body, const std::string& phone_number_id,
                               routing::TimePoint now) {
    auto parsed = parseJsonBody(body);
    if (parsed.error) return ParseOutcome::reject(std::move(*parsed.error));
    const json& n = parsed.value;
    if (!n.is_object()) return ParseOutcome::reject(400, "invalid_body", "expected a JSON object");
    const json* entries = jsonArray(n, "entry");
    if (!entries)
        return ParseOutcome::reject(400, "missing_field", "missing field entry", "entry");
    ParseOutcome out;
    if (jsonString(n, "object").value_or("") != "whatsapp_business_account") {
        out.ignored = 1;
        return out;
    }
    for (const auto& entry : *entries) {
        const json* changes = jsonArray(entry, "changes");
        if (!changes) continue;
        for (const auto& change : *changes) {
            const json* value = jsonObject(change, "value");
            if (!value || jsonString(change, "field").value_or("messages") != "messages") {
                ++out.ignored;
                continue;
            }
            const json* meta = jsonObject(*value, "metadata");
            if (!meta || jsonId(*meta, "phone_number_id").value_or("") != phone_number_id) {
                // Another number of the same app: its own instance takes it.
                ++out.ignored;
                continue;
            }
            std::map<std::string, std::string> names;  // wa_id -> profile name
            if (const auto* contacts = jsonArray(*value, "contacts")) {
                for (const auto& c : *contacts) {
                    auto wa = jsonId(c, "wa_id");
                    const json* profile = jsonObject(c, "profile");
                    auto name = profile ? jsonString(*profile, "name") : std::nullopt;
                    if (wa && name && !name->empty()) names[*wa] = *name;
                }
            }
            if (const auto* messages = jsonArray(*value, "messages")) {
                for (const auto& m : *messages) {
                    auto from = jsonId(m, "from");
                    auto id = jsonString(m, "id");
                    auto type = jsonString(m, "type").value_or("");
                    routing::InboundMessage in;
                    if (!from || !id || id->empty() || !readContent(m, type, in)) {
                        ++out.ignored;
                        continue;
                    }
                    in.channel = routing::ChannelKind::WhatsApp;
                    in.provider_id = *id;
                    in.from.id = *from;
                    in.from.phone = "+" + *from;
                    if (auto it = names.find(*from); it != names.end()) in.from.name = it->second;
                    in.received_at = now;
                    out.messages.push_back(std::move(in));
                }
            }
            if (const auto* statuses = jsonArray(*value, "statuses")) {
                for (const auto& s : *statuses) {
                    auto id = jsonString(s, "id");
                    auto state = routing::deliveryStateFromString(
                        jsonString(s, "status").value_or(""));
                    if (!id || !state || *state == routing::DeliveryState::Queued) {
                        ++out.ignored;
                        continue;
                    }
                    DeliveryReport r;
                    r.provider_message_id = *id;
                    r.state = *state;
                    r.at = timeOf(s, now);
                    if (*state == routing::DeliveryState::Failed) r.reason = errorReason(s);
                    out.reports.push_back(std::move(r));
                }
            }
        }
    }
    return out;
}

}  // namespace ccd::channels::whatsapp
