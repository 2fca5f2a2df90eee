#pragma once
// A ParsedEmail as JSON: what `ccd email parse` prints and what an administrator reads to see
// why a mail was taken the way it was.

#include <nlohmann/json.hpp>

#include "channels/email/parsed_email.hpp"

namespace ccd::channels::email {

/// {from {name, address}, to, cc, subject, date, text, text_for_classification, attachments
/// [{filename, content_type, size, content_id, inline, truncated}] (no bytes), message_id,
/// message_id_generated, thread {in_reply_to, references, ticket_tags}, auto_submitted,
/// auto_submitted_reason, bounce (null or {recipient, status, diagnostic, original_message_id}),
/// has_html, warnings}.
nlohmann::json toJson(const ParsedEmail& email);

}  // namespace ccd::channels::email
