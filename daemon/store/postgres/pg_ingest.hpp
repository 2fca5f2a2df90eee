#pragma once
// The inbound side of the PostgreSQL store: a customer's message deduplicated per channel
// instance on (instance, sender, provider_id), its contact found or created from (channel,
// sender), joined to the open conversation of the instance (the one its thread references or
// ticket name, else the contact's) or opening one, its attachments, and the contact's routing
// profile read in the same transaction — the same rows, columns and IngestResult as the SQLite
// store's InboundWriter::ingest (sqlite_ingest.cpp). Part of PgStore. Used by one thread at a time, like the Connection it is given.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// What the last group commit cost, for tests and benchmarks.
struct GroupCommitStats {
    std::uint64_t round_trips = 0;  ///< waits for the server, BEGIN to COMMIT, replays included
    std::size_t waves = 0;          ///< see ingestGroup; 1 when no message depends on another
    std::size_t replays = 0;        ///< times the group was run again without a failed message
    std::size_t refused = 0;        ///< messages refused before any SQL (unstorable text)
    std::size_t retries = 0;        ///< times the group was run again after another node's insert
};

/// A joined conversation's update: its latest inbound time and the address replies go to.
struct ConversationTouch {
    std::int64_t conversation_id = 0;
    std::int64_t at = 0;  ///< Unix milliseconds
    std::string reply_to;
};

/// The UPDATE that writes `touch` (SQL, parameters). It locks the conversation's row until the
/// transaction ends.
std::pair<const char*, std::vector<Param>> touchStatement(const ConversationTouch& touch);

/// Writes inbound messages through a Connection. Statements are prepared by the connection, by
/// SQL text, on first use.
class InboundWriter {
  public:
    explicit InboundWriter(Connection& db) : db_(db) {}

    /// Stores one message inside the transaction open on the connection (two round trips:
    /// the reads, then the writes with the profile's reads). Throws PgError (the transaction
    /// is then rolled back; for a unique violation, another node's concurrent insert, the
    /// caller runs the transaction again) or std::invalid_argument for text PostgreSQL cannot
    /// store.
    ///
    /// With `deferred`, the joined conversation's update is appended there instead of written:
    /// the caller writes it (touchStatement) once it has locked every conversation its
    /// transaction updates, in the order of their ids. ingest() after ingest() in one
    /// transaction would otherwise lock them in the messages' order, and a node doing that
    /// while another node's group locks them in id order can deadlock with it.
    IngestResult ingest(const routing::InboundMessage& message,
                        std::vector<ConversationTouch>* deferred = nullptr);

    /// Group commit: stores `messages` in one transaction of its own (no transaction may be
    /// open) with one COMMIT, and returns one result per message, in order. Rows are written
    /// in the group's order: the same rows as ingest() one message after the other.
    ///
    /// Round trips: a message's writes depend on its reads (is it a repeat, its contact, its
    /// conversation), and within a message the ids a write needs are found on the server (by
    /// address, or currval of the row just inserted), so that every message's reads go in one
    /// pipeline and its writes in the next. Messages that must see an earlier one's writes
    /// (the same sender, a reply to its provider id) go in a later wave. A group costs waves + 1
    /// round trips: N new customers (one wave) take 2 whatever N — BEGIN and the N messages'
    /// reads; then their writes, their profiles' reads and COMMIT.
    ///
    /// A message whose data breaks a constraint fails alone: its result carries the error, the
    /// others are stored. Text PostgreSQL cannot store (NUL, invalid UTF-8) is refused before
    /// any SQL (unstorableText). Anything else aborts the transaction: it is rolled back and
    /// the group is run again without the message (ROLLBACK and the group's trips again) —
    /// not a SAVEPOINT per message, because each savepoint that writes takes a subtransaction
    /// id, and past 64 in one transaction the server's snapshots overflow its per-backend
    /// cache, which slows every session's reads while the transaction lasts.
    ///
    /// A unique violation means the message's reads missed a row: another node stored the
    /// same contact, conversation or message at the same time, or an earlier message of the
    /// group opened the conversation of the same contact through another address. The group
    /// is run again once with the message in a wave after the earlier ones, whose reads then
    /// find those rows (a repeat is then answered as a duplicate).
    ///
    /// Throws PgError when the failure is not one message's (connection lost, COMMIT failed):
    /// then nothing is stored.
    std::vector<StoreResult<IngestResult>> ingestGroup(
        const std::vector<routing::InboundMessage>& messages);

    const GroupCommitStats& lastGroup() const { return stats_; }

  private:
    Connection& db_;
    GroupCommitStats stats_;
};

/// Why PostgreSQL would refuse the message's text (a NUL byte, invalid UTF-8) naming the
/// field, or empty. SQLite stores such bytes; PostgreSQL's text cannot.
std::string unstorableText(const routing::InboundMessage& message);

}  // namespace ccd::store::postgres
