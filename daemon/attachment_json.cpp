#include "daemon/attachment_json.hpp"

namespace ccd::daemon {

using nlohmann::json;

json attachmentsJson(const std::vector<routing::Attachment>& attachments) {
    json out = json::array();
    for (const auto& a : attachments) {
        json j{{"kind", a.kind}, {"file_id", a.provider_file_id}};
        if (a.mime_type) j["mime_type"] = *a.mime_type;
        if (a.file_name) j["file_name"] = *a.file_name;
        if (a.size) j["size"] = *a.size;
        if (a.caption) j["caption"] = *a.caption;
        if (a.url) j["url"] = *a.url;
        if (a.stored) j["stored"] = true;
        out.push_back(std::move(j));
    }
    return out;
}

json attachmentsView(const std::vector<routing::Attachment>& attachments,
                     std::int64_t conversation_id, std::int64_t message_id) {
    json out = attachmentsJson(attachments);
    for (std::size_t i = 0; i < attachments.size(); ++i) {
        if (!attachments[i].stored) continue;
        out[i]["content_url"] = "/v1/conversations/" + std::to_string(conversation_id) +
                                "/messages/" + std::to_string(message_id) + "/attachments/" +
                                std::to_string(i + 1);
    }
    return out;
}

std::vector<routing::Attachment> attachmentsFromJson(const json& j) {
    std::vector<routing::Attachment> out;
    if (!j.is_array()) return out;
    auto text = [](const json& o, const char* key) -> std::optional<std::string> {
        auto it = o.find(key);
        if (it == o.end() || !it->is_string()) return std::nullopt;
        return it->get<std::string>();
    };
    for (const auto& item : j) {
        if (!item.is_object()) continue;
        // Removed by erasure or retention: kept on disk as {"kind", "removed"} for counts only.
        if (auto it = item.find("removed"); it != item.end() && it->is_boolean() && it->get<bool>())
            continue;
        routing::Attachment a;
        a.kind = text(item, "kind").value_or("file");
        a.provider_file_id = text(item, "file_id").value_or("");
        a.mime_type = text(item, "mime_type");
        a.file_name = text(item, "file_name");
        if (auto it = item.find("size"); it != item.end() && it->is_number_integer())
            a.size = it->get<std::int64_t>();
        a.caption = text(item, "caption");
        a.url = text(item, "url");
        if (auto it = item.find("stored"); it != item.end() && it->is_boolean())
            a.stored = it->get<bool>();
        out.push_back(std::move(a));
    }
    return out;
}

std::vector<routing::Attachment> attachmentsFromText(const std::string& text) {
    if (text.empty()) return {};
    return attachmentsFromJson(json::parse(text, nullptr, /*allow_exceptions=*/false));
}

}  // namespace ccd::daemon
