#include "daemon/store/redaction_rows.hpp"

#include <nlohmann/json.hpp>

namespace ccd::store {

bool isRecording(std::string_view kind) {
    return kind == "voice" || kind == "audio" || kind == "recording";
}

Redacted planRedaction(bool text_intact, const std::optional<std::string>& attachments,
                       Redaction what, std::optional<std::string>* new_attachments,
                       std::vector<std::int64_t>* removed) {
    using nlohmann::json;
    Redacted out;
    out.text = what.text && text_intact;
    if (!(what.attachments || what.recordings) || !attachments || attachments->empty()) return out;
    json list = json::parse(*attachments, nullptr, false);
    if (!list.is_array()) return out;
    bool changed = false;
    std::int64_t place = 0;
    for (auto& item : list) {
        ++place;
        if (!item.is_object() || item.value("removed", false)) continue;
        std::string kind = item.value("kind", std::string("file"));
        bool recording = isRecording(kind);
        if (recording ? !what.recordings : !what.attachments) continue;
        // Kept bytes are deleted with it; `stored` stays so that a read of them answers 410.
        bool stored = item.value("stored", false);
        item = json{{"kind", kind}, {"removed", true}};
        if (stored) item["stored"] = true;
        if (removed) removed->push_back(place);
        ++(recording ? out.recordings : out.attachments);
        changed = true;
    }
    if (changed && new_attachments)
        *new_attachments = list.dump(-1, ' ', false, json::error_handler_t::replace);
    return out;
}

}  // namespace ccd::store
