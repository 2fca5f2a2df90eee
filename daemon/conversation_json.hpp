#pragma once
// Stored conversations and messages as the HTTP API shows them (docs/http-api.md).

#include <nlohmann/json.hpp>

#include "daemon/store/store.hpp"

namespace ccd::daemon {

/// One message: id, direction, channel, channel_instance, external_id, author, text, locale,
/// template, subject, attachments, created_at; `edited_at`/`original_text` for an edited one;
/// `delivery` {state, reason, at} for outbound ones; stored attachments carry their
/// `content_url` in conversation `conversation_id`.
nlohmann::json messageJson(const store::MessageRecord& m, std::int64_t conversation_id);

/// The whole conversation: contact, messages, routing, rating.
nlohmann::json conversationJson(const store::ConversationRecord& c);

/// Serializes, replacing invalid UTF-8 instead of throwing.
std::string dumpJson(const nlohmann::json& j);

}  // namespace ccd::daemon
