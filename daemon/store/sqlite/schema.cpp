#include "daemon/store/sqlite/schema.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace ccd::store::sqlite {
namespace {

// Append only: a released migration is never edited. Times are Unix milliseconds (UTC).
constexpr std::array<const char*, 2> kMigrations{
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
};

}  // namespace

int latestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

void migrate(Connection& db) {
    int current = std::stoi(db.queryText("PRAGMA user_version").value_or("0"));
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
