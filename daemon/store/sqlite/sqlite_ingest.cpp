#include "daemon/store/sqlite/sqlite_ingest.hpp"

#include <nlohmann/json.hpp>

#include "channels/common/crypto.hpp"
#include "daemon/store/inbound_rows.hpp"

namespace ccd::store::sqlite {
namespace {

using nlohmann::json;

int rank(std::string_view state) {
    if (state == "sent") return 1;
    if (state == "delivered") return 2;
    if (state == "read") return 3;
    return 0;  // queued, unknown
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

InboundWriter::InboundWriter(Connection& db)
    : db_(db),
      find_dup_(db,
                "SELECT m.id, m.conversation_id, c.contact_id,"
                " COALESCE(m.original_text, m.body), m.attachments FROM messages m "
                "JOIN conversations c ON c.id = m.conversation_id "
                "WHERE m.channel_instance = ?1 AND m.sender = ?2 AND m.provider_id = ?3"
                " AND m.direction = 'in'"),
      find_contact_(db,
                    "SELECT contact_id FROM contact_addresses WHERE channel = ?1 AND address = ?2"),
      insert_contact_(db,
                      "INSERT INTO contacts (name, email, phone, locale, created_at, updated_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?5)"),
      insert_address_(db,
                      "INSERT INTO contact_addresses (channel, address, contact_id) "
                      "VALUES (?1, ?2, ?3)"),
      update_contact_(db,
                      "UPDATE contacts SET name = COALESCE(?2, name), "
                      "email = COALESCE(?3, email), phone = COALESCE(?4, phone), "
                      "updated_at = ?5 WHERE id = ?1 AND ("
                      "(?2 IS NOT NULL AND ?2 IS NOT name) OR "
                      "(?3 IS NOT NULL AND ?3 IS NOT email) OR "
                      "(?4 IS NOT NULL AND ?4 IS NOT phone))"),
      find_open_(db,
                 "SELECT id FROM conversations "
                 "WHERE contact_id = ?1 AND channel_instance = ?2 AND status = 'open'"),
      insert_conversation_(db,
                           "INSERT INTO conversations (contact_id, channel, channel_instance,"
                           " channel_ref, locale, reply_address, api_client, last_inbound_at,"
                           " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8)"),
      touch_conversation_(db,
                          "UPDATE conversations SET last_inbound_at = max(coalesce(last_inbound_at,"
                          " 0), ?2), reply_address = ?3 WHERE id = ?1"),
      insert_message_(db,
                      "INSERT INTO messages (conversation_id, direction, channel, channel_instance,"
                      " provider_id, provider_ref, author, body, locale, attachments, created_at,"
                      " sender, subject, thread_refs, classify_text, auto_submitted)"
                      " VALUES (?1, 'in', ?2, ?3, ?4, ?5, 'customer', ?6, ?7, ?8, ?9, ?10, ?11,"
                      " ?12, ?13, ?14)"),
      opened_event_(db,
                    "INSERT INTO events (conversation_id, type, data, created_at) "
                    "VALUES (?1, 'conversation.opened', json_object('message_id', ?2), ?3)"),
      insert_event_(db,
                    "INSERT INTO events (conversation_id, type, data, created_at) "
                    "VALUES (?1, ?2, ?3, ?4)"),
      receipt_(db,
               "INSERT OR IGNORE INTO inbound_receipts (channel_instance, provider_id, created_at)"
               " VALUES (?1, ?2, ?3)"),
      // The sender's conversations, then their messages: no index of inbound references.
      find_inbound_ref_(db,
                        "SELECT m.id, m.conversation_id FROM contact_addresses a"
                        " JOIN conversations c ON c.contact_id = a.contact_id"
                        " JOIN messages m ON m.conversation_id = c.id"
                        " WHERE a.channel = ?3 AND a.address = ?4 AND m.channel_instance = ?1"
                        " AND m.provider_ref = ?2 AND m.direction = 'in' ORDER BY m.id LIMIT 1"),
      edit_(db,
            "UPDATE messages SET original_text = COALESCE(original_text, body), body = ?2,"
            " edited_at = ?3 WHERE id = ?1"),
      find_outbound_ref_(db,
                         "SELECT id, conversation_id, delivery, author FROM messages"
                         " WHERE channel_instance = ?1 AND provider_ref = ?2 AND direction = 'out'"
                         " ORDER BY id LIMIT 1"),
      set_delivery_(db,
                    "UPDATE messages SET delivery = ?2, delivery_reason = ?3, delivery_at = ?4"
                    " WHERE id = ?1"),
      thread_out_(db,
                  "SELECT m.conversation_id FROM messages m JOIN conversations c"
                  " ON c.id = m.conversation_id WHERE m.channel_instance = ?1"
                  " AND m.provider_ref = ?2 AND m.direction = 'out' AND c.status = 'open'"
                  " ORDER BY m.id DESC LIMIT 1"),
      thread_in_(db,
                 "SELECT m.conversation_id FROM messages m JOIN conversations c"
                 " ON c.id = m.conversation_id WHERE m.channel_instance = ?1"
                 " AND m.provider_id = ?2 AND m.direction = 'in' AND c.status = 'open'"
                 " LIMIT 1"),
      // The instance's conversations, and those carried on by email through it (web chat).
      ticket_(db,
              "SELECT id FROM conversations WHERE id = ?1"
              " AND (channel_instance = ?2 OR continue_via = ?2)"
              " AND contact_id = ?3 AND status = 'open'"),
      save_state_(db,
                  "INSERT INTO channel_state (channel_instance, key, value, updated_at)"
                  " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (channel_instance, key)"
                  " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"),
      insert_content_(db,
                      "INSERT OR IGNORE INTO attachment_content (message_id, position, size,"
                      " sha256, data) VALUES (?1, ?2, ?3, ?4, ?5)"),
      // A call's conversation: the one its new-call message (provider id = the call's id) is in.
      find_call_(db,
                 "SELECT conversation_id FROM messages WHERE channel_instance = ?1"
                 " AND provider_id = ?2 AND direction = 'in' LIMIT 1"),
      // A call ccd placed: the conversation of the dial request the phone system answered
      // with this id, else the one its signed callback named (CallEvent::conversation_id).
      find_dialled_(db,
                    "SELECT conversation_id FROM messages WHERE channel_instance = ?1"
                    " AND provider_ref = ?2 AND direction = 'out' LIMIT 1"),
      dial_conversation_(db,
                         "SELECT id FROM conversations WHERE id = ?1 AND channel_instance = ?2"),
      profiles_(db) {}

std::optional<std::int64_t> InboundWriter::threadConversation(const routing::InboundMessage& m,
                                                              std::int64_t contact_id) {
    const std::string_view instance = m.instance();
    // The message it answers first (the last of thread_refs), then older ones: ours are the
    // strongest sign (only a recipient of our mail knows its Message-ID), then the customer's.
    for (auto it = m.thread_refs.rbegin(); it != m.thread_refs.rend(); ++it) {
        if (it->empty()) continue;
        for (Statement* q : {&thread_out_, &thread_in_}) {
            q->bind(1, instance).bind(2, std::string_view(*it));
            bool found = q->step();
            std::int64_t id = found ? q->columnInt(0) : 0;
            q->reset();
            if (found) return id;
        }
    }
    // A ticket tag is a number anyone can type: it joins only the sender's own conversation.
    if (m.ticket) {
        ticket_.bind(1, *m.ticket).bind(2, instance).bind(3, contact_id);
        bool found = ticket_.step();
        ticket_.reset();
        if (found) return *m.ticket;
    }
    return std::nullopt;
}

IngestResult InboundWriter::ingest(const routing::InboundMessage& m) {
    const std::string_view channel = routing::toString(m.channel);
    const std::string_view instance = m.instance();
    const std::int64_t now = routing::unixMillis(m.received_at);
    IngestResult r;

    const std::string attachments = attachmentsColumn(m);
    if (!m.provider_id.empty()) {
        find_dup_.bind(1, instance)
            .bind(2, std::string_view(m.from.id))
            .bind(3, std::string_view(m.provider_id));
        bool found = find_dup_.step();
        if (found) {
            r.message_id = find_dup_.columnInt(0);
            r.conversation_id = find_dup_.columnInt(1);
            r.contact_id = find_dup_.columnInt(2);
            r.duplicate = true;
            // The id again with other content: not a retry of the stored message.
            r.conflict = conflictsWith(find_dup_.columnOptionalText(3),
                                       find_dup_.columnOptionalText(4), m, attachments);
        }
        find_dup_.reset();
        if (found) return r;
    }

    bool new_contact = false;
    find_contact_.bind(1, channel).bind(2, std::string_view(m.from.id));
    if (find_contact_.step()) {
        r.contact_id = find_contact_.columnInt(0);
        find_contact_.reset();
        if (m.from.name || m.from.email || m.from.phone) {
            update_contact_.bind(1, r.contact_id)
                .bind(2, m.from.name)
                .bind(3, m.from.email)
                .bind(4, m.from.phone)
                .bind(5, now);
            update_contact_.run();
        }
    } else {
        find_contact_.reset();
        insert_contact_.bind(1, m.from.name)
            .bind(2, m.from.email)
            .bind(3, m.from.phone)
            .bind(4, m.locale)
            .bind(5, now);
        insert_contact_.run();
        r.contact_id = db_.lastInsertRowid();
        insert_address_.bind(1, channel).bind(2, std::string_view(m.from.id)).bind(3, r.contact_id);
        insert_address_.run();
        new_contact = true;
    }

    const std::string& reply_to = m.reply_address ? *m.reply_address : m.from.id;
    std::optional<std::int64_t> open;
    if (!m.thread_refs.empty() || m.ticket) open = threadConversation(m, r.contact_id);
    if (!open && !new_contact) {  // a contact just made has no conversation yet
        find_open_.bind(1, r.contact_id).bind(2, instance);
        if (find_open_.step()) open = find_open_.columnInt(0);
        find_open_.reset();
    }
    if (open) {
        r.conversation_id = *open;
        touch_conversation_.bind(1, r.conversation_id).bind(2, now).bind(3, std::string_view(reply_to));
        touch_conversation_.run();
    } else {
        insert_conversation_.bind(1, r.contact_id)
            .bind(2, channel)
            .bind(3, instance)
            .bind(4, m.channel_ref)
            .bind(5, m.locale)
            .bind(6, std::string_view(reply_to));
        if (m.api_client.empty()) {
            insert_conversation_.bindNull(7);
        } else {
            insert_conversation_.bind(7, std::string_view(m.api_client));
        }
        insert_conversation_.bind(8, now);
        insert_conversation_.run();
        r.conversation_id = db_.lastInsertRowid();
        r.new_conversation = true;
    }

    insert_message_.bind(1, r.conversation_id).bind(2, channel).bind(3, instance);
    if (m.provider_id.empty()) {
        insert_message_.bindNull(4);
    } else {
        insert_message_.bind(4, std::string_view(m.provider_id));
    }
    insert_message_.bind(5, m.provider_ref)
        .bind(6, std::string_view(m.text))
        .bind(7, m.locale);
    if (attachments.empty()) {
        insert_message_.bindNull(8);
    } else {
        insert_message_.bind(8, std::string_view(attachments));
    }
    insert_message_.bind(9, now).bind(10, std::string_view(m.from.id)).bind(11, m.subject);
    insert_message_.bind(12, threadRefsColumn(m));
    insert_message_.bind(13, m.classify_text)
        .bind(14, static_cast<std::int64_t>(m.auto_submitted ? 1 : 0));
    insert_message_.run();
    r.message_id = db_.lastInsertRowid();

    if (r.new_conversation) {
        opened_event_.bind(1, r.conversation_id).bind(2, r.message_id).bind(3, now);
        opened_event_.run();
    }
    if (!m.warnings.empty()) {
        appendEvent(r.conversation_id, "message.warnings",
                    warningsEventData(r.message_id, m.warnings), now);
    }
    if (new_contact) {  // what the row just inserted holds; no products, agent or cases yet
        r.contact.id = r.contact_id;
        r.contact.name = m.from.name;
        r.contact.locale = m.locale;
    } else {
        r.contact = profiles_.read(r.contact_id);
    }
    return r;
}

BatchIngested InboundWriter::ingestBatch(const InboundBatch& b, std::int64_t now_ms) {
    BatchIngested out;
    out.messages.reserve(b.messages.size());
    for (const auto& m : b.messages) out.messages.push_back(ingest(m));
    // The bytes of a message's attachments, with a new message only (a repeat has them), and
    // only where its attachment says they are kept.
    for (const auto& c : b.attachment_contents) {
        if (c.message >= out.messages.size() || out.messages[c.message].duplicate) continue;
        const auto& attachments = b.messages[c.message].attachments;
        if (c.position < 1 || c.position > attachments.size() ||
            !attachments[c.position - 1].stored)
            continue;
        insert_content_.bind(1, out.messages[c.message].message_id)
            .bind(2, static_cast<std::int64_t>(c.position))
            .bind(3, static_cast<std::int64_t>(c.bytes.size()))
            .bind(4, std::string_view(channels::sha256Hex(c.bytes)))
            .bindBlob(5, c.bytes);
        insert_content_.run();
    }
    for (const auto& e : b.edits) {
        if (!firstReceipt(b.channel_instance, e.provider_id, now_ms)) continue;
        if (applyEdit(b.channel_instance, e)) ++out.edits_applied;
    }
    for (const auto& r : b.reports) {
        if (auto change = applyReport(b.channel_instance, r)) out.deliveries.push_back(*change);
    }
    for (const auto& [key, value] : b.channel_state) {
        save_state_.bind(1, std::string_view(b.channel_instance))
            .bind(2, std::string_view(key))
            .bind(3, std::string_view(value))
            .bind(4, now_ms);
        save_state_.run();
    }
    for (const auto& e : b.contact_events) {
        if (!firstReceipt(b.channel_instance, e.provider_id, now_ms)) continue;
        json data{{"channel_instance", b.channel_instance}, {"address", e.from.id}};
        appendEvent(std::nullopt, "contact." + e.type, dump(data), routing::unixMillis(e.at));
        ++out.events_stored;
    }
    for (const auto& e : b.calls) {
        const bool first = firstReceipt(b.channel_instance, e.provider_id, now_ms);
        find_call_.bind(1, std::string_view(b.channel_instance)).bind(2, std::string_view(e.call_id));
        std::optional<std::int64_t> conversation;
        if (find_call_.step()) conversation = find_call_.columnInt(0);
        find_call_.reset();
        if (!conversation) {
            find_dialled_.bind(1, std::string_view(b.channel_instance))
                .bind(2, std::string_view(e.call_id));
            if (find_dialled_.step()) conversation = find_dialled_.columnInt(0);
            find_dialled_.reset();
        }
        if (!conversation && e.conversation_id > 0) {
            dial_conversation_.bind(1, e.conversation_id)
                .bind(2, std::string_view(b.channel_instance));
            if (dial_conversation_.step()) conversation = dial_conversation_.columnInt(0);
            dial_conversation_.reset();
        }
        out.calls.push_back({conversation, !first});
        if (!first) continue;
        appendEvent(conversation, e.type, e.data_json, routing::unixMillis(e.at));
        ++out.events_stored;
    }
    return out;
}

bool InboundWriter::firstReceipt(const std::string& instance, const std::string& provider_id,
                                 std::int64_t now_ms) {
    if (provider_id.empty()) return true;
    receipt_.bind(1, std::string_view(instance)).bind(2, std::string_view(provider_id)).bind(3, now_ms);
    receipt_.run();
    return db_.changes() > 0;
}

bool InboundWriter::applyEdit(const std::string& instance, const channels::InboundEdit& e) {
    find_inbound_ref_.bind(1, std::string_view(instance))
        .bind(2, std::string_view(e.provider_ref))
        .bind(3, routing::toString(e.channel))
        .bind(4, std::string_view(e.sender));
    if (!find_inbound_ref_.step()) {
        find_inbound_ref_.reset();
        return false;  // a message from before ccd, or one it never stored
    }
    auto id = find_inbound_ref_.columnInt(0);
    auto conversation = find_inbound_ref_.columnInt(1);
    find_inbound_ref_.reset();
    auto at = routing::unixMillis(e.edited_at);
    edit_.bind(1, id).bind(2, std::string_view(e.text)).bind(3, at);
    edit_.run();
    appendEvent(conversation, "message.edited", dump(json{{"message_id", id}}), at);
    return true;
}

std::optional<DeliveryChange> InboundWriter::applyReport(const std::string& instance,
                                                         const channels::DeliveryReport& r) {
    find_outbound_ref_.bind(1, std::string_view(instance))
        .bind(2, std::string_view(r.provider_message_id));
    if (!find_outbound_ref_.step()) {
        find_outbound_ref_.reset();
        return std::nullopt;  // not ours (another system on the same number) or long gone
    }
    DeliveryChange c;
    c.message_id = find_outbound_ref_.columnInt(0);
    c.conversation_id = find_outbound_ref_.columnInt(1);
    std::string current = find_outbound_ref_.columnOptionalText(2).value_or("queued");
    c.author = find_outbound_ref_.columnText(3);
    find_outbound_ref_.reset();
    std::string next(routing::toString(r.state));
    // Reports arrive out of order (read before delivered): a state only moves forward, and a
    // failure counts unless the customer already has the message.
    bool forward = r.state == routing::DeliveryState::Failed
                       ? rank(current) < rank("delivered") && current != "failed"
                       : rank(next) > rank(current) && current != "failed";
    if (!forward) return std::nullopt;
    set_delivery_.bind(1, c.message_id).bind(2, std::string_view(next));
    if (r.reason.empty()) {
        set_delivery_.bindNull(3);
    } else {
        set_delivery_.bind(3, std::string_view(r.reason));
    }
    set_delivery_.bind(4, routing::unixMillis(r.at));
    set_delivery_.run();
    c.state = r.state;
    c.reason = r.reason;
    return c;
}

void InboundWriter::appendEvent(std::optional<std::int64_t> conversation, std::string_view type,
                                const std::string& data, std::int64_t at_ms) {
    if (conversation) {
        insert_event_.bind(1, *conversation);
    } else {
        insert_event_.bindNull(1);
    }
    insert_event_.bind(2, type).bind(3, std::string_view(data)).bind(4, at_ms);
    insert_event_.run();
}

}  // namespace ccd::store::sqlite
