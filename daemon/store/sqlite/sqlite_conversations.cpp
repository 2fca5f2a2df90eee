#include "daemon/store/sqlite/sqlite_conversations.hpp"

#include "daemon/attachment_json.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"

namespace ccd::store::sqlite {

ConversationReader::ConversationReader(Connection& db)
    : conversation_(db,
                    "SELECT v.id, v.channel, v.channel_ref, v.status, v.locale, v.created_at,"
                    " max(v.updated_at, coalesce((SELECT max(created_at) FROM messages m"
                    " WHERE m.conversation_id = v.id), 0)), c.id, c.name, c.email, c.phone, c.tier,"
                    " c.locale, v.routing, v.rating, coalesce(v.channel_instance, v.channel),"
                    " v.api_client, v.continue_via "
                    "FROM conversations v JOIN contacts c ON c.id = v.contact_id WHERE v.id = ?1"),
      messages_(db,
                "SELECT id, direction, channel, provider_id, author, body, locale, created_at,"
                " template_id, subject, coalesce(channel_instance, channel), attachments,"
                " original_text, edited_at, delivery, delivery_reason, delivery_at, provider_ref"
                " FROM messages WHERE conversation_id = ?1 ORDER BY id"),
      calls_(db,
             "SELECT type, data, created_at FROM events WHERE conversation_id = ?1"
             " AND type >= 'call.' AND type < 'call/' ORDER BY id") {}

std::optional<ConversationRecord> ConversationReader::read(std::int64_t id) {
    try {
        return readRows(id);
    } catch (...) {
        conversation_.reset();
        messages_.reset();
        calls_.reset();
        throw;
    }
}

std::optional<ConversationRecord> ConversationReader::readRows(std::int64_t id) {
    conversation_.bind(1, id);
    if (!conversation_.step()) {
        conversation_.reset();
        return std::nullopt;
    }
    ConversationRecord c;
    c.id = conversation_.columnInt(0);
    c.channel = conversation_.columnText(1);
    c.channel_ref = conversation_.columnOptionalText(2);
    c.status = conversation_.columnText(3);
    c.locale = conversation_.columnOptionalText(4);
    c.created_at_ms = conversation_.columnInt(5);
    c.updated_at_ms = conversation_.columnInt(6);
    c.contact.id = conversation_.columnInt(7);
    c.contact.name = conversation_.columnOptionalText(8);
    c.contact.email = conversation_.columnOptionalText(9);
    c.contact.phone = conversation_.columnOptionalText(10);
    c.contact.tier = conversation_.columnText(11);
    c.contact.locale = conversation_.columnOptionalText(12);
    if (auto routing_json = conversation_.columnOptionalText(13)) {
        routing::ConversationSnapshot snapshot;
        snapshot.id = c.id;
        if (snapshotFromJson(*routing_json, snapshot)) c.routing = std::move(snapshot);
    }
    if (!conversation_.columnIsNull(14))
        c.rating = static_cast<int>(conversation_.columnInt(14));
    c.channel_instance = conversation_.columnText(15);
    c.api_client = conversation_.columnOptionalText(16);
    c.continues_via = conversation_.columnOptionalText(17);
    conversation_.reset();

    messages_.bind(1, id);
    while (messages_.step()) {
        MessageRecord m;
        m.id = messages_.columnInt(0);
        m.direction = messages_.columnText(1);
        m.channel = messages_.columnText(2);
        m.provider_id = messages_.columnOptionalText(3);
        m.author = messages_.columnText(4);
        m.text = messages_.columnText(5);
        m.locale = messages_.columnOptionalText(6);
        m.created_at_ms = messages_.columnInt(7);
        m.template_id = messages_.columnOptionalText(8);
        m.subject = messages_.columnOptionalText(9);
        m.channel_instance = messages_.columnText(10);
        m.attachments = daemon::attachmentsFromText(messages_.columnOptionalText(11).value_or(""));
        m.original_text = messages_.columnOptionalText(12);
        if (!messages_.columnIsNull(13)) m.edited_at_ms = messages_.columnInt(13);
        m.delivery = messages_.columnOptionalText(14);
        m.delivery_reason = messages_.columnOptionalText(15);
        if (!messages_.columnIsNull(16)) m.delivery_at_ms = messages_.columnInt(16);
        m.provider_ref = messages_.columnOptionalText(17);
        c.messages.push_back(std::move(m));
    }
    messages_.reset();
    if (c.channel == "voice") {  // the call log
        calls_.bind(1, id);
        while (calls_.step()) {
            EventRecord e;
            e.conversation_id = id;
            e.type = calls_.columnText(0);
            e.data_json = calls_.columnText(1);
            e.created_at_ms = calls_.columnInt(2);
            c.call_events.push_back(std::move(e));
        }
        calls_.reset();
    }
    return c;
}

std::optional<AttachmentFile> readAttachmentFile(Connection& db, std::int64_t conversation_id,
                                                 std::int64_t message_id, std::size_t position) {
    Statement q(db,
                "SELECT m.attachments, a.data, a.sha256 FROM messages m"
                " LEFT JOIN attachment_content a ON a.message_id = m.id AND a.position = ?3"
                " WHERE m.id = ?2 AND m.conversation_id = ?1");
    q.bind(1, conversation_id).bind(2, message_id).bind(3, static_cast<std::int64_t>(position));
    if (!q.step()) return std::nullopt;
    auto attachments = daemon::attachmentsFromText(q.columnOptionalText(0).value_or(""));
    if (position < 1 || position > attachments.size()) return std::nullopt;
    AttachmentFile f;
    f.attachment = std::move(attachments[position - 1]);
    if (!q.columnIsNull(1)) {
        f.bytes = q.columnBlob(1);
        f.sha256 = q.columnText(2);
    }
    return f;
}

}  // namespace ccd::store::sqlite
