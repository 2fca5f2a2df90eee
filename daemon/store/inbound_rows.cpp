#include "daemon/store/inbound_rows.hpp"

#include <nlohmann/json.hpp>

#include "daemon/attachment_json.hpp"

namespace ccd::store {
namespace {

using nlohmann::json;

// Invalid UTF-8 from a provider is replaced rather than refused (a message is never lost for it).
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string attachmentsColumn(const routing::InboundMessage& m) {
    return m.attachments.empty() ? std::string() : dump(daemon::attachmentsJson(m.attachments));
}

std::optional<std::string> threadRefsColumn(const routing::InboundMessage& m) {
    if (m.thread_refs.empty()) return std::nullopt;
    std::string refs;
    for (const auto& id : m.thread_refs) refs += (refs.empty() ? "" : " ") + id;
    return refs;
}

bool conflictsWith(const std::optional<std::string>& stored_text,
                   const std::optional<std::string>& stored_attachments,
                   const routing::InboundMessage& m, const std::string& attachments) {
    return stored_text.value_or("") != m.text || stored_attachments.value_or("") != attachments;
}

std::string warningsEventData(std::int64_t message_id, const std::vector<std::string>& warnings) {
    return "{\"message_id\":" + std::to_string(message_id) + "," + warningsEventTail(warnings);
}

std::string warningsEventTail(const std::vector<std::string>& warnings) {
    // The same text as dump(json{{"message_id", id}, {"warnings", warnings}}): an object's keys
    // are sorted, and "message_id" comes before "warnings".
    return "\"warnings\":" + dump(json(warnings)) + "}";
}

void readProfileAttributes(const std::string& text, routing::ContactProfile& p) {
    if (text == "{}") return;
    json attrs = json::parse(text, nullptr, false);
    if (!attrs.is_object()) return;
    for (auto it = attrs.begin(); it != attrs.end(); ++it) {
        p.attributes[it.key()] =
            it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
    }
}

void setAccountManager(routing::ContactProfile& p) {
    if (auto am = p.attributes.find("account_manager");
        am != p.attributes.end() && !am->second.empty())
        p.account_manager = am->second;
}

}  // namespace ccd::store
