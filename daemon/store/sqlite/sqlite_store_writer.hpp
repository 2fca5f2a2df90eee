#pragma once
// SqliteStore's writer and reader connections and a write's result, shared by sqlite_store.cpp
// (the writer, reader and checkpoint threads) and the files that serve each subject
// (sqlite_store_conversations, sqlite_store_outbox, sqlite_store_contacts, sqlite_store_cases,
// sqlite_store_privacy). Included by SqliteStore's sources only.

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/store/sqlite/sqlite_conversations.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/sqlite/sqlite_ingest.hpp"
#include "daemon/store/sqlite/sqlite_outbox.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::store::sqlite {

struct SqliteStore::PendingWrite {
    std::function<void(Writer&)> apply;
    std::function<void(const std::string& error)> complete;
    std::string error;  ///< empty: written
};

/// The writer connection with its prepared statements. Used only on the writer thread.
class SqliteStore::Writer {
public:
    explicit Writer(std::unique_ptr<Connection> db)
        : db_(std::move(db)),
          begin_(db_->handle(), "BEGIN IMMEDIATE"),
          commit_(db_->handle(), "COMMIT"),
          inbound_(*db_),
          routing_(*db_),
          outbox_(*db_),
          conversations_(*db_) {}

    Connection& db() { return *db_; }

    void begin() { begin_.run(); }
    void commit() { commit_.run(); }
    void rollback() noexcept;

    RoutingWriter& routing() { return routing_; }
    /// Reads inside the open write transaction (sees what this batch wrote so far).
    ConversationReader& conversations() { return conversations_; }

    /// Writes a batch in one transaction. If any write fails, the batch is rolled back and
    /// replayed one write per transaction, so that only the failing write fails. Returns an
    /// error when every write of the batch failed (the store itself is failing: disk full, I/O
    /// error), else empty.
    std::string writeBatch(std::deque<PendingWrite>& batch);

    InboundWriter& inbound() { return inbound_; }
    OutboxWriter& outbox() { return outbox_; }

private:
    std::unique_ptr<Connection> db_;
    Statement begin_, commit_;
    InboundWriter inbound_;
    RoutingWriter routing_;
    OutboxWriter outbox_;
    ConversationReader conversations_;
};

/// The read connection. Used only on the reader thread.
class SqliteStore::Reader {
public:
    explicit Reader(std::unique_ptr<Connection> db) : db_(std::move(db)), conversations_(*db_) {}

    Connection& db() { return *db_; }

    /// The conversation and its messages, read in one snapshot.
    std::optional<ConversationRecord> conversation(std::int64_t id);

private:
    std::unique_ptr<Connection> db_;
    ConversationReader conversations_;
};

/// What a write's `complete` reports: the value its `apply` set, or why it was not stored.
template <class T>
StoreResult<T> finish(std::optional<T>& value, const std::string& error) {
    if (!error.empty() || !value) return StoreResult<T>::fail(error.empty() ? "not stored" : error);
    return StoreResult<T>::ok(std::move(*value));
}

}  // namespace ccd::store::sqlite
