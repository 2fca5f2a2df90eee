#include "daemon/store/sqlite/sqlite_outbox.hpp"

#include <nlohmann/json.hpp>

#include "daemon/store/outbox_rows.hpp"

namespace ccd::store::sqlite {
namespace {

using nlohmann::json;

// The customer's address: the conversation's reply address, else the contact's address on the
// conversation's channel.
// A call (a voice follow-up of a customer who never called) may go to the contact's phone.
constexpr const char* kAddress =
    "coalesce(c.reply_address, (SELECT a.address FROM contact_addresses a"
    " WHERE a.contact_id = c.contact_id AND a.channel = c.channel LIMIT 1),"
    " (SELECT k.phone FROM contacts k WHERE k.id = c.contact_id AND c.channel = 'voice'), '')";

}  // namespace

OutboxWriter::OutboxWriter(Connection& db)
    : db_(db),
      // One message per conversation at a time, in order: a later message waits while an
      // earlier one is pending (its retry included) or being sent.
      select_due_(db, std::string("SELECT o.id, o.message_id, o.conversation_id, o.payload,"
                                  " o.idempotency_key, o.attempts, o.kind, o.created_at, ") +
                          kAddress +
                          // What it answers: the customer's last message on this instance,
                          // else (a conversation that continues by email) our last one sent.
                          ", c.last_inbound_at, coalesce((SELECT json_object('id', i.provider_id,"
                          " 'refs', i.thread_refs, 'subject', i.subject) FROM messages i"
                          " WHERE i.conversation_id = o.conversation_id AND i.direction = 'in'"
                          " AND i.channel_instance = o.channel_instance"
                          " AND i.provider_id IS NOT NULL ORDER BY i.id DESC LIMIT 1),"
                          " (SELECT json_object('id', s.provider_ref, 'subject', s.subject)"
                          " FROM messages s WHERE s.conversation_id = o.conversation_id"
                          " AND s.direction = 'out' AND s.channel_instance = o.channel_instance"
                          " AND s.provider_ref IS NOT NULL ORDER BY s.id DESC LIMIT 1))"
                          " FROM outbox o JOIN conversations c"
                          " ON c.id = o.conversation_id"
                          " WHERE o.channel_instance = ?1 AND o.status = 'pending'"
                          " AND o.next_attempt_at <= ?2 AND NOT EXISTS (SELECT 1 FROM outbox p"
                          " WHERE p.conversation_id = o.conversation_id AND p.id < o.id"
                          " AND p.channel_instance = o.channel_instance"
                          " AND p.status IN ('pending', 'sending'))"
                          " ORDER BY o.next_attempt_at, o.id LIMIT ?3"),
      mark_sending_(db,
                    "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
                    " WHERE id = ?1 AND status = 'pending'"),
      next_due_(db,
                "SELECT min(next_attempt_at) FROM outbox WHERE channel_instance = ?1"
                " AND status = 'pending'"),
      find_(db,
            "SELECT o.message_id, o.conversation_id, m.author, o.kind, o.payload, o.attempts"
            " FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.id = ?1"),
      sent_outbox_(db,
                   "UPDATE outbox SET status = 'sent', sent_at = ?2, provider_message_id = ?3,"
                   " last_error = NULL WHERE id = ?1"),
      sent_message_(db,
                    "UPDATE messages SET delivery = 'sent', delivery_at = ?2,"
                    " provider_ref = coalesce(?3, provider_ref)"
                    " WHERE id = ?1 AND coalesce(delivery, 'queued') = 'queued'"),
      retry_(db,
             "UPDATE outbox SET status = 'pending', next_attempt_at = ?2, last_error = ?3"
             " WHERE id = ?1"),
      failed_outbox_(db, "UPDATE outbox SET status = 'failed', last_error = ?2 WHERE id = ?1"),
      failed_message_(db,
                      "UPDATE messages SET delivery = 'failed', delivery_reason = ?2,"
                      " delivery_at = ?3 WHERE id = ?1"),
      dial_event_(db,
                  "INSERT INTO events (conversation_id, type, data, created_at)"
                  " VALUES (?1, ?2, ?3, ?4)") {}

OutboxClaim OutboxWriter::claim(const std::string& instance, std::size_t limit,
                                std::int64_t now_ms) {
    OutboxClaim out;
    select_due_.bind(1, std::string_view(instance))
        .bind(2, now_ms)
        .bind(3, static_cast<std::int64_t>(limit));
    while (select_due_.step()) {
        OutboxItem item;
        item.outbox_id = select_due_.columnInt(0);
        item.message_id = select_due_.columnInt(1);
        item.conversation_id = select_due_.columnInt(2);
        json payload = json::parse(select_due_.columnText(3), nullptr, false);
        readOutboxPayload(payload, item);
        item.idempotency_key = select_due_.columnText(4);
        item.attempt = static_cast<int>(select_due_.columnInt(5)) + 1;
        item.window_template = select_due_.columnText(6) == "window_template";
        item.created_at_ms = select_due_.columnInt(7);
        // A message sent by email for a conversation of another channel names its address.
        item.to = payload.is_object()
                      ? stringMember(payload, "to").value_or(select_due_.columnText(8))
                      : select_due_.columnText(8);
        if (!select_due_.columnIsNull(9)) item.last_inbound_at_ms = select_due_.columnInt(9);
        if (auto last = select_due_.columnOptionalText(10)) {
            json j = json::parse(*last, nullptr, false);
            if (j.is_object()) {
                item.customer_message_id = stringMember(j, "id");
                item.customer_subject = stringMember(j, "subject");
                std::string refs = stringMember(j, "refs").value_or("");
                for (std::size_t at = 0; at < refs.size();) {
                    auto space = refs.find(' ', at);
                    if (space == std::string::npos) space = refs.size();
                    if (space > at) item.customer_refs.push_back(refs.substr(at, space - at));
                    at = space + 1;
                }
            }
        }
        item.channel_instance = instance;
        out.items.push_back(std::move(item));
    }
    select_due_.reset();
    for (const auto& item : out.items) {
        mark_sending_.bind(1, item.outbox_id);
        mark_sending_.run();
    }
    next_due_.bind(1, std::string_view(instance));
    if (next_due_.step() && !next_due_.columnIsNull(0)) out.next_due_ms = next_due_.columnInt(0);
    next_due_.reset();
    return out;
}

std::vector<DeliveryChange> OutboxWriter::complete(const std::vector<OutboxResult>& results,
                                                   std::int64_t now_ms) {
    std::vector<DeliveryChange> changes;
    for (const auto& r : results) {
        find_.bind(1, r.outbox_id);
        if (!find_.step()) {
            find_.reset();
            continue;
        }
        DeliveryChange c;
        c.message_id = find_.columnInt(0);
        c.conversation_id = find_.columnInt(1);
        c.author = find_.columnText(2);
        const bool dial = find_.columnText(3) == "dial";
        const json payload =
            dial ? json::parse(find_.columnText(4), nullptr, false) : json::object();
        const int attempts = static_cast<int>(find_.columnInt(5));
        find_.reset();
        // A call placed (or refused for good) is a step of the conversation's call log.
        auto dialEvent = [&](const char* type, const std::string& call_id,
                             const std::string& reason) {
            dial_event_.bind(1, c.conversation_id)
                .bind(2, std::string_view(type))
                .bind(3, std::string_view(dialEventJson(payload, call_id, attempts, reason)))
                .bind(4, now_ms);
            dial_event_.run();
        };
        const std::string fallback_call = "dial-" + std::to_string(c.message_id);
        std::optional<std::string> provider_id;
        if (!r.provider_message_id.empty()) provider_id = r.provider_message_id;
        switch (r.kind) {
            case OutboxResult::Kind::Sent:
                sent_outbox_.bind(1, r.outbox_id).bind(2, now_ms).bind(3, provider_id);
                sent_outbox_.run();
                sent_message_.bind(1, c.message_id).bind(2, now_ms).bind(3, provider_id);
                sent_message_.run();
                if (dial)
                    dialEvent("call.dial",
                              r.provider_message_id.empty() ? fallback_call : r.provider_message_id,
                              {});
                c.state = routing::DeliveryState::Sent;
                changes.push_back(std::move(c));
                break;
            case OutboxResult::Kind::Retry:
                retry_.bind(1, r.outbox_id)
                    .bind(2, r.next_attempt_ms)
                    .bind(3, std::string_view(r.reason));
                retry_.run();
                break;
            case OutboxResult::Kind::Failed:
                failed_outbox_.bind(1, r.outbox_id).bind(2, std::string_view(r.reason));
                failed_outbox_.run();
                failed_message_.bind(1, c.message_id)
                    .bind(2, std::string_view(r.reason))
                    .bind(3, now_ms);
                failed_message_.run();
                if (dial) dialEvent("call.dial_failed", fallback_call, r.reason);
                c.state = routing::DeliveryState::Failed;
                c.reason = r.reason;
                changes.push_back(std::move(c));
                break;
        }
    }
    return changes;
}

std::size_t OutboxWriter::resume() {
    db_.exec("UPDATE outbox SET status = 'pending' WHERE status = 'sending'");
    return static_cast<std::size_t>(db_.changes());
}

std::map<std::string, OutboxCounts> readOutboxCounts(Connection& db) {
    std::map<std::string, OutboxCounts> out;
    Statement q(db,
                "SELECT channel_instance, status, count(*) FROM outbox"
                " WHERE status IN ('pending', 'sending', 'failed') GROUP BY 1, 2");
    while (q.step()) {
        auto& c = out[q.columnText(0)];
        auto status = q.columnText(1);
        auto n = static_cast<std::size_t>(q.columnInt(2));
        if (status == "pending")
            c.pending = n;
        else if (status == "sending")
            c.sending = n;
        else
            c.failed = n;
    }
    return out;
}

std::map<std::string, std::string> readChannelState(Connection& db, const std::string& instance) {
    std::map<std::string, std::string> out;
    Statement q(db, "SELECT key, value FROM channel_state WHERE channel_instance = ?1");
    q.bind(1, std::string_view(instance));
    while (q.step()) out.emplace(q.columnText(0), q.columnText(1));
    return out;
}

std::optional<DeliveryTarget> readDeliveryTarget(Connection& db, std::int64_t conversation_id) {
    Statement q(db, std::string("SELECT c.channel_instance, ") + kAddress +
                        " FROM conversations c WHERE c.id = ?1");
    q.bind(1, conversation_id);
    if (!q.step()) return std::nullopt;
    return DeliveryTarget{q.columnText(0), q.columnText(1)};
}

}  // namespace ccd::store::sqlite
