#include "daemon/store/sqlite/schema.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace ccd::store::sqlite {
namespace {

// Append only: a released migration is never edited. Times are Unix milliseconds (UTC).
constexpr std::array<const char*, 16> kMigrations{
    // 1: contacts, conversations, messages, events, outbox.
    R"sql(
CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    name        TEXT,
    email       TEXT,
    phone       TEXT,
    tier        TEXT NOT NULL DEFAULT 'standard',
    locale      TEXT,
    attributes  TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- One person may be reached on several channels: each (channel, address) names one contact.
CREATE TABLE contact_addresses (
    channel     TEXT NOT NULL,
    address     TEXT NOT NULL,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (channel, address)
) WITHOUT ROWID;
CREATE INDEX contact_addresses_by_contact ON contact_addresses(contact_id);

CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    channel     TEXT NOT NULL,
    channel_ref TEXT,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    locale      TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    closed_at   INTEGER
);
-- At most one open conversation per contact and channel; new messages join it.
CREATE UNIQUE INDEX conversations_open ON conversations(contact_id, channel) WHERE status = 'open';

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    channel         TEXT NOT NULL,
    provider_id     TEXT,
    author          TEXT NOT NULL,
    body            TEXT NOT NULL,
    locale          TEXT,
    created_at      INTEGER NOT NULL
);
-- Deduplication of inbound messages on the provider's own id.
CREATE UNIQUE INDEX messages_inbound_dedup ON messages(channel, provider_id)
    WHERE direction = 'in' AND provider_id IS NOT NULL;
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);

-- Every step of a conversation's life, for the record and for replay.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER REFERENCES conversations(id),
    type            TEXT NOT NULL,
    data            TEXT NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL
);
CREATE INDEX events_by_conversation ON events(conversation_id, id);

-- Outbound messages waiting to be delivered, with retries and an idempotency key.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER REFERENCES conversations(id),
    message_id      INTEGER REFERENCES messages(id),
    channel         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
)sql",
    // 2: customer records (external key, products), routing state, automatic reply details.
    R"sql(
ALTER TABLE contacts ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX contacts_by_external_id ON contacts(external_id) WHERE external_id IS NOT NULL;
CREATE TABLE contact_products (
    id             INTEGER PRIMARY KEY,
    contact_id     INTEGER NOT NULL REFERENCES contacts(id),
    sku            TEXT NOT NULL,
    name           TEXT,
    serial         TEXT,
    purchased_on   TEXT,
    warranty_until TEXT
);
CREATE INDEX contact_products_by_contact ON contact_products(contact_id);

-- The routing engine's view of the conversation (JSON), restored at start-up.
ALTER TABLE conversations ADD COLUMN routing TEXT;
ALTER TABLE conversations ADD COLUMN category TEXT;
ALTER TABLE conversations ADD COLUMN priority INTEGER;
ALTER TABLE conversations ADD COLUMN queue TEXT;
ALTER TABLE conversations ADD COLUMN agent TEXT;
ALTER TABLE conversations ADD COLUMN rating INTEGER;
-- Inbound messages up to this id have been through the engine; later ones are replayed.
ALTER TABLE conversations ADD COLUMN routed_message_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_by_contact ON conversations(contact_id);

ALTER TABLE messages ADD COLUMN template_id TEXT;
ALTER TABLE messages ADD COLUMN subject TEXT;
ALTER TABLE messages ADD COLUMN html TEXT;
)sql",
    // 3: channel instances (several bots or numbers of one kind), delivery state, attachments,
    // edits, the outbox sender's columns, API keys.
    R"sql(
ALTER TABLE conversations ADD COLUMN channel_instance TEXT;
ALTER TABLE conversations ADD COLUMN reply_address TEXT;
ALTER TABLE conversations ADD COLUMN api_client TEXT;
ALTER TABLE conversations ADD COLUMN last_inbound_at INTEGER;
UPDATE conversations SET channel_instance = channel;
-- One open conversation per contact and instance: a reply leaves through the bot it came in on.
DROP INDEX conversations_open;
CREATE UNIQUE INDEX conversations_open ON conversations(contact_id, channel_instance)
    WHERE status = 'open';

ALTER TABLE messages ADD COLUMN channel_instance TEXT;
ALTER TABLE messages ADD COLUMN provider_ref TEXT;
ALTER TABLE messages ADD COLUMN attachments TEXT;
ALTER TABLE messages ADD COLUMN original_text TEXT;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN delivery TEXT;
ALTER TABLE messages ADD COLUMN delivery_reason TEXT;
ALTER TABLE messages ADD COLUMN delivery_at INTEGER;
UPDATE messages SET channel_instance = channel;
UPDATE messages SET delivery = coalesce((SELECT CASE o.status WHEN 'sent' THEN 'sent'
    WHEN 'failed' THEN 'failed' ELSE 'queued' END FROM outbox o WHERE o.message_id = messages.id),
    'sent') WHERE direction = 'out';
-- Provider ids are unique per instance (two bots both have an update 1).
DROP INDEX messages_inbound_dedup;
CREATE UNIQUE INDEX messages_inbound_dedup ON messages(channel_instance, provider_id)
    WHERE direction = 'in' AND provider_id IS NOT NULL;
-- Delivery reports and email replies find our outbound message by the provider's id (edits
-- find their original among the sender's conversations: no index of inbound references).
CREATE INDEX messages_by_provider_ref ON messages(channel_instance, provider_ref)
    WHERE direction = 'out' AND provider_ref IS NOT NULL;

ALTER TABLE outbox ADD COLUMN channel_instance TEXT;
ALTER TABLE outbox ADD COLUMN provider_message_id TEXT;
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'message';
UPDATE outbox SET channel_instance = channel;
CREATE INDEX outbox_claim ON outbox(channel_instance, status, next_attempt_at);
CREATE INDEX outbox_by_conversation ON outbox(conversation_id, id);

-- Provider ids of requests that are not messages (edits, subscribe events), so that a
-- provider's retry is answered and not applied twice.
CREATE TABLE inbound_receipts (
    channel_instance TEXT NOT NULL,
    provider_id      TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (channel_instance, provider_id)
) WITHOUT ROWID;

-- API clients' keys: only a hash of each; `ccd api-key create` prints the key once.
CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    key_id     TEXT NOT NULL UNIQUE,
    client     TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
)sql",
    // 4: a provider's id (an API client's external_id) names a message of one sender: two
    // senders, two clients' customers in particular, may use the same id (issue 15, defect 10).
    R"sql(
ALTER TABLE messages ADD COLUMN sender TEXT;
-- The sender of a message stored before: the contact's address on the message's channel (one
-- per contact and channel but for contacts the CRM linked to several; any of them will do for
-- recognizing a retry).
UPDATE messages SET sender = (SELECT min(a.address) FROM conversations c
    JOIN contact_addresses a ON a.contact_id = c.contact_id AND a.channel = messages.channel
    WHERE c.id = messages.conversation_id) WHERE direction = 'in';
DROP INDEX messages_inbound_dedup;
-- The provider's id before the sender: ids that grow (Telegram's update_id, most clients'
-- external_id) are added at the end of the index, not at a random sender's place (that cost a
-- quarter of the API's intake rate on disk); email threading looks a customer's Message-ID up
-- by instance and id alone.
CREATE UNIQUE INDEX messages_inbound_dedup ON messages(channel_instance, provider_id, sender)
    WHERE direction = 'in' AND provider_id IS NOT NULL;
)sql",
    // 5: email — a customer's mail keeps the ids it answers (threading), what of it is
    // classified (without quoted history) and whether a machine sent it (no automatic reply,
    // also when it is routed again after a crash); a channel instance's own durable state (an
    // IMAP mailbox's UIDVALIDITY and last UID), written in the commit that stores the messages
    // it covers.
    R"sql(
ALTER TABLE messages ADD COLUMN thread_refs TEXT;
ALTER TABLE messages ADD COLUMN classify_text TEXT;
ALTER TABLE messages ADD COLUMN auto_submitted INTEGER NOT NULL DEFAULT 0;
CREATE TABLE channel_state (
    channel_instance TEXT NOT NULL,
    key              TEXT NOT NULL,
    value            TEXT NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (channel_instance, key)
) WITHOUT ROWID;
)sql",
    // 6: the bytes of attachments that ccd keeps (email's: the mailbox is not a file store),
    // one row per attachment, written in the commit of their message; apart from `messages`
    // so that reading conversations never pages through them.
    R"sql(
CREATE TABLE attachment_content (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    position   INTEGER NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (message_id, position)
);
)sql",
    // 7: privacy (docs/security.md, "Privacy") — the audit log, append-only: an UPDATE always
    // fails and a DELETE only below the cut-off the audit log's own retention sets in
    // audit_purge (and resets) in the same transaction; contacts erased and messages whose text
    // was removed (erasure or retention) are marked, so that neither is done twice.
    R"sql(
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_kind TEXT,
    object_id   TEXT,
    detail      TEXT NOT NULL DEFAULT '{}',
    remote      TEXT,
    outcome     TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log(at);
CREATE INDEX audit_log_by_actor ON audit_log(actor, id);
CREATE INDEX audit_log_by_action ON audit_log(action, id);
CREATE INDEX audit_log_by_object ON audit_log(object_kind, object_id, id);
CREATE TABLE audit_purge (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    before INTEGER NOT NULL
);
INSERT INTO audit_purge (id, before) VALUES (1, 0);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_retention_only BEFORE DELETE ON audit_log
    WHEN old.at >= (SELECT before FROM audit_purge WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'audit entries are removed by their retention only');
END;
ALTER TABLE contacts ADD COLUMN erased_at INTEGER;
ALTER TABLE messages ADD COLUMN redacted_at INTEGER;
)sql",
    // 8: reports (daemon/reports, docs/kpis.md) find the conversations opened in a range.
    R"sql(
CREATE INDEX conversations_by_created ON conversations(created_at);
)sql",
    // 9: a conversation that continues by email (a web chat customer who left an address):
    // the email instance and the address its replies go to.
    R"sql(
ALTER TABLE conversations ADD COLUMN continue_via TEXT;
ALTER TABLE conversations ADD COLUMN continue_to TEXT;
)sql",
    // 10: service cases (docs/cases.md): the daemon's document of each case, with the columns
    // it is found by; the conversations each case spans.
    R"sql(
CREATE TABLE cases (
    id             INTEGER PRIMARY KEY,
    contact_id     INTEGER NOT NULL REFERENCES contacts(id),
    type           TEXT NOT NULL,
    stage          TEXT NOT NULL,
    owner          TEXT,
    closed         INTEGER NOT NULL DEFAULT 0,
    product_sku    TEXT,
    product_serial TEXT,
    next_wakeup    INTEGER,
    body           TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    opened_at      INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX cases_by_contact ON cases(contact_id, id);
CREATE INDEX cases_by_owner ON cases(owner, id) WHERE closed = 0;
CREATE INDEX cases_by_wakeup ON cases(next_wakeup) WHERE next_wakeup IS NOT NULL;
CREATE TABLE case_conversations (
    conversation_id INTEGER NOT NULL,
    case_id         INTEGER NOT NULL REFERENCES cases(id),
    PRIMARY KEY (conversation_id, case_id)
) WITHOUT ROWID;
CREATE INDEX case_conversations_by_case ON case_conversations(case_id);
)sql",
    // 11: the classifier's subtype of the category (a `leak` of a `fault`), beside it; NULL in
    // conversations routed before, as for a conversation with no subtype.
    R"sql(
ALTER TABLE conversations ADD COLUMN subtype TEXT;
)sql",
    // 12: the agent_time report's occupancy (daemon/reports) finds the events that start or
    // end an agent's hold on a conversation by time (the same terms as its queries, so that
    // SQLite uses this partial index); the cases reports find the cases opened in a range.
    R"sql(
CREATE INDEX events_holds ON events(created_at, conversation_id)
    WHERE type IN ('assigned', 'resolved', 'closed', 'queued', 'transfer');
CREATE INDEX cases_by_opened ON cases(opened_at);
)sql",
    // 13: which node claimed an outbox row, and when by its clock: the PostgreSQL store's nodes
    // (daemon/store/postgres/pg_node.hpp). This store is one node and leaves them NULL.
    R"sql(
ALTER TABLE outbox ADD COLUMN claimed_by INTEGER;
ALTER TABLE outbox ADD COLUMN claimed_at INTEGER;
)sql",
    // 14: agents' sign-in sessions (daemon/console/auth.hpp), so that a console token outlives
    // the process that issued it: by the SHA-256 of the token, never the token. `credential` is
    // a short hash of the account's password hash at login (a password changed while ccd was
    // stopped ends the session); enrolment_only is a 0/1 flag.
    R"sql(
CREATE TABLE console_sessions (
    token_hash     TEXT NOT NULL,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    token_id       TEXT NOT NULL,
    credential     TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    enrolment_only INTEGER NOT NULL DEFAULT 0 CHECK (enrolment_only IN (0, 1)),
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (token_hash)
) WITHOUT ROWID;
CREATE INDEX console_sessions_by_expiry ON console_sessions(expires_at);
)sql",
    // 15: PostgreSQL's fence for the leader's writes (ccd_fence); one process owns a SQLite
    // file, so nothing here: the number keeps both stores' versions alike.
    "SELECT 1;",
    // 16: no IN list in what every write evaluates. SQLite tests `x IN (a, b, c, ...)` of more
    // than two constants against a temporary B-tree it builds anew each time the statement
    // runs: one for every event inserted (events_holds' condition) and every outbox row
    // inserted or updated (the status CHECK), a sixth of the store writer's time. The same
    // conditions as ORs of equalities; the agent_time report's queries spell them alike, so
    // that SQLite still proves they use the partial index. The outbox is rebuilt (SQLite cannot
    // alter a CHECK), its columns and rows as they were.
    R"sql(
DROP INDEX events_holds;
CREATE INDEX events_holds ON events(created_at, conversation_id)
    WHERE type = 'assigned' OR type = 'resolved' OR type = 'closed' OR type = 'queued'
       OR type = 'transfer';
CREATE TABLE outbox_rebuilt (
    id                  INTEGER PRIMARY KEY,
    conversation_id     INTEGER REFERENCES conversations(id),
    message_id          INTEGER REFERENCES messages(id),
    channel             TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL UNIQUE,
    payload             TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status = 'pending' OR status = 'sending' OR status = 'sent'
                               OR status = 'failed'),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    last_error          TEXT,
    created_at          INTEGER NOT NULL,
    sent_at             INTEGER,
    channel_instance    TEXT,
    provider_message_id TEXT,
    kind                TEXT NOT NULL DEFAULT 'message',
    claimed_by          INTEGER,
    claimed_at          INTEGER
);
INSERT INTO outbox_rebuilt (id, conversation_id, message_id, channel, idempotency_key, payload,
    status, attempts, next_attempt_at, last_error, created_at, sent_at, channel_instance,
    provider_message_id, kind, claimed_by, claimed_at)
  SELECT id, conversation_id, message_id, channel, idempotency_key, payload, status, attempts,
    next_attempt_at, last_error, created_at, sent_at, channel_instance, provider_message_id,
    kind, claimed_by, claimed_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_claim ON outbox(channel_instance, status, next_attempt_at);
CREATE INDEX outbox_by_conversation ON outbox(conversation_id, id);
)sql",
};

}  // namespace

int latestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

const char* migrationSql(int version) {
    if (version < 1 || version > latestSchemaVersion())
        throw std::out_of_range("no schema migration " + std::to_string(version));
    return kMigrations[static_cast<std::size_t>(version - 1)];
}

int schemaVersion(Connection& db) {
    return std::stoi(db.queryText("PRAGMA user_version").value_or("0"));
}

void migrate(Connection& db) {
    int current = schemaVersion(db);
    if (current > latestSchemaVersion()) {
        throw std::runtime_error("database schema version " + std::to_string(current) +
                                 " is newer than this ccd supports (" +
                                 std::to_string(latestSchemaVersion()) + "); upgrade ccd");
    }
    for (int v = current + 1; v <= latestSchemaVersion(); ++v) {
        db.exec("BEGIN IMMEDIATE");
        try {
            db.exec(kMigrations[static_cast<std::size_t>(v - 1)]);
            db.exec("PRAGMA user_version = " + std::to_string(v));
            db.exec("COMMIT");
        } catch (...) {
            db.exec("ROLLBACK");
            throw;
        }
    }
}

}  // namespace ccd::store::sqlite
