#include "channels/email/email_json.hpp"

namespace ccd::channels::email {
namespace {

nlohmann::json mailbox(const Mailbox& m) { return {{"name", m.name}, {"address", m.address}}; }

nlohmann::json mailboxes(const std::vector<Mailbox>& list) {
    auto out = nlohmann::json::array();
    for (const auto& m : list) out.push_back(mailbox(m));
    return out;
}

}  // namespace

nlohmann::json toJson(const ParsedEmail& e) {
    nlohmann::json j;
    j["from"] = mailbox(e.from);
    j["to"] = mailboxes(e.to);
    j["cc"] = mailboxes(e.cc);
    j["subject"] = e.subject;
    j["date"] = e.date;
    j["message_id"] = e.message_id;
    j["message_id_generated"] = e.message_id_generated;
    j["thread"] = {
        {"in_reply_to", e.in_reply_to.empty() ? nlohmann::json() : nlohmann::json(e.in_reply_to)},
        {"references", e.references},
        {"ticket_tags", e.ticket_tags}};
    j["text"] = e.text;
    j["text_for_classification"] = e.text_for_classification;
    j["has_html"] = !e.html.empty();
    auto atts = nlohmann::json::array();
    for (const auto& a : e.attachments)
        atts.push_back({{"filename", a.filename},
                        {"content_type", a.content_type},
                        {"size", a.size},
                        {"content_id", a.content_id},
                        {"inline", a.is_inline},
                        {"truncated", a.truncated}});
    j["attachments"] = std::move(atts);
    j["auto_submitted"] = e.auto_submitted;
    j["auto_submitted_reason"] = e.auto_submitted_reason;
    if (e.bounce)
        j["bounce"] = {{"recipient", e.bounce->recipient},
                       {"status", e.bounce->status},
                       {"diagnostic", e.bounce->diagnostic},
                       {"original_message_id", e.bounce->original_message_id}};
    else
        j["bounce"] = nullptr;
    j["warnings"] = e.warnings;
    return j;
}

}  // namespace ccd::channels::email
