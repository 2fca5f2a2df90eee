#include "daemon/store/postgres/pg_privacy.hpp"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "daemon/store/postgres/pg_read.hpp"

namespace ccd::store::postgres {
namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Event fields that carry what people wrote or where they are reached (sqlite_privacy.cpp's
// kEventFreeText), and those of a call's steps (kCallPersonal).
const std::initializer_list<const char*> kEventFreeText = {"text",    "note",    "disposition",
                                                           "comment", "subject", "address"};
const std::initializer_list<const char*> kCallPersonal = {
    "text", "from", "to", "customer", "caller_id", "answering_number", "number", "recording_url"};

bool isCallEvent(const std::string& type) { return type.rfind("call.", 0) == 0; }

Json parse(const std::string& text) {
    return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// json_remove(data, '$.k', ...): the document without those keys, compact; nullopt when it
// does not parse.
std::optional<std::string> removeKeys(const std::string& data,
                                      std::initializer_list<const char*> keys) {
    Json j = parse(data);
    if (j.is_discarded()) return std::nullopt;
    if (j.is_object())
        for (const char* k : keys) j.erase(k);
    return dump(j);
}

// A string member of an object document, if any.
std::optional<std::string> member(const Json& j, const char* key) {
    if (!j.is_object()) return std::nullopt;
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

// json_remove(json_set(payload, '$.text', marker), '$.subject', '$.html', '$.to') when the
// payload's text is not the marker already; nullopt: nothing to do.
std::optional<std::string> scrubbedPayload(const std::string& payload, std::string_view marker) {
    Json j = parse(payload);
    if (!j.is_object()) return std::nullopt;
    if (member(j, "text") == std::optional<std::string>(std::string(marker))) return std::nullopt;
    j["text"] = std::string(marker);
    for (const char* k : {"subject", "html", "to"}) j.erase(k);
    return dump(j);
}

// Rows to rewrite: (id, the text read, the new text), written only where the row still holds
// the text read.
struct Rewrites {
    std::vector<std::optional<std::string>> ids, old_values, new_values;
    void add(std::int64_t id, const std::string& before, const std::string& after) {
        ids.emplace_back(std::to_string(id));
        old_values.emplace_back(before);
        new_values.emplace_back(after);
    }
    bool empty() const { return ids.empty(); }
    std::vector<Param> params() const {
        return {textArray(ids), textArray(old_values), textArray(new_values)};
    }
};

#define CCD_REWRITE(TABLE, COLUMN)                     \
    "UPDATE " TABLE " t SET " COLUMN                   \
    " = u.after FROM unnest($1::bigint[], $2::text[]," \
    " $3::text[]) AS u(id, before, after) WHERE t.id = u.id AND t." COLUMN " = u.before"

constexpr const char* kRewriteEvents = CCD_REWRITE("events", "data");
constexpr const char* kRewriteAttachments = CCD_REWRITE("messages", "attachments");
// Only entries no longer waiting to be sent (as SQLite's), checked again at the write.
constexpr const char* kRewriteOutbox =
    CCD_REWRITE("outbox", "payload") " AND t.status IN ('sent', 'failed')";

#undef CCD_REWRITE

constexpr const char* kRedactTexts =
    "UPDATE messages SET body = $2, subject = NULL, html = NULL, original_text = NULL,"
    " classify_text = NULL, thread_refs = NULL, redacted_at = $3"
    " WHERE id = ANY($1::bigint[]) AND redacted_at IS NULL";
constexpr const char* kDeleteContent =
    "DELETE FROM attachment_content a USING unnest($1::bigint[], $2::bigint[]) AS d(m, p)"
    " WHERE a.message_id = d.m AND a.position = d.p";

// The writes of a redaction, appended to a pipeline; where their results are.
struct RedactionWrites {
    int texts = -1, outbox = -1;
    Redacted planned;
};

RedactionWrites appendRedaction(Batch& writes, const std::vector<MessageToRedact>& messages,
                                std::string_view marker, std::int64_t now_ms,
                                const Rewrites& outbox) {
    RedactionWrites out;
    std::vector<std::int64_t> texts, content_messages, content_places;
    Rewrites attachments;
    for (const auto& m : messages) {
        std::optional<std::string> replaced;
        std::vector<std::int64_t> removed;
        Redacted r = planRedaction(m.text_intact, m.attachments, m.what, &replaced, &removed);
        if (r.text) texts.push_back(m.id);
        if (replaced) attachments.add(m.id, *m.attachments, *replaced);
        for (auto place : removed) {
            content_messages.push_back(m.id);
            content_places.push_back(place);
        }
        out.planned.attachments += r.attachments;
        out.planned.recordings += r.recordings;
    }
    if (!texts.empty()) {
        out.texts = static_cast<int>(writes.size());
        writes.add(kRedactTexts, {intArray(texts), marker, now_ms});
    }
    if (!outbox.empty()) {
        out.outbox = static_cast<int>(writes.size());
        writes.add(kRewriteOutbox, outbox.params());
    }
    if (!attachments.empty()) writes.add(kRewriteAttachments, attachments.params());
    if (!content_messages.empty())
        writes.add(kDeleteContent, {intArray(content_messages), intArray(content_places)});
    return out;
}

Redacted redactionDone(const RedactionWrites& w, std::vector<Result>& results) {
    Redacted out = w.planned;
    if (w.texts >= 0) out.text = results.at(w.texts).affectedRows() > 0;
    if (w.outbox >= 0) out.outbox = static_cast<std::size_t>(results.at(w.outbox).affectedRows());
    return out;
}

// The outbox entries of messages whose text goes, scrubbed: rows of (id, payload, status,
// message_id, whether erasure fails it when pending) in, rewrites out.
Rewrites outboxRewrites(Result& rows, std::string_view marker) {
    Rewrites out;
    while (rows.next()) {
        std::string status = rows.columnText(2);
        if (status == "pending" && rows.columnInt(4) != 0) status = "failed";
        // Entries without a message of their own are scrubbed whatever their state.
        if (status != "sent" && status != "failed" && !rows.isNull(3)) continue;
        auto payload = rows.columnText(1);
        if (auto scrubbed = scrubbedPayload(payload, marker))
            out.add(rows.columnInt(0), payload, *scrubbed);
    }
    return out;
}

}  // namespace

Redacted redactMessages(Connection& db, const std::vector<MessageToRedact>& messages,
                        std::string_view marker, std::int64_t now_ms) {
    if (!inTransaction(db)) throw std::logic_error("redactMessages outside a transaction");
    std::vector<std::int64_t> texts;
    for (const auto& m : messages)
        if (m.what.text) texts.push_back(m.id);
    Rewrites outbox;
    if (!texts.empty()) {
        auto rows = db.query(
            "SELECT id, payload, status, message_id, false FROM outbox WHERE message_id ="
            " ANY($1::bigint[]) AND status IN ('sent', 'failed') ORDER BY id",
            {intArray(texts)});
        outbox = outboxRewrites(rows, marker);
    }
    Batch writes;
    auto w = appendRedaction(writes, messages, marker, now_ms, outbox);
    if (writes.empty()) return w.planned;
    auto results = db.pipeline(writes, {false, false});
    return redactionDone(w, results);
}

ErasureCounts eraseContactData(Connection& db, std::int64_t contact_id, std::string_view marker,
                               std::int64_t now_ms) {
    if (!inTransaction(db)) throw std::logic_error("eraseContactData outside a transaction");
#define CCD_CONVERSATIONS "(SELECT id FROM conversations WHERE contact_id = $1)"
    Batch reads;
    reads.add("SELECT count(*) FROM conversations WHERE contact_id = $1", {contact_id})
        .add("SELECT address FROM contact_addresses WHERE contact_id = $1", {contact_id})
        // Events without a conversation that may name an address (subscribe, a refused call).
        .add(
            "SELECT e.id, e.type, e.data FROM events e WHERE e.conversation_id IS NULL AND"
            " EXISTS (SELECT 1 FROM contact_addresses a WHERE a.contact_id = $1 AND"
            " strpos(e.data, a.address) > 0) ORDER BY e.id",
            {contact_id})
        .add(
            "SELECT id, redacted_at IS NULL, attachments FROM messages WHERE conversation_id IN"
            " " CCD_CONVERSATIONS " ORDER BY id",
            {contact_id})
        // The outbox entries of those messages (as SQLite's redactor finds them), and those of
        // the conversations without a message; whether the erasure fails them when pending.
        .add("SELECT id, payload, status, message_id, conversation_id IN " CCD_CONVERSATIONS
             " FROM outbox WHERE message_id IN (SELECT id FROM messages WHERE conversation_id"
             " IN " CCD_CONVERSATIONS
             ") OR (message_id IS NULL AND conversation_id IN"
             " " CCD_CONVERSATIONS ") ORDER BY id",
             {contact_id})
        .add("SELECT id, type, data FROM events WHERE conversation_id IN " CCD_CONVERSATIONS
             " ORDER BY id",
             {contact_id})
        // Web chat sessions (name, email, phone, order) that may be kept by a sender address.
        .add(
            "SELECT s.channel_instance, s.key, s.value FROM channel_state s WHERE"
            " s.key >= 'session:' AND s.key < 'session;' AND EXISTS (SELECT 1 FROM"
            " contact_addresses a WHERE a.contact_id = $1 AND strpos(s.value, a.address) > 0)",
            {contact_id});
    auto read = db.pipeline(reads, {false, false});

    ErasureCounts n;
    if (read.at(0).next()) n.conversations = static_cast<std::size_t>(read[0].columnInt(0));
    std::set<std::string> addresses;
    while (read.at(1).next()) addresses.insert(read[1].columnText(0));

    // Address events: free text (the address with it), then a refused call's personal fields.
    Rewrites events;
    std::size_t address_events = 0;
    while (read.at(2).next()) {
        const std::string before = read[2].columnText(2);
        std::string data = before;
        bool changed = false;
        if (auto a = member(parse(data), "address"); a && addresses.count(*a)) {
            if (auto after = removeKeys(data, kEventFreeText)) data = *after, changed = true;
            ++address_events;
        }
        if (isCallEvent(read[2].columnText(1))) {
            if (auto c = member(parse(data), "customer"); c && addresses.count(*c)) {
                if (auto after = removeKeys(data, kCallPersonal)) data = *after, changed = true;
                ++address_events;
            }
        }
        if (changed) events.add(read[2].columnInt(0), before, data);
    }
    std::vector<MessageToRedact> messages;
    while (read.at(3).next())
        messages.push_back({read[3].columnInt(0), read[3].columnInt(1) != 0,
                            read[3].columnOptionalText(2), Redaction{true, true, true}});
    Rewrites outbox = outboxRewrites(read.at(4), marker);
    // A conversation's events: free text, or a call step's personal fields, when any is there.
    std::size_t conversation_events = 0;
    while (read.at(5).next()) {
        const std::string data = read[5].columnText(2);
        auto after =
            removeKeys(data, isCallEvent(read[5].columnText(1)) ? kCallPersonal : kEventFreeText);
        if (after && *after != data) {
            events.add(read[5].columnInt(0), data, *after);
            ++conversation_events;
        }
    }
    std::vector<std::optional<std::string>> session_instances, session_keys;
    while (read.at(6).next()) {
        auto sender = member(parse(read[6].columnText(2)), "sender");
        if (!sender || !addresses.count(*sender)) continue;
        session_instances.emplace_back(read[6].columnText(0));
        session_keys.emplace_back(read[6].columnText(1));
    }

    Batch writes;
    // Replies still waiting would go out with the marker: they are not sent.
    writes
        .add(
            "UPDATE messages SET delivery = 'failed', delivery_reason = 'contact erased',"
            " delivery_at = $2 WHERE id IN (SELECT message_id FROM outbox WHERE"
            " conversation_id IN " CCD_CONVERSATIONS " AND status = 'pending')",
            {contact_id, now_ms})
        .add(
            "UPDATE outbox SET status = 'failed', last_error = 'contact erased' WHERE"
            " conversation_id IN " CCD_CONVERSATIONS " AND status = 'pending'",
            {contact_id});
    auto redaction = appendRedaction(writes, messages, marker, now_ms, outbox);
    // The sender's address is part of the inbound dedup key.
    writes.add("UPDATE messages SET sender = NULL WHERE conversation_id IN " CCD_CONVERSATIONS
               " AND sender IS NOT NULL",
               {contact_id});
    const int events_at = static_cast<int>(writes.size());
    if (!events.empty()) writes.add(kRewriteEvents, events.params());
    writes.add(
        "UPDATE conversations SET channel_ref = NULL, reply_address = NULL,"
        " continue_to = NULL, continue_via = NULL WHERE contact_id = $1",
        {contact_id});
    if (!session_keys.empty())
        writes.add(
            "DELETE FROM channel_state s USING unnest($1::text[], $2::text[]) AS"
            " d(instance, key) WHERE s.channel_instance = d.instance AND s.key = d.key",
            {textArray(session_instances), textArray(session_keys)});
    const int addresses_at = static_cast<int>(writes.size());
    writes.add("DELETE FROM contact_addresses WHERE contact_id = $1", {contact_id})
        .add("DELETE FROM contact_products WHERE contact_id = $1", {contact_id})
        .add(
            "UPDATE contacts SET name = NULL, email = NULL, phone = NULL, attributes = '{}',"
            " erased_at = coalesce(erased_at, $2), updated_at = $2 WHERE id = $1 AND"
            " (erased_at IS NULL OR name IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL"
            " OR attributes <> '{}')",
            {contact_id, now_ms});
#undef CCD_CONVERSATIONS
    auto results = db.pipeline(writes, {false, false});

    Redacted done = redactionDone(redaction, results);
    n.messages =
        done.text ? static_cast<std::size_t>(results.at(redaction.texts).affectedRows()) : 0;
    n.attachments = done.attachments + done.recordings;
    n.outbox = done.outbox;
    // Events as SQLite counts them: every address event matched, conversation events changed
    // (all of them when no other node changed one between the read and the write).
    if (!events.empty()) {
        auto written = static_cast<std::size_t>(results.at(events_at).affectedRows());
        std::size_t planned = events.ids.size();
        n.events = address_events + conversation_events - (planned - written);
    }
    n.addresses = static_cast<std::size_t>(results.at(addresses_at).affectedRows());
    n.products = static_cast<std::size_t>(results.at(addresses_at + 1).affectedRows());
    n.contacts = static_cast<std::size_t>(results.at(addresses_at + 2).affectedRows());
    return n;
}

std::optional<ErasureResult> eraseContactByKey(Connection& db, const std::string& key,
                                               std::int64_t now_ms) {
    auto find =
        db.query("SELECT id, erased_at IS NOT NULL FROM contacts WHERE external_id = $1", {key});
    if (!find.next()) return std::nullopt;
    ErasureResult r;
    r.contact_id = find.columnInt(0);
    bool erased_before = find.columnInt(1) != 0;
    r.counts = eraseContactData(db, r.contact_id, kErasedMarker, now_ms);
    const auto& c = r.counts;
    r.already_erased = erased_before && c.contacts == 0 && c.addresses == 0 && c.products == 0 &&
                       c.messages == 0 && c.attachments == 0 && c.outbox == 0 && c.events == 0;
    return r;
}

}  // namespace ccd::store::postgres
