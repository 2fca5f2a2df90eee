#include "daemon/store/sqlite/sqlite_privacy.hpp"

#include <sqlite3.h>

#include "daemon/store/sqlite/sqlite_contacts.hpp"
#include "daemon/store/sqlite/sqlite_conversations.hpp"

namespace ccd::store::sqlite {
namespace {

// Event fields that carry what people wrote or where they are reached: an agent's note, a
// wrap-up's disposition, a transfer's note, a contact event's address.
constexpr const char* kEventFreeText =
    "json_remove(data, '$.text', '$.note', '$.disposition', '$.comment', '$.subject',"
    " '$.address')";
// A call's steps also carry the caller's number, recording and transcription.
constexpr const char* kCallPersonal =
    "json_remove(data, '$.text', '$.from', '$.to', '$.customer', '$.caller_id',"
    " '$.answering_number', '$.number', '$.recording_url')";
constexpr const char* kCallEvent = "type >= 'call.' AND type < 'call/'";

std::vector<std::int64_t> ids(Connection& db, std::string_view sql, std::int64_t arg) {
    Statement s(db, sql);
    s.bind(1, arg);
    std::vector<std::int64_t> out;
    while (s.step()) out.push_back(s.columnInt(0));
    s.reset();
    return out;
}

std::size_t run(Connection& db, std::string_view sql, std::int64_t a,
                std::optional<std::int64_t> b = std::nullopt) {
    Statement s(db, sql);
    s.bind(1, a);
    if (b) s.bind(2, *b);
    s.run();
    return static_cast<std::size_t>(db.changes());
}

// Begins a read transaction unless the connection is in one; commits what it began.
class ReadSnapshot {
public:
    explicit ReadSnapshot(Connection& db) : db_(db), own_(sqlite3_get_autocommit(db.handle()) != 0) {
        if (own_) db_.exec("BEGIN");
    }
    ~ReadSnapshot() {
        if (!own_) return;
        try {
            db_.exec("COMMIT");
        } catch (...) {
        }
    }

private:
    Connection& db_;
    bool own_;
};

}  // namespace

MessageRedactor::MessageRedactor(Connection& db)
    : db_(db),
      text_(db,
            "UPDATE messages SET body = ?2, subject = NULL, html = NULL, original_text = NULL,"
            " classify_text = NULL, thread_refs = NULL, redacted_at = ?3 WHERE id = ?1"),
      attachments_(db, "UPDATE messages SET attachments = ?2 WHERE id = ?1"),
      content_(db,
               "DELETE FROM attachment_content WHERE message_id = ?1 AND position = ?2"),
      outbox_(db,
              "UPDATE outbox SET payload = json_remove(json_set(payload, '$.text', ?2),"
              " '$.subject', '$.html', '$.to') WHERE message_id = ?1 AND status IN ('sent', 'failed')"
              " AND json_extract(payload, '$.text') IS NOT ?2") {}

Redacted MessageRedactor::redact(std::int64_t id, bool text_intact,
                                 const std::optional<std::string>& attachments, Redaction what,
                                 std::string_view marker, std::int64_t now_ms) {
    std::optional<std::string> replaced;
    std::vector<std::int64_t> removed;
    Redacted out = planRedaction(text_intact, attachments, what, &replaced, &removed);
    if (out.text) {
        text_.bind(1, id).bind(2, marker).bind(3, now_ms);
        text_.run();
    }
    if (what.text) {
        outbox_.bind(1, id).bind(2, marker);
        outbox_.run();
        out.outbox = static_cast<std::size_t>(db_.changes());
    }
    if (replaced) {
        attachments_.bind(1, id).bind(2, std::string_view(*replaced));
        attachments_.run();
    }
    for (auto place : removed) {
        content_.bind(1, id).bind(2, place);
        content_.run();
    }
    return out;
}

ErasureCounts eraseContactData(Connection& db, std::int64_t contact_id, std::string_view marker,
                               std::int64_t now_ms) {
    ErasureCounts n;
    auto conversations =
        ids(db, "SELECT id FROM conversations WHERE contact_id = ?1 ORDER BY id", contact_id);
    n.conversations = conversations.size();

    // Address events (subscribe, unsubscribe) name the person by address only.
    n.events += run(db,
                    std::string("UPDATE events SET data = ") + kEventFreeText +
                        " WHERE conversation_id IS NULL AND json_extract(data, '$.address') IN"
                        " (SELECT address FROM contact_addresses WHERE contact_id = ?1)",
                    contact_id);
    // So do a blocked caller's refused calls.
    n.events += run(db,
                    std::string("UPDATE events SET data = ") + kCallPersonal +
                        " WHERE conversation_id IS NULL AND " + kCallEvent +
                        " AND json_extract(data, '$.customer') IN"
                        " (SELECT address FROM contact_addresses WHERE contact_id = ?1)",
                    contact_id);

    MessageRedactor redactor(db);
    Statement messages(db,
                       "SELECT id, redacted_at IS NULL, attachments FROM messages"
                       " WHERE conversation_id = ?1 ORDER BY id");
    for (auto conv : conversations) {
        // Replies still waiting would go out with the marker: they are not sent.
        run(db,
            "UPDATE messages SET delivery = 'failed', delivery_reason = 'contact erased',"
            " delivery_at = ?2 WHERE id IN (SELECT message_id FROM outbox WHERE conversation_id"
            " = ?1 AND status = 'pending')",
            conv, now_ms);
        run(db,
            "UPDATE outbox SET status = 'failed', last_error = 'contact erased' WHERE"
            " conversation_id = ?1 AND status = 'pending'",
            conv);

        struct Row {
            std::int64_t id;
            bool intact;
            std::optional<std::string> attachments;
        };
        std::vector<Row> rows;
        messages.bind(1, conv);
        while (messages.step())
            rows.push_back({messages.columnInt(0), messages.columnInt(1) != 0,
                            messages.columnOptionalText(2)});
        messages.reset();
        for (const auto& r : rows) {
            auto done = redactor.redact(r.id, r.intact, r.attachments, {true, true, true}, marker,
                                        now_ms);
            n.messages += done.text ? 1 : 0;
            n.attachments += done.attachments + done.recordings;
            n.outbox += done.outbox;
        }
        // The sender's address is part of the inbound dedup key.
        run(db, "UPDATE messages SET sender = NULL WHERE conversation_id = ?1 AND sender IS NOT NULL",
            conv);
        // Outbox entries without a message row of their own (none today) keep no text either.
        Statement orphans(db,
                          "UPDATE outbox SET payload = json_remove(json_set(payload, '$.text',"
                          " ?2), '$.subject', '$.html', '$.to') WHERE conversation_id = ?1 AND"
                          " message_id IS NULL AND json_extract(payload, '$.text') IS NOT ?2");
        orphans.bind(1, conv).bind(2, marker);
        orphans.run();
        n.outbox += static_cast<std::size_t>(db.changes());
        n.events += run(db,
                        std::string("UPDATE events SET data = ") + kEventFreeText +
                            " WHERE conversation_id = ?1 AND NOT (" + kCallEvent +
                            ") AND data <> " + kEventFreeText,
                        conv);
        n.events += run(db,
                        std::string("UPDATE events SET data = ") + kCallPersonal +
                            " WHERE conversation_id = ?1 AND " + kCallEvent + " AND data <> " +
                            kCallPersonal,
                        conv);
        run(db,
            "UPDATE conversations SET channel_ref = NULL, reply_address = NULL,"
            " continue_to = NULL, continue_via = NULL WHERE id = ?1",
            conv);
    }

    // A web chat session (name, email, phone, order) is kept by its sender address.
    run(db,
        "DELETE FROM channel_state WHERE key >= 'session:' AND key < 'session;' AND"
        " json_valid(value) AND json_extract(value, '$.sender') IN"
        " (SELECT address FROM contact_addresses WHERE contact_id = ?1)",
        contact_id);
    n.addresses = run(db, "DELETE FROM contact_addresses WHERE contact_id = ?1", contact_id);
    n.products = run(db, "DELETE FROM contact_products WHERE contact_id = ?1", contact_id);
    n.contacts = run(db,
                     "UPDATE contacts SET name = NULL, email = NULL, phone = NULL,"
                     " attributes = '{}', erased_at = coalesce(erased_at, ?2), updated_at = ?2"
                     " WHERE id = ?1 AND (erased_at IS NULL OR name IS NOT NULL OR email IS NOT"
                     " NULL OR phone IS NOT NULL OR attributes <> '{}')",
                     contact_id, now_ms);
    return n;
}

std::optional<ErasureResult> eraseContactByKey(Connection& db, const std::string& key,
                                               std::int64_t now_ms) {
    Statement find(db, "SELECT id, erased_at IS NOT NULL FROM contacts WHERE external_id = ?1");
    find.bind(1, std::string_view(key));
    if (!find.step()) {
        find.reset();
        return std::nullopt;
    }
    ErasureResult r;
    r.contact_id = find.columnInt(0);
    bool erased_before = find.columnInt(1) != 0;
    find.reset();
    r.counts = eraseContactData(db, r.contact_id, kErasedMarker, now_ms);
    const auto& c = r.counts;
    r.already_erased = erased_before && c.contacts == 0 && c.addresses == 0 && c.products == 0 &&
                       c.messages == 0 && c.attachments == 0 && c.outbox == 0 && c.events == 0;
    return r;
}

std::optional<ContactExport> readContactExport(Connection& db, const std::string& key) {
    ReadSnapshot snapshot(db);
    auto contact = readContact(db, key);
    if (!contact) return std::nullopt;
    ContactExport out;
    out.contact = std::move(*contact);
    Statement erased(db, "SELECT erased_at FROM contacts WHERE id = ?1");
    erased.bind(1, out.contact.id);
    if (erased.step() && !erased.columnIsNull(0)) out.erased_at_ms = erased.columnInt(0);
    erased.reset();

    ConversationReader reader(db);
    for (auto id : ids(db, "SELECT id FROM conversations WHERE contact_id = ?1 ORDER BY id",
                       out.contact.id)) {
        if (auto c = reader.read(id)) out.conversations.push_back(std::move(*c));
    }
    Statement events(db,
                     "SELECT conversation_id, type, data, created_at FROM events WHERE"
                     " conversation_id IN (SELECT id FROM conversations WHERE contact_id = ?1)"
                     " OR (conversation_id IS NULL AND json_extract(data, '$.address') IN"
                     " (SELECT address FROM contact_addresses WHERE contact_id = ?1)) ORDER BY id");
    events.bind(1, out.contact.id);
    while (events.step()) {
        out.events.push_back(EventRecord{events.columnIsNull(0) ? 0 : events.columnInt(0),
                                         events.columnText(1), events.columnText(2),
                                         events.columnInt(3)});
    }
    events.reset();
    Statement outbox(db,
                     "SELECT o.id, o.conversation_id, o.message_id, coalesce(o.channel_instance,"
                     " o.channel), o.status, o.payload, o.created_at FROM outbox o JOIN"
                     " conversations c ON c.id = o.conversation_id WHERE c.contact_id = ?1"
                     " ORDER BY o.id");
    outbox.bind(1, out.contact.id);
    while (outbox.step()) {
        ContactExport::OutboxEntry e;
        e.id = outbox.columnInt(0);
        e.conversation_id = outbox.columnInt(1);
        if (!outbox.columnIsNull(2)) e.message_id = outbox.columnInt(2);
        e.channel_instance = outbox.columnText(3);
        e.status = outbox.columnText(4);
        e.payload_json = outbox.columnText(5);
        e.created_at_ms = outbox.columnInt(6);
        out.outbox.push_back(std::move(e));
    }
    outbox.reset();
    return out;
}

}  // namespace ccd::store::sqlite
