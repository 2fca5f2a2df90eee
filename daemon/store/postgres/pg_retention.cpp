#include "daemon/store/postgres/pg_retention.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_audit.hpp"
#include "daemon/store/postgres/pg_privacy.hpp"
#include "daemon/store/postgres/pg_read.hpp"

namespace ccd::store::postgres {
namespace {

using Phase = RetentionCursor::Phase;
using Json = nlohmann::ordered_json;

// The phase's highest id, read when it begins.
std::int64_t maxId(Connection& db, const char* table) {
    return std::stoll(
        db.queryValue(std::string("SELECT coalesce(max(id), 0) FROM ") + table).value_or("0"));
}

// Messages with ids in (after, after + batch] of closed conversations.
void messagesStep(Connection& db, const RetentionRequest& r, RetentionCursor& cursor,
                  RetentionReport& report) {
    if (cursor.last_id < 0) cursor.last_id = maxId(db, "messages");
    const std::int64_t to = windowEnd(cursor, r);
    auto select = db.query(
        "SELECT m.id, coalesce(m.channel_instance, m.channel), m.created_at,"
        " m.redacted_at IS NULL, m.attachments FROM messages m JOIN conversations c"
        " ON c.id = m.conversation_id WHERE m.id > $1 AND m.id <= $2 AND c.status = 'closed'"
        " AND (m.redacted_at IS NULL OR (m.attachments IS NOT NULL AND m.attachments <> '[]'))"
        " ORDER BY m.id",
        {cursor.after_id, to});
    std::vector<MessageToRedact> rows;
    while (select.next()) {
        const Redaction what = expiredParts(r, select.columnText(1), select.columnInt(2));
        if (what.text || what.attachments || what.recordings)
            rows.push_back({select.columnInt(0), select.columnInt(3) != 0,
                            select.columnOptionalText(4), what});
    }
    if (r.dry_run) {
        for (const auto& row : rows) {
            auto plan = planRedaction(row.text_intact, row.attachments, row.what);
            report.message_texts += plan.text ? 1 : 0;
            report.attachments += plan.attachments;
            report.recordings += plan.recordings;
        }
    } else if (!rows.empty()) {
        // SQLite counts each message's text as redacted by its own plan: the same here, the
        // writes in one pipeline for the batch.
        for (const auto& row : rows)
            report.message_texts += row.what.text && row.text_intact ? 1 : 0;
        auto done = redactMessages(db, rows, kExpiredMarker, r.now_ms);
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
    auto select = db.query(
        "SELECT e.id, coalesce(c.channel_instance, c.channel), e.created_at, e.data FROM events e"
        " JOIN conversations c ON c.id = e.conversation_id WHERE e.id > $1 AND e.id <= $2 AND"
        " e.type LIKE 'call.%' AND c.status = 'closed' AND (e.data LIKE '%recording_url%' OR"
        " e.data LIKE '%text%') ORDER BY e.id",
        {cursor.after_id, to});
    std::vector<std::optional<std::string>> ids, before, after;
    const std::string marker(kExpiredMarker);
    while (select.next()) {
        const std::string data = select.columnText(3);
        Json j = Json::parse(data, nullptr, /*allow_exceptions=*/false);
        if (!j.is_object()) continue;
        auto cut = cutoffsFor(r, select.columnText(1));
        std::int64_t at = select.columnInt(2);
        auto url = j.find("recording_url");
        auto text = j.find("text");
        // json_extract(...) IS NOT NULL; coalesce(json_extract(text), marker) IS NOT marker.
        bool recording =
            url != j.end() && !url->is_null() && cut.recordings && at < *cut.recordings;
        bool expire = text != j.end() && !text->is_null() &&
                      !(text->is_string() && *text == marker) && cut.message_text &&
                      at < *cut.message_text;
        if (!recording && !expire) continue;
        report.recordings += recording ? 1 : 0;
        report.message_texts += expire ? 1 : 0;
        if (recording) j.erase("recording_url");
        if (expire) j["text"] = marker;
        ids.emplace_back(std::to_string(select.columnInt(0)));
        before.push_back(data);
        after.push_back(j.dump(-1, ' ', false, Json::error_handler_t::replace));
    }
    if (!r.dry_run && !ids.empty()) {
        db.execute(
            "UPDATE events t SET data = u.after FROM unnest($1::bigint[], $2::text[],"
            " $3::text[]) AS u(id, before, after) WHERE t.id = u.id AND t.data = u.before",
            {textArray(ids), textArray(before), textArray(after)});
    }
    endWindow(cursor, to, Phase::Contacts);
}

// Contacts with ids in (after, after + batch] that were last active before the cut-off and
// have no open conversation.
void contactsStep(Connection& db, const RetentionRequest& r, RetentionCursor& cursor,
                  RetentionReport& report) {
    if (cursor.last_id < 0) cursor.last_id = maxId(db, "contacts");
    const std::int64_t to = windowEnd(cursor, r);
    auto select = db.query(
        "SELECT k.id FROM contacts k WHERE k.id > $1 AND k.id <= $2 AND k.erased_at IS NULL"
        " AND k.updated_at < $3 AND NOT EXISTS (SELECT 1 FROM conversations v WHERE"
        " v.contact_id = k.id AND (v.status = 'open' OR GREATEST(v.updated_at,"
        " coalesce(v.closed_at, 0), coalesce(v.last_inbound_at, 0)) >= $3)) ORDER BY k.id",
        {cursor.after_id, to, *r.contacts});
    std::vector<std::int64_t> ids;
    while (select.next()) ids.push_back(select.columnInt(0));
    eraseExpired(ids, r, report, [&](std::int64_t id) {
        return eraseContactData(db, id, kExpiredMarker, r.now_ms);
    });
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

}  // namespace ccd::store::postgres
