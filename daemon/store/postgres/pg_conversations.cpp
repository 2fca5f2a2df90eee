#include "daemon/store/postgres/pg_conversations.hpp"

#include "daemon/attachment_json.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"

namespace ccd::store::postgres {
namespace {

constexpr const char* kConversation =
    "SELECT v.id, v.channel, v.channel_ref, v.status, v.locale, v.created_at,"
    " GREATEST(v.updated_at, COALESCE((SELECT max(created_at) FROM messages m"
    " WHERE m.conversation_id = v.id), 0)), c.id, c.name, c.email, c.phone, c.tier,"
    " c.locale, v.routing, v.rating, COALESCE(v.channel_instance, v.channel),"
    " v.api_client, v.continue_via"
    " FROM conversations v JOIN contacts c ON c.id = v.contact_id WHERE v.id = $1";
constexpr const char* kMessages =
    "SELECT id, direction, channel, provider_id, author, body, locale, created_at,"
    " template_id, subject, COALESCE(channel_instance, channel), attachments,"
    " original_text, edited_at, delivery, delivery_reason, delivery_at, provider_ref"
    " FROM messages WHERE conversation_id = $1 ORDER BY id";
// The call log (events call.*), read for voice conversations only.
constexpr const char* kCalls =
    "SELECT e.type, e.data, e.created_at FROM events e JOIN conversations v"
    " ON v.id = e.conversation_id WHERE e.conversation_id = $1 AND v.channel = 'voice'"
    " AND e.type >= 'call.' AND e.type < 'call/' ORDER BY e.id";

std::optional<std::int64_t> optionalInt(const Result& r, int col) {
    if (r.isNull(col)) return std::nullopt;
    return r.columnInt(col);
}

}  // namespace

int appendConversationReads(Statements& out, std::int64_t id) {
    int first = out.add(kConversation, {id});
    out.add(kMessages, {id});
    out.add(kCalls, {id});
    return first;
}

std::optional<ConversationRecord> conversationFromResults(std::vector<Result>& results,
                                                          std::size_t first) {
    Result& v = results.at(first);
    if (!v.next()) return std::nullopt;
    ConversationRecord c;
    c.id = v.columnInt(0);
    c.channel = v.columnText(1);
    c.channel_ref = v.columnOptionalText(2);
    c.status = v.columnText(3);
    c.locale = v.columnOptionalText(4);
    c.created_at_ms = v.columnInt(5);
    c.updated_at_ms = v.columnInt(6);
    c.contact.id = v.columnInt(7);
    c.contact.name = v.columnOptionalText(8);
    c.contact.email = v.columnOptionalText(9);
    c.contact.phone = v.columnOptionalText(10);
    c.contact.tier = v.columnText(11);
    c.contact.locale = v.columnOptionalText(12);
    if (auto routing_json = v.columnOptionalText(13)) {
        routing::ConversationSnapshot snapshot;
        snapshot.id = c.id;
        if (sqlite::snapshotFromJson(*routing_json, snapshot)) c.routing = std::move(snapshot);
    }
    if (!v.isNull(14)) c.rating = static_cast<int>(v.columnInt(14));
    c.channel_instance = v.columnText(15);
    c.api_client = v.columnOptionalText(16);
    c.continues_via = v.columnOptionalText(17);

    Result& m = results.at(first + 1);
    while (m.next()) {
        MessageRecord r;
        r.id = m.columnInt(0);
        r.direction = m.columnText(1);
        r.channel = m.columnText(2);
        r.provider_id = m.columnOptionalText(3);
        r.author = m.columnText(4);
        r.text = m.columnText(5);
        r.locale = m.columnOptionalText(6);
        r.created_at_ms = m.columnInt(7);
        r.template_id = m.columnOptionalText(8);
        r.subject = m.columnOptionalText(9);
        r.channel_instance = m.columnText(10);
        r.attachments = daemon::attachmentsFromText(m.columnOptionalText(11).value_or(""));
        r.original_text = m.columnOptionalText(12);
        r.edited_at_ms = optionalInt(m, 13);
        r.delivery = m.columnOptionalText(14);
        r.delivery_reason = m.columnOptionalText(15);
        r.delivery_at_ms = optionalInt(m, 16);
        r.provider_ref = m.columnOptionalText(17);
        c.messages.push_back(std::move(r));
    }
    Result& calls = results.at(first + 2);
    while (calls.next()) {
        EventRecord e;
        e.conversation_id = c.id;
        e.type = calls.columnText(0);
        e.data_json = calls.columnText(1);
        e.created_at_ms = calls.columnInt(2);
        c.call_events.push_back(std::move(e));
    }
    return c;
}

std::optional<ConversationRecord> readConversation(Connection& db, std::int64_t id) {
    db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    Statements reads;
    appendConversationReads(reads, id);
    auto results = db.pipeline(reads.batch(), {false, true});
    return conversationFromResults(results, 0);
}

std::optional<AttachmentFile> readAttachmentFile(Connection& db, std::int64_t conversation_id,
                                                 std::int64_t message_id, std::size_t position) {
    Result q = db.query(
        "SELECT m.attachments, a.data, a.sha256 FROM messages m"
        " LEFT JOIN attachment_content a ON a.message_id = m.id AND a.position = $3"
        " WHERE m.id = $2 AND m.conversation_id = $1",
        {conversation_id, message_id, static_cast<std::int64_t>(position)});
    if (!q.next()) return std::nullopt;
    auto attachments = daemon::attachmentsFromText(q.columnOptionalText(0).value_or(""));
    if (position < 1 || position > attachments.size()) return std::nullopt;
    AttachmentFile f;
    f.attachment = std::move(attachments[position - 1]);
    if (!q.isNull(1)) {
        f.bytes = q.columnBlob(1);
        f.sha256 = q.columnText(2);
    }
    return f;
}

}  // namespace ccd::store::postgres
