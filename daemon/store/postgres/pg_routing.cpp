#include "daemon/store/postgres/pg_routing.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "daemon/attachment_json.hpp"
#include "daemon/store/postgres/pg_contact_history.hpp"
#include "daemon/store/postgres/pg_conversations.hpp"
#include "daemon/store/postgres/pg_profile.hpp"
#include "daemon/store/recovery_sql.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"

namespace ccd::store::postgres {
namespace {

using nlohmann::json;

constexpr const char* kFindOutbox = "SELECT message_id FROM outbox WHERE idempotency_key = $1";
constexpr const char* kConversationExists = "SELECT 1 FROM conversations WHERE id = $1";
// The message goes by email when it names a route ($9, the email instance) or when the
// conversation continues by email; else through the conversation's own channel. Decided on the
// server from the row as it is when the statement runs, so that a continuation stored earlier
// in the same commit applies (as in SQLite, where continuations are applied first).
constexpr const char* kInsertMessage =
    "INSERT INTO messages (conversation_id, direction, channel, channel_instance, author, body,"
    " locale, template_id, subject, html, delivery, created_at)"
    " SELECT c.id, 'out', r.channel, r.instance, $2, $3, $4, $5, $6, $7,"
    " CASE WHEN r.channel = 'api' THEN 'sent' ELSE 'queued' END, $8"
    " FROM conversations c CROSS JOIN LATERAL (SELECT CASE WHEN $9::text IS NOT NULL OR"
    " (c.continue_via IS NOT NULL AND c.continue_to IS NOT NULL) THEN 'email' ELSE c.channel"
    " END AS channel, COALESCE($9::text, CASE WHEN c.continue_to IS NOT NULL THEN"
    " c.continue_via END, c.channel_instance, c.channel) AS instance) r WHERE c.id = $1"
    " RETURNING id";
// The outbox entry of the message just inserted (currval: this session's own). The API
// channel has no push transport: its clients read the conversation, so the reply is sent once
// stored. A continuation's address goes into the payload as "to" (its last key, as the
// SQLite store's JSON has it).
constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (conversation_id, message_id, channel, channel_instance,"
    " idempotency_key, payload, status, kind, next_attempt_at, created_at, sent_at)"
    " SELECT m.conversation_id, m.id, m.channel, m.channel_instance, $1,"
    " CASE WHEN NOT $5::boolean AND m.channel = 'email' AND c.continue_via IS NOT NULL"
    " AND c.continue_to IS NOT NULL"
    " THEN left($2::text, -1) || ',\"to\":' || to_json(c.continue_to)::text || '}'"
    " ELSE $2::text END, CASE WHEN m.channel = 'api' THEN 'sent' ELSE 'pending' END, $3, $4, $4,"
    " CASE WHEN m.channel = 'api' THEN $4 END FROM messages m JOIN conversations c"
    " ON c.id = m.conversation_id"
    " WHERE m.id = (SELECT currval(pg_get_serial_sequence('messages', 'id')))";
constexpr const char* kInsertEvent =
    "INSERT INTO events (conversation_id, type, data, created_at) VALUES ($1, $2, $3, $4)";
constexpr const char* kSaveState =
    "UPDATE conversations SET routing = $2, category = $3, priority = $4, queue = $5,"
    " agent = COALESCE($6::text, agent), updated_at = GREATEST(updated_at, $7), subtype = $8,"
    " routed_message_id = GREATEST(routed_message_id, $9) WHERE id = $1";
constexpr const char* kRoutedUpto =
    "UPDATE conversations SET routed_message_id = GREATEST(routed_message_id, $2) WHERE id = $1";
constexpr const char* kClose =
    "UPDATE conversations SET status = 'closed', closed_at = $2, updated_at = $2"
    " WHERE id = $1 AND status = 'open'";
constexpr const char* kRate = "UPDATE conversations SET rating = $2 WHERE id = $1";
constexpr const char* kContinue =
    "UPDATE conversations SET continue_via = $2, continue_to = $3 WHERE id = $1";
// The address joins the conversation's contact unless another contact has it.
constexpr const char* kLinkAddress =
    "INSERT INTO contact_addresses (channel, address, contact_id)"
    " SELECT 'email', $2, contact_id FROM conversations WHERE id = $1 ON CONFLICT DO NOTHING";

// One outbound message of a write: its reads, its statements, its id.
struct OutboundPart {
    const OutboundMessage* m = nullptr;
    int prior = -1, exists = -1, message = -1;
    std::optional<std::int64_t> known;  // a repeat of a committed key: nothing written

    void reads(Statements& s) {
        known.reset();
        message = -1;
        prior = s.add(kFindOutbox, {m->idempotency_key});
        exists = s.add(kConversationExists, {m->conversation_id});
    }
    void writes(Statements& s, std::vector<Result>& first, GroupContext& ctx) {
        if (first.at(prior).next()) {
            known = first[prior].columnInt(0);
            return;
        }
        if (ctx.outbox_keys.count(m->idempotency_key)) {  // an earlier write of this group
            message = s.add(kFindOutbox, {m->idempotency_key});
            return;
        }
        if (!first.at(exists).next())
            throw WriteRefused("no conversation " + std::to_string(m->conversation_id));
        std::optional<std::string> route;
        if (m->email) route = m->email->instance;
        message = s.add(kInsertMessage, {m->conversation_id, m->author, m->text, m->locale,
                                         m->template_id, m->subject, m->html, ctx.now_ms, route});
        s.add(kInsertOutbox, {m->idempotency_key,
                              sqlite::outboxPayload(*m, m->email),
                              m->dial              ? "dial"
                              : m->window_template ? "window_template"
                                                   : "message",
                              ctx.now_ms, m->email ? "true" : "false"});
        ctx.outbox_keys.insert(m->idempotency_key);
        ++ctx.queued;
    }
    std::int64_t id(std::vector<Result>& second) const {
        if (known) return *known;
        Result& r = second.at(message);
        if (!r.next()) throw PgError("the outbound message was not stored", "", false);
        return r.columnInt(0);
    }
};

void addEvent(Statements& s, const EventRecord& e, std::int64_t now_ms) {
    s.add(kInsertEvent, {e.conversation_id > 0 ? Param(e.conversation_id) : Param(nullptr), e.type,
                         e.data_json, e.created_at_ms > 0 ? e.created_at_ms : now_ms});
}

class OutboundWrite final : public GroupWrite {
  public:
    OutboundWrite(OutboundMessage m, std::function<void(StoreResult<std::int64_t>)> done)
        : message_(std::move(m)), done_(std::move(done)) {
        part_.m = &message_;
    }
    void reads(Statements& s) override { part_.reads(s); }
    void writes(Statements& s, std::vector<Result>& first, GroupContext& ctx) override {
        part_.writes(s, first, ctx);
    }
    void wrote(std::vector<Result>& second) override { id_ = part_.id(second); }
    void complete(const std::string& error) override {
        if (!done_) return;
        done_(error.empty() ? StoreResult<std::int64_t>::ok(id_)
                            : StoreResult<std::int64_t>::fail(error));
    }

  private:
    OutboundMessage message_;
    OutboundPart part_;
    std::int64_t id_ = 0;
    std::function<void(StoreResult<std::int64_t>)> done_;
};

class EventsWrite final : public GroupWrite {
  public:
    EventsWrite(std::vector<EventRecord> events, std::function<void(StoreResult<bool>)> done)
        : events_(std::move(events)), done_(std::move(done)) {}
    void writes(Statements& s, std::vector<Result>&, GroupContext& ctx) override {
        for (const auto& e : events_) addEvent(s, e, ctx.now_ms);
    }
    void complete(const std::string& error) override {
        if (!done_) return;
        done_(error.empty() ? StoreResult<bool>::ok(true) : StoreResult<bool>::fail(error));
    }

  private:
    std::vector<EventRecord> events_;
    std::function<void(StoreResult<bool>)> done_;
};

class RoutingWrite final : public GroupWrite {
  public:
    RoutingWrite(RoutingUpdate u, std::function<void(StoreResult<RoutingApplied>)> done)
        : update_(std::move(u)), done_(std::move(done)) {
        for (const auto& m : update_.outbound) {
            parts_.emplace_back();
            parts_.back().m = &m;
        }
    }
    void reads(Statements& s) override {
        for (auto& p : parts_) p.reads(s);
    }
    void writes(Statements& s, std::vector<Result>& first, GroupContext& ctx) override {
        const auto now = ctx.now_ms;
        // A conversation's routed-up-to message rides on its state's UPDATE when both change.
        for (const auto& c : update_.conversations) {
            s.add(kSaveState, {c.id, sqlite::snapshotToJson(c), c.category,
                               static_cast<std::int64_t>(c.priority), c.queue, c.agent, now,
                               c.subtype, sqlite::routedUptoIn(update_, c.id)});
        }
        for (const auto& [conversation, message] : update_.routed_upto)
            if (!sqlite::savesStateOf(update_, conversation))
                s.add(kRoutedUpto, {conversation, message});
        for (const auto& [conversation, route] : update_.email_continuations) {
            if (route) {
                s.add(kLinkAddress, {conversation, route->address});
                s.add(kContinue, {conversation, route->instance, route->address});
            } else {
                s.add(kContinue, {conversation, nullptr, nullptr});
            }
        }
        for (auto& p : parts_) p.writes(s, first, ctx);
        for (const auto& e : update_.events) addEvent(s, e, now);
        for (const auto& [conversation, rating] : update_.ratings)
            s.add(kRate, {conversation, static_cast<std::int64_t>(rating)});
        for (auto id : update_.closed) s.add(kClose, {id, now});
        read_back_.clear();
        for (auto id : update_.read_back) read_back_.push_back(appendConversationReads(s, id));
    }
    void conversationsUpdated(std::vector<std::int64_t>& ids) const override {
        for (const auto& c : update_.conversations) ids.push_back(c.id);
        for (const auto& r : update_.routed_upto) ids.push_back(r.first);
        for (const auto& e : update_.email_continuations) ids.push_back(e.first);
        for (const auto& r : update_.ratings) ids.push_back(r.first);
        ids.insert(ids.end(), update_.closed.begin(), update_.closed.end());
    }
    void wrote(std::vector<Result>& second) override {
        applied_ = RoutingApplied{};
        for (const auto& p : parts_) applied_.outbound_ids.push_back(p.id(second));
        for (int first : read_back_) {
            if (auto c = conversationFromResults(second, static_cast<std::size_t>(first)))
                applied_.conversations.push_back(std::move(*c));
        }
    }
    // The offer shows the customer's earlier conversations (issue 13), as SQLite's applyRouting
    // does; read just after the commit, each in a snapshot of its own (SQLite reads it before
    // its commit). Left unset when the read fails: the routing is stored.
    void readAfter(Connection& db) override {
        for (auto& c : applied_.conversations) {
            ContactHistoryQuery archive;
            archive.contact_id = c.contact.id;
            archive.exclude_conversation = c.id;
            c.customer_history = readContactHistory(db, archive);
        }
    }
    void complete(const std::string& error) override {
        if (!done_) return;
        done_(error.empty() ? StoreResult<RoutingApplied>::ok(std::move(applied_))
                            : StoreResult<RoutingApplied>::fail(error));
    }

  private:
    RoutingUpdate update_;
    std::vector<OutboundPart> parts_;
    std::vector<int> read_back_;
    RoutingApplied applied_;
    std::function<void(StoreResult<RoutingApplied>)> done_;
};

// The profile reads of pg_profile by contact id (the same columns, for profileFromResults).
constexpr const char* kProfileById[] = {
    "SELECT name, tier, locale, attributes FROM contacts WHERE id = $1",
    "SELECT sku, name, serial, purchased_on, warranty_until FROM contact_products"
    " WHERE contact_id = $1 ORDER BY id",
    "SELECT agent FROM conversations WHERE contact_id = $1 AND agent IS NOT NULL"
    " ORDER BY id DESC LIMIT 1",
    "SELECT id, type, coalesce(product_sku, ''), product_serial, opened_at, closed"
    " FROM cases WHERE contact_id = $1 ORDER BY id DESC LIMIT 20"};
static_assert(std::size(kProfileById) == kProfileStatements);

constexpr const char* kOpenStates =
    "SELECT id, routing FROM conversations WHERE status = 'open' AND routing IS NOT NULL"
    " ORDER BY id";
// An inbound message of an open conversation with what routing needs; kUnrouted adds its
// condition (not routed yet, or among given ids) and the order.
constexpr const char* kUnroutedSelect =
    "SELECT m.id, m.conversation_id, m.channel, m.provider_id, m.body, m.locale,"
    " m.created_at, c.contact_id, c.channel_ref, c.routed_message_id,"
    " (SELECT min(id) FROM messages f WHERE f.conversation_id = c.id"
    "  AND f.direction = 'in') AS first_id,"
    " (SELECT address FROM contact_addresses a WHERE a.contact_id = c.contact_id"
    "  AND a.channel = c.channel LIMIT 1) AS address,"
    " m.channel_instance, m.attachments, m.provider_ref, c.reply_address, c.api_client,"
    " m.subject, m.classify_text, m.auto_submitted, m.thread_refs"
    " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
    " WHERE m.direction = 'in' AND c.status = 'open' ";
const std::string kUnrouted =
    std::string(kUnroutedSelect) + "AND m.id > c.routed_message_id ORDER BY m.id";
// Given ids, routed or not: another node asked for them (the caller knows what it routed).
const std::string kUnroutedByIds =
    std::string(kUnroutedSelect) + "AND m.id = ANY($1::bigint[]) ORDER BY m.id";

routing::TimePoint fromMs(std::int64_t ms) {
    return routing::TimePoint(std::chrono::milliseconds(ms));
}

}  // namespace

std::unique_ptr<GroupWrite> outboundWrite(OutboundMessage message,
                                          std::function<void(StoreResult<std::int64_t>)> done) {
    return std::make_unique<OutboundWrite>(std::move(message), std::move(done));
}

std::unique_ptr<GroupWrite> eventsWrite(std::vector<EventRecord> events,
                                        std::function<void(StoreResult<bool>)> done) {
    return std::make_unique<EventsWrite>(std::move(events), std::move(done));
}

std::unique_ptr<GroupWrite> routingWrite(RoutingUpdate update,
                                         std::function<void(StoreResult<RoutingApplied>)> done) {
    return std::make_unique<RoutingWrite>(std::move(update), std::move(done));
}

namespace {

// The rows of a kUnrouted query, their contacts' ids beside them.
std::vector<UnroutedMessage> unroutedRows(Result& q, std::vector<std::int64_t>& contact_of) {
    std::vector<UnroutedMessage> out;
    while (q.next()) {
        UnroutedMessage u;
        u.message_id = q.columnInt(0);
        u.conversation_id = q.columnInt(1);
        u.message.channel =
            routing::channelKindFromString(q.columnText(2)).value_or(routing::ChannelKind::Api);
        u.message.provider_id = q.columnOptionalText(3).value_or("");
        u.message.text = q.columnText(4);
        u.message.locale = q.columnOptionalText(5);
        u.message.received_at = fromMs(q.columnInt(6));
        contact_of.push_back(q.columnInt(7));
        u.message.channel_ref = q.columnOptionalText(8);
        u.new_conversation = q.columnInt(9) == 0 && q.columnInt(10) == u.message_id;
        u.message.from.id = q.columnOptionalText(11).value_or("");
        u.message.channel_instance = q.columnOptionalText(12).value_or("");
        u.message.attachments = daemon::attachmentsFromText(q.columnOptionalText(13).value_or(""));
        u.message.provider_ref = q.columnOptionalText(14);
        u.message.reply_address = q.columnOptionalText(15);
        u.message.api_client = q.columnOptionalText(16).value_or("");
        u.message.subject = q.columnOptionalText(17);
        u.message.classify_text = q.columnOptionalText(18);
        u.message.auto_submitted = q.columnInt(19) != 0;
        std::string refs = q.columnOptionalText(20).value_or("");
        for (std::size_t at = 0; at < refs.size();) {
            auto space = refs.find(' ', at);
            if (space == std::string::npos) space = refs.size();
            if (space > at) u.message.thread_refs.push_back(refs.substr(at, space - at));
            at = space + 1;
        }
        out.push_back(std::move(u));
    }
    return out;
}

// Each contact's profile once, in one more round trip that ends the transaction when `commit`.
void addProfiles(Connection& db, std::vector<UnroutedMessage>& messages,
                 const std::vector<std::int64_t>& contact_of, bool commit) {
    std::map<std::int64_t, std::size_t> profile_at;
    Batch profiles;
    for (auto id : contact_of) {
        if (!profile_at.emplace(id, profiles.size()).second) continue;
        for (const char* sql : kProfileById) profiles.add(sql, {id});
    }
    if (profiles.empty()) {
        if (commit) db.exec("COMMIT");
        return;
    }
    auto read = db.pipeline(profiles, {false, commit});
    std::map<std::int64_t, routing::ContactProfile> by_contact;
    for (const auto& [id, at] : profile_at) by_contact[id] = profileFromResults(id, read, at);
    for (std::size_t i = 0; i < messages.size(); ++i)
        messages[i].contact = by_contact[contact_of[i]];
}

}  // namespace

RoutingRecovery readRoutingRecovery(Connection& db) {
    db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    Batch first;
    first.add(kOpenStates).add(kUnrouted).add(kRecentHandleTimes);
    auto results = db.pipeline(first, {false, false});
    RoutingRecovery out;
    Result& states = results[0];
    while (states.next()) {
        routing::ConversationSnapshot s;
        s.id = states.columnInt(0);
        if (sqlite::snapshotFromJson(states.columnText(1), s))
            out.conversations.push_back(std::move(s));
    }
    Result& handled = results[2];
    while (handled.next()) {
        out.handle_times.push_back(
            {handled.columnText(0), std::chrono::milliseconds(handled.columnInt(1))});
    }
    std::reverse(out.handle_times.begin(), out.handle_times.end());
    std::vector<std::int64_t> contact_of;
    out.unrouted = unroutedRows(results[1], contact_of);
    addProfiles(db, out.unrouted, contact_of, true);
    return out;
}

std::string bigintArray(const std::vector<std::int64_t>& ids) {
    std::string list = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) list += (i ? "," : "") + std::to_string(ids[i]);
    return list + "}";
}

std::vector<UnroutedMessage> readUnrouted(Connection& db,
                                          const std::vector<std::int64_t>* ids) {
    db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    Batch batch;
    if (ids) {
        batch.add(kUnroutedByIds, {bigintArray(*ids)});
    } else {
        batch.add(kUnrouted);
    }
    auto results = db.pipeline(batch, {false, false});
    std::vector<std::int64_t> contact_of;
    auto out = unroutedRows(results[0], contact_of);
    addProfiles(db, out, contact_of, true);
    return out;
}

}  // namespace ccd::store::postgres
