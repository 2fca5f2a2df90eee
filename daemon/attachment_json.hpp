#pragma once
// Attachments as JSON: how the store keeps them (messages.attachments) and how the API and the
// console show them — one shape for both.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "routing/model.hpp"

namespace ccd::daemon {

/// [{"kind","file_id","mime_type"?,"file_name"?,"size"?,"caption"?,"url"?}, ...]
nlohmann::json attachmentsJson(const std::vector<routing::Attachment>& attachments);
/// As shown to the API and the console: attachmentsJson, with `content_url` (the path that
/// serves the bytes, /v1/conversations/{c}/messages/{m}/attachments/{n}) on those ccd keeps.
nlohmann::json attachmentsView(const std::vector<routing::Attachment>& attachments,
                               std::int64_t conversation_id, std::int64_t message_id);
/// Reads what attachmentsJson wrote; entries it cannot read are skipped.
std::vector<routing::Attachment> attachmentsFromJson(const nlohmann::json& j);
/// The same, from stored text (empty or malformed: none).
std::vector<routing::Attachment> attachmentsFromText(const std::string& text);

}  // namespace ccd::daemon
