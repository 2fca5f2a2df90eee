#include "daemon/store/outbox_rows.hpp"

#include <optional>

namespace ccd::store {
using nlohmann::json;

std::optional<std::string> stringMember(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

void readOutboxPayload(const json& payload, OutboxItem& item) {
    if (!payload.is_object()) return;
    item.text = stringMember(payload, "text").value_or("");
    item.author = stringMember(payload, "author").value_or("");
    item.subject = stringMember(payload, "subject");
    item.html = stringMember(payload, "html");
    item.template_id = stringMember(payload, "template_id");
    item.locale = stringMember(payload, "locale");
    if (auto dial = payload.find("dial"); dial != payload.end() && dial->is_object()) {
        item.dial = channels::DialRequest{stringMember(*dial, "agent").value_or(""),
                                          stringMember(*dial, "target").value_or(""),
                                          stringMember(*dial, "reason").value_or("")};
    }
}

std::string dialEventJson(const json& payload, const std::string& call_id, int attempts,
                          const std::string& reason) {
    json data{{"call_id", call_id}, {"direction", "out"}, {"attempts", attempts}};
    if (const auto it = payload.find("dial"); it != payload.end() && it->is_object()) {
        for (const char* key : {"agent", "target", "reason"}) {
            if (auto v = stringMember(*it, key)) data[key] = *v;
        }
    }
    if (!reason.empty()) data["error"] = reason;
    return data.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ccd::store
