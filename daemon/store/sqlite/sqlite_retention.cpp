#include "daemon/store/sqlite/sqlite_retention.hpp"

#include <string>
#include <vector>

#include "daemon/store/sqlite/sqlite_audit.hpp"
#include "daemon/store/sqlite/sqlite_privacy.hpp"

namespace ccd::store::sqlite {
namespace {

using Phase = RetentionCursor::Phase;

std::int64_t maxId(Connection& db, const char* table) {
    auto v = db.queryText(std::string("SELECT coalesce(max(id), 0) FROM ") + table);
    return v ? std::stoll(*v) : 0;
}

// Messages with ids in (after, after + batch] of closed conversations.
void messagesStep(Connection& db, const RetentionRequest& r, RetentionCursor& cursor,
                  RetentionReport& report) {
    if (cursor.last_id < 0) cursor.last_id = maxId(db, "messages");
    const std::int64_t to = windowEnd(cursor, r);
    Statement select(db,
                     "SELECT m.id, coalesce(m.channel_instance, m.channel), m.created_at,"
                     " m.redacted_at IS NULL, m.attachments FROM messages m JOIN conversations c"
                     " ON c.id = m.conversation_id WHERE m.id > ?1 AND m.id <= ?2 AND"
                     " c.status = 'closed' AND (m.redacted_at IS NULL OR (m.attachments IS NOT"
                     " NULL AND m.attachments <> '[]')) ORDER BY m.id");
    select.bind(1, cursor.after_id).bind(2, to);
    struct Row {
        std::int64_t id;
        Redaction what;
        bool intact;
        std::optional<std::string> attachments;
    };
    std::vector<Row> rows;
    while (select.step()) {
        const Redaction what = expiredParts(r, select.columnText(1), select.columnInt(2));
        if (what.text || what.attachments || what.recordings)
            rows.push_back({select.columnInt(0), what, select.columnInt(3) != 0,
                            select.columnOptionalText(4)});
    }
    select.reset();
    std::optional<MessageRedactor> redactor;
    if (!r.dry_run && !rows.empty()) redactor.emplace(db);
    for (const auto& row : rows) {
        auto done = r.dry_run ? planRedaction(row.intact, row.attachments, row.what)
                              : redactor->redact(row.id, row.intact, row.attachments, row.what,
                                                 kExpiredMarker, r.now_ms);
        report.message_texts += done.text ? 1 : 0;
        report.attachments += done.attachments;
        report.recordings += done.recordings;
        report.outbox += done.outbox;
    }
    endWindow(cursor, to, Phase::Calls);
}

// Call steps (events) with ids in (after, after + batch] of closed conversations: a recording's
// link goes with the recordings cut-off, a voicemail's transcription with the message text one.
void callsStep(Connection& db, const RetentionRequest& r, RetentionCursor& cursor,
               RetentionReport& report) {
    if (cursor.last_id < 0) cursor.last_id = maxId(db, "events");
    const std::int64_t to = windowEnd(cursor, r);
    Statement select(db,
                     "SELECT e.id, coalesce(c.channel_instance, c.channel), e.created_at,"
                     " json_extract(e.data, '$.recording_url') IS NOT NULL,"
                     " coalesce(json_extract(e.data, '$.text'), ?3) IS NOT ?3 FROM events e JOIN"
                     " conversations c ON c.id = e.conversation_id WHERE e.id > ?1 AND"
                     " e.id <= ?2 AND e.type >= 'call.' AND e.type < 'call/' AND"
                     " c.status = 'closed' AND (json_extract(e.data, '$.recording_url') IS NOT"
                     " NULL OR coalesce(json_extract(e.data, '$.text'), ?3) IS NOT ?3)"
                     " ORDER BY e.id");
    select.bind(1, cursor.after_id).bind(2, to).bind(3, kExpiredMarker);
    struct Row {
        std::int64_t id;
        bool recording, text;
    };
    std::vector<Row> rows;
    while (select.step()) {
        auto cut = cutoffsFor(r, select.columnText(1));
        std::int64_t at = select.columnInt(2);
        Row row{select.columnInt(0),
                select.columnInt(3) != 0 && cut.recordings && at < *cut.recordings,
                select.columnInt(4) != 0 && cut.message_text && at < *cut.message_text};
        if (row.recording || row.text) rows.push_back(row);
    }
    select.reset();
    if (!r.dry_run && !rows.empty()) {
        Statement drop_recording(db,
                                 "UPDATE events SET data = json_remove(data, '$.recording_url')"
                                 " WHERE id = ?1");
        Statement expire_text(db,
                              "UPDATE events SET data = json_set(data, '$.text', ?2) WHERE id = ?1");
        for (const auto& row : rows) {
            if (row.recording) drop_recording.bind(1, row.id).run();
            if (row.text) expire_text.bind(1, row.id).bind(2, kExpiredMarker).run();
        }
    }
    for (const auto& row : rows) {
        report.recordings += row.recording ? 1 : 0;
        report.message_texts += row.text ? 1 : 0;
    }
    endWindow(cursor, to, Phase::Contacts);
}

// Contacts with ids in (after, after + batch] that were last active before the cut-off and
// have no open conversation.
void contactsStep(Connection& db, const RetentionRequest& r, RetentionCursor& cursor,
                  RetentionReport& report) {
    if (cursor.last_id < 0) cursor.last_id = maxId(db, "contacts");
    const std::int64_t to = windowEnd(cursor, r);
    Statement select(db,
                     "SELECT k.id FROM contacts k WHERE k.id > ?1 AND k.id <= ?2 AND"
                     " k.erased_at IS NULL AND k.updated_at < ?3 AND NOT EXISTS (SELECT 1 FROM"
                     " conversations v WHERE v.contact_id = k.id AND (v.status = 'open' OR"
                     " max(v.updated_at, coalesce(v.closed_at, 0), coalesce(v.last_inbound_at, 0))"
                     " >= ?3)) ORDER BY k.id");
    select.bind(1, cursor.after_id).bind(2, to).bind(3, *r.contacts);
    std::vector<std::int64_t> ids;
    while (select.step()) ids.push_back(select.columnInt(0));
    select.reset();
    eraseExpired(ids, r, report,
                 [&](std::int64_t id) { return eraseContactData(db, id, kExpiredMarker, r.now_ms); });
    endWindow(cursor, to, Phase::Audit);
}

}  // namespace

void retentionStep(Connection& db, const RetentionRequest& r, RetentionCursor& cursor,
                   RetentionReport& report) {
    retentionStepWith(
        r, cursor, report, [&] { messagesStep(db, r, cursor, report); },
        [&] { callsStep(db, r, cursor, report); }, [&] { contactsStep(db, r, cursor, report); },
        [&](std::int64_t before) { return countAuditBefore(db, before); },
        [&](std::int64_t before, std::size_t limit) { return purgeAudit(db, before, limit); });
}

}  // namespace ccd::store::sqlite
