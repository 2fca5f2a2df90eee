#include "daemon/store/postgres/pg_ingest.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "daemon/store/inbound_rows.hpp"
#include "daemon/store/postgres/pg_profile.hpp"
#include "routing/utf8.hpp"

namespace ccd::store::postgres {
namespace {

// The SQL of each step, in the order a message goes through them. Ids that are not known
// when the pipeline is sent are found on the server: a contact by its (channel, address), a
// conversation or message just inserted by the statement before through currval() of its
// identity's sequence (the session's own value: other sessions' inserts do not move it).

// Reads. A stored message of (instance, sender, provider id): a repeat or a conflict.
constexpr const char* kFindDuplicate =
    "SELECT m.id, m.conversation_id, c.contact_id, COALESCE(m.original_text, m.body),"
    " m.attachments FROM messages m JOIN conversations c ON c.id = m.conversation_id"
    " WHERE m.channel_instance = $1 AND m.sender = $2 AND m.provider_id = $3"
    " AND m.direction = 'in'";
// The sender's contact and its open conversation on the instance (at most one: the unique
// index conversations_open).
constexpr const char* kFindContact =
    "SELECT a.contact_id, (SELECT id FROM conversations WHERE contact_id = a.contact_id"
    " AND channel_instance = $3 AND status = 'open') FROM contact_addresses a"
    " WHERE a.channel = $1 AND a.address = $2";
// A thread reference: one of our messages first, then one of the customer's.
constexpr const char* kThreadOut =
    "SELECT m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id"
    " WHERE m.channel_instance = $1 AND m.provider_ref = $2 AND m.direction = 'out'"
    " AND c.status = 'open' ORDER BY m.id DESC LIMIT 1";
constexpr const char* kThreadIn =
    "SELECT m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id"
    " WHERE m.channel_instance = $1 AND m.provider_id = $2 AND m.direction = 'in'"
    " AND c.status = 'open' LIMIT 1";
// A ticket tag joins only the sender's own open conversation of the instance (or carried on by
// email through it).
constexpr const char* kTicket =
    "SELECT id FROM conversations WHERE id = $1 AND (channel_instance = $2 OR continue_via = $2)"
    " AND contact_id = (SELECT contact_id FROM contact_addresses WHERE channel = $3"
    " AND address = $4) AND status = 'open'";

// Writes. A new contact and its address, in one statement.
constexpr const char* kInsertContact =
    "WITH c AS (INSERT INTO contacts (name, email, phone, locale, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $5) RETURNING id)"
    " INSERT INTO contact_addresses (channel, address, contact_id) SELECT $6, $7, id FROM c"
    " RETURNING contact_id";
// A known contact: what the channel now says of them, only when it changes something.
constexpr const char* kUpdateContact =
    "UPDATE contacts SET name = COALESCE($2::text, name), email = COALESCE($3::text, email),"
    " phone = COALESCE($4::text, phone), updated_at = $5 WHERE id = $1 AND ("
    "($2::text IS NOT NULL AND $2::text IS DISTINCT FROM name) OR"
    " ($3::text IS NOT NULL AND $3::text IS DISTINCT FROM email) OR"
    " ($4::text IS NOT NULL AND $4::text IS DISTINCT FROM phone))";
constexpr const char* kTouchConversation =
    "UPDATE conversations SET last_inbound_at = GREATEST(COALESCE(last_inbound_at, 0), $2),"
    " reply_address = $3 WHERE id = $1";
// A new conversation of the contact that ($1 channel, $2 address) names, created or not by
// the statement before.
constexpr const char* kInsertConversation =
    "INSERT INTO conversations (contact_id, channel, channel_instance, channel_ref, locale,"
    " reply_address, api_client, last_inbound_at, created_at, updated_at) VALUES ("
    "(SELECT contact_id FROM contact_addresses WHERE channel = $1 AND address = $2),"
    " $1, $3, $4, $5, $6, $7, $8, $8, $8) RETURNING id";
// $1: the conversation joined, or NULL for the one kInsertConversation just opened (COALESCE
// evaluates currval only then).
constexpr const char* kInsertMessage =
    "INSERT INTO messages (conversation_id, direction, channel, channel_instance, provider_id,"
    " provider_ref, author, body, locale, attachments, created_at, sender, subject, thread_refs,"
    " classify_text, auto_submitted) VALUES (COALESCE($1, currval(pg_get_serial_sequence("
    "'conversations', 'id'))), 'in', $2, $3, $4, $5, 'customer', $6, $7, $8, $9, $10, $11, $12,"
    " $13, $14) RETURNING id, conversation_id";
// Events of the message kInsertMessage just stored; the JSON as SQLite's json_object writes it.
// currval() in a scalar subquery: evaluated once, so that the primary key's index finds the row
// (compared with a volatile function directly, every row of messages was scanned).
constexpr const char* kOpenedEvent =
    "INSERT INTO events (conversation_id, type, data, created_at)"
    " SELECT conversation_id, 'conversation.opened', '{\"message_id\":' || id || '}', $1"
    " FROM messages WHERE id = (SELECT currval(pg_get_serial_sequence('messages', 'id')))";
// $2: warningsEventTail, what follows the message id.
constexpr const char* kWarningsEvent =
    "INSERT INTO events (conversation_id, type, data, created_at)"
    " SELECT conversation_id, 'message.warnings', '{\"message_id\":' || id || ',' || $2::text,"
    " $1 FROM messages WHERE id = (SELECT currval(pg_get_serial_sequence('messages', 'id')))";

Param optionalText(const std::string& text) {
    return text.empty() ? Param(nullptr) : Param(std::string_view(text));
}

std::string checkText(std::string_view field, std::string_view value) {
    if (value.find('\0') != std::string_view::npos) return std::string(field) + ": a NUL byte";
    if (!routing::isValidUtf8(value)) return std::string(field) + ": not UTF-8";
    return {};
}

// One message on its way through the waves.
struct Pending {
    const routing::InboundMessage* m = nullptr;
    std::string channel, instance, attachments;
    std::int64_t now = 0;
    // Positions of its statements in the pipeline that carries them.
    int dup = -1, contact = -1, ticket = -1;
    std::vector<int> threads;  // kThreadOut, kThreadIn per reference, in the order tried
    int new_contact = -1, message = -1, profile = -1;
    // The joined conversation's last_inbound_at and reply address, written in the last wave
    // (touches()).
    std::optional<std::int64_t> touch;
    std::string reply_to;
    IngestResult r;
    bool duplicate = false;
    bool barrier = false;  // in a wave after every earlier message's (see ingestGroup)
};

// A pipeline being built, with the message each statement belongs to.
struct Pipeline {
    Batch batch;
    std::vector<std::size_t> owner;
    int add(std::size_t who, const char* sql, std::vector<Param> params) {
        batch.add(sql, std::move(params));
        owner.push_back(who);
        return static_cast<int>(owner.size() - 1);
    }
};

// The reads of message `who`.
void addReads(Pipeline& p, std::size_t who, Pending& x) {
    const auto& m = *x.m;
    if (!m.provider_id.empty())
        x.dup = p.add(who, kFindDuplicate, {x.instance, m.from.id, m.provider_id});
    x.contact = p.add(who, kFindContact, {x.channel, m.from.id, x.instance});
    for (auto it = m.thread_refs.rbegin(); it != m.thread_refs.rend(); ++it) {
        if (it->empty()) continue;
        x.threads.push_back(p.add(who, kThreadOut, {x.instance, *it}));
        x.threads.push_back(p.add(who, kThreadIn, {x.instance, *it}));
    }
    if (m.ticket) x.ticket = p.add(who, kTicket, {*m.ticket, x.instance, x.channel, m.from.id});
}

// What the reads found, and the writes that follow from it.
void addWrites(Pipeline& p, std::size_t who, Pending& x, std::vector<Result>& reads) {
    const auto& m = *x.m;
    IngestResult& r = x.r;
    if (x.dup >= 0 && reads[x.dup].next()) {
        Result& d = reads[x.dup];
        r.message_id = d.columnInt(0);
        r.conversation_id = d.columnInt(1);
        r.contact_id = d.columnInt(2);
        r.duplicate = true;
        r.conflict =
            conflictsWith(d.columnOptionalText(3), d.columnOptionalText(4), m, x.attachments);
        x.duplicate = true;
        return;
    }
    std::optional<std::int64_t> open, conversation;
    Result& c = reads[x.contact];
    const bool known = c.next();
    if (known) {
        r.contact_id = c.columnInt(0);
        if (!c.isNull(1)) open = c.columnInt(1);
    }
    for (int t : x.threads) {
        if (reads[t].next()) {
            conversation = reads[t].columnInt(0);
            break;
        }
    }
    if (!conversation && x.ticket >= 0 && reads[x.ticket].next()) conversation = *m.ticket;
    if (!conversation) conversation = open;

    if (!known) {
        x.new_contact =
            p.add(who, kInsertContact,
                  {m.from.name, m.from.email, m.from.phone, m.locale, x.now, x.channel, m.from.id});
    } else if (m.from.name || m.from.email || m.from.phone) {
        p.add(who, kUpdateContact, {r.contact_id, m.from.name, m.from.email, m.from.phone, x.now});
    }
    const std::string& reply_to = m.reply_address ? *m.reply_address : m.from.id;
    if (conversation) {
        r.conversation_id = *conversation;
        x.touch = *conversation;
        x.reply_to = reply_to;
    } else {
        p.add(who, kInsertConversation,
              {x.channel, m.from.id, x.instance, m.channel_ref, m.locale, reply_to,
               optionalText(m.api_client), x.now});
        r.new_conversation = true;
    }
    x.message =
        p.add(who, kInsertMessage,
              {conversation ? Param(*conversation) : Param(nullptr), x.channel, x.instance,
               optionalText(m.provider_id), m.provider_ref, m.text, m.locale,
               optionalText(x.attachments), x.now, m.from.id, m.subject, threadRefsColumn(m),
               m.classify_text, std::int64_t{m.auto_submitted ? 1 : 0}});
    if (r.new_conversation) p.add(who, kOpenedEvent, {x.now});
    if (!m.warnings.empty()) p.add(who, kWarningsEvent, {x.now, warningsEventTail(m.warnings)});
    x.profile = static_cast<int>(p.owner.size());
    appendProfileReads(p.batch, x.channel, m.from.id);
    p.owner.insert(p.owner.end(), kProfileStatements, who);
}

// What the writes returned.
void readWrites(Pending& x, std::vector<Result>& results) {
    if (x.duplicate) return;
    if (x.new_contact >= 0) {
        Result& c = results[x.new_contact];
        if (c.next()) x.r.contact_id = c.columnInt(0);
    }
    Result& m = results[x.message];
    if (m.next()) {
        x.r.message_id = m.columnInt(0);
        x.r.conversation_id = m.columnInt(1);
    }
    x.r.contact = profileFromResults(x.r.contact_id, results, x.profile);
}

// Waves: a message whose reads must see an earlier message's writes of the same group (the
// same sender: its contact and conversation; a thread reference to its provider id) goes one
// wave after it. Everything else of a wave is independent and shares its round trips. Waves
// never go back (a message is in its predecessor's wave or a later one), so that rows are
// written in the group's order and get the ids the SQLite store gives them one by one (the
// messages of a conversation stay in arrival order).
std::vector<std::size_t> assignWaves(const std::vector<Pending>& xs) {
    std::vector<std::size_t> wave(xs.size(), 0);
    std::map<std::pair<std::string, std::string>, std::size_t> sender, provider_id;
    for (std::size_t j = 0; j < xs.size(); ++j) {
        const auto& m = *xs[j].m;
        std::size_t w = j == 0 ? 0 : wave[j - 1] + (xs[j].barrier ? 1 : 0);
        if (auto it = sender.find({xs[j].channel, m.from.id}); it != sender.end())
            w = std::max(w, it->second + 1);
        for (const auto& ref : m.thread_refs) {
            if (auto it = provider_id.find({xs[j].instance, ref}); it != provider_id.end())
                w = std::max(w, it->second + 1);
        }
        wave[j] = w;
        sender[{xs[j].channel, m.from.id}] = w;
        if (!m.provider_id.empty()) {
            auto& slot = provider_id[{xs[j].instance, m.provider_id}];
            slot = std::max(slot, w);
        }
    }
    return wave;
}

// The joined conversations' updates, one per conversation (the latest time, the group's last
// reply address), in the order of their ids.
std::vector<std::pair<std::size_t, ConversationTouch>> touchesOf(const std::vector<Pending>& xs) {
    std::map<std::int64_t, std::pair<std::size_t, ConversationTouch>> touches;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (!xs[i].touch) continue;
        auto [it, fresh] = touches.try_emplace(
            *xs[i].touch, i, ConversationTouch{*xs[i].touch, xs[i].now, xs[i].reply_to});
        if (!fresh)
            it->second = {i, {*xs[i].touch, std::max(it->second.second.at, xs[i].now),
                              xs[i].reply_to}};
    }
    std::vector<std::pair<std::size_t, ConversationTouch>> out;
    for (auto& [id, t] : touches) out.push_back(std::move(t));
    return out;
}

// The touches as the last statements before COMMIT. An UPDATE holds its row's lock until the
// transaction ends: nodes storing messages of the same conversations wait on each other for
// that long, so it comes last (one round trip and the commit, not every wave's); and in one
// order, so that two nodes' groups cannot deadlock.
void addTouches(Pipeline& p, const std::vector<Pending>& xs) {
    for (const auto& [who, t] : touchesOf(xs)) {
        auto [sql, params] = touchStatement(t);
        p.add(who, sql, std::move(params));
    }
}

// The message a failed statement belonged to; thrown through run() for ingestGroup.
struct MessageFailed {
    std::size_t message;
    PgError error;
};

// Stores `xs` in waves. Round trips: waves + 1 — the first carries the first wave's reads,
// each next one a wave's writes (with its contacts' profile reads) and the next wave's reads,
// the last one the last wave's writes and COMMIT when `ends.commit`.
void run(Connection& db, std::vector<Pending>& xs, Connection::PipelineEnds ends,
         std::size_t* waves_out, std::vector<ConversationTouch>* deferred = nullptr) {
    auto wave = assignWaves(xs);
    std::size_t waves = xs.empty() ? 0 : *std::max_element(wave.begin(), wave.end()) + 1;
    if (waves_out) *waves_out = waves;
    auto send = [&](Pipeline& p, Connection::PipelineEnds e) {
        try {
            return db.pipeline(p.batch, e);
        } catch (const PgError& error) {
            if (error.statement() >= 0 && !error.connectionBroken())
                throw MessageFailed{p.owner.at(static_cast<std::size_t>(error.statement())), error};
            throw;
        }
    };
    Pipeline reads;
    for (std::size_t i = 0; i < xs.size(); ++i)
        if (wave[i] == 0) addReads(reads, i, xs[i]);
    std::vector<Result> results = send(reads, {ends.begin, ends.commit && waves == 0});
    for (std::size_t w = 0; w < waves; ++w) {
        Pipeline next;
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (wave[i] == w) addWrites(next, i, xs[i], results);
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (wave[i] == w + 1) addReads(next, i, xs[i]);
        const bool last = w + 1 == waves;
        if (last && !deferred) addTouches(next, xs);
        results = send(next, {false, ends.commit && last});
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (wave[i] == w) readWrites(xs[i], results);
    }
    if (deferred) {
        for (auto& [who, t] : touchesOf(xs)) deferred->push_back(std::move(t));
    }
}

Pending pending(const routing::InboundMessage& m) {
    Pending x;
    x.m = &m;
    x.channel = std::string(routing::toString(m.channel));
    x.instance = std::string(m.instance());
    x.attachments = attachmentsColumn(m);
    x.now = routing::unixMillis(m.received_at);
    return x;
}

}  // namespace

std::string unstorableText(const routing::InboundMessage& m) {
    std::vector<std::pair<const char*, std::string_view>> fields = {
        {"channel_instance", m.channel_instance},
        {"provider_id", m.provider_id},
        {"from.id", m.from.id},
        {"text", m.text},
        {"api_client", m.api_client}};
    auto optional = [&](const char* name, const std::optional<std::string>& v) {
        if (v) fields.emplace_back(name, *v);
    };
    optional("from.name", m.from.name);
    optional("from.email", m.from.email);
    optional("from.phone", m.from.phone);
    optional("locale", m.locale);
    optional("channel_ref", m.channel_ref);
    optional("reply_address", m.reply_address);
    optional("provider_ref", m.provider_ref);
    optional("subject", m.subject);
    optional("classify_text", m.classify_text);
    for (const auto& ref : m.thread_refs) fields.emplace_back("thread_refs", ref);
    // Attachments and warnings are stored as JSON, escaped and with invalid UTF-8 replaced.
    for (const auto& [name, value] : fields) {
        if (auto why = checkText(name, value); !why.empty()) return why;
    }
    return {};
}

std::pair<const char*, std::vector<Param>> touchStatement(const ConversationTouch& touch) {
    return {kTouchConversation, {touch.conversation_id, touch.at, touch.reply_to}};
}

IngestResult InboundWriter::ingest(const routing::InboundMessage& message,
                                   std::vector<ConversationTouch>* deferred) {
    if (auto why = unstorableText(message); !why.empty()) throw std::invalid_argument(why);
    std::vector<Pending> xs{pending(message)};
    try {
        run(db_, xs, {false, false}, nullptr, deferred);
    } catch (const MessageFailed& f) {
        throw f.error;
    }
    return std::move(xs[0].r);
}

std::vector<StoreResult<IngestResult>> InboundWriter::ingestGroup(
    const std::vector<routing::InboundMessage>& messages) {
    stats_ = {};
    std::vector<StoreResult<IngestResult>> out(messages.size());
    // Validated before: what PostgreSQL refuses for certain is refused without a round trip.
    std::vector<std::size_t> live;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (auto why = unstorableText(messages[i]); !why.empty()) {
            out[i] = StoreResult<IngestResult>::fail("not stored: " + why);
            ++stats_.refused;
        } else {
            live.push_back(i);
        }
    }
    const auto trips_before = db_.ioStats().round_trips;
    // Anything else a message's data breaks (a constraint, a trigger) aborts the transaction:
    // the group is rolled back and run again without that message. No savepoint per message:
    // each one a message writes in takes a subtransaction id, and past 64 in one transaction
    // the server's snapshots overflow (every session's reads slow down until it ends).
    std::set<std::size_t> retried;
    while (!live.empty()) {
        std::vector<Pending> xs;
        xs.reserve(live.size());
        for (std::size_t i : live) {
            xs.push_back(pending(messages[i]));
            xs.back().barrier = retried.count(i) > 0;
        }
        try {
            run(db_, xs, {true, true}, &stats_.waves);
        } catch (const MessageFailed& f) {
            const std::size_t index = live[f.message];
            // A row the message's reads did not see: another node stored the same contact,
            // conversation or message meanwhile (it committed while we waited on its row), or
            // an earlier message of the group did through another address of the same
            // contact. Once more with the message, in a wave after the earlier ones: its reads
            // now see both (READ COMMITTED: each statement a new snapshot).
            // A deadlock with another node's transaction (two new customers each node stores
            // in the other order): the same, once.
            if ((f.error.uniqueViolation() || f.error.transientConflict()) &&
                retried.insert(index).second) {
                ++stats_.retries;
                continue;
            }
            out[index] =
                StoreResult<IngestResult>::fail(std::string("not stored: ") + f.error.what());
            live.erase(live.begin() + static_cast<std::ptrdiff_t>(f.message));
            ++stats_.replays;
            continue;
        }
        for (std::size_t k = 0; k < live.size(); ++k)
            out[live[k]] = StoreResult<IngestResult>::ok(std::move(xs[k].r));
        break;
    }
    stats_.round_trips = db_.ioStats().round_trips - trips_before;
    return out;
}

}  // namespace ccd::store::postgres
