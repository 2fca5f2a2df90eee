#pragma once
// The durable store. Every inbound message is committed here before it is acknowledged.
// Implementations: sqlite/ (embedded default). A PostgreSQL one follows for several nodes.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "routing/model.hpp"

namespace ccd::store {

/// What ingesting one inbound message produced.
struct IngestResult {
    std::int64_t message_id = 0;
    std::int64_t conversation_id = 0;
    std::int64_t contact_id = 0;
    bool duplicate = false;         ///< (channel, provider_id) was stored before; ids are the original
    bool new_conversation = false;  ///< the message opened a conversation
};

/// A failure of the store, worded for logs and for a 503 reason.
struct StoreError {
    std::string message;
};

/// Either a value or a StoreError.
template <class T>
struct StoreResult {
    std::optional<T> value;
    std::optional<StoreError> error;

    static StoreResult ok(T v) { return {std::move(v), std::nullopt}; }
    static StoreResult fail(std::string message) { return {std::nullopt, StoreError{std::move(message)}}; }
    explicit operator bool() const { return value.has_value(); }
};

/// One stored message, as read back.
struct MessageRecord {
    std::int64_t id = 0;
    std::string direction;  ///< "in" (customer) or "out" (agent or automatic reply)
    std::string channel;
    std::optional<std::string> provider_id;
    std::string author;
    std::string text;
    std::optional<std::string> locale;
    std::int64_t created_at_ms = 0;
};

/// A contact as a conversation shows it.
struct ContactRecord {
    std::int64_t id = 0;
    std::optional<std::string> name;
    std::optional<std::string> email;
    std::optional<std::string> phone;
    std::string tier;
    std::optional<std::string> locale;
};

/// One conversation with its contact and every message, oldest first.
struct ConversationRecord {
    std::int64_t id = 0;
    std::string channel;
    std::optional<std::string> channel_ref;
    std::string status;  ///< "open" or "closed"
    std::optional<std::string> locale;
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;
    ContactRecord contact;
    std::vector<MessageRecord> messages;
};

/// Health of the store, for /healthz and /metrics.
struct StoreStatus {
    bool healthy = true;
    std::string driver;        ///< "sqlite"
    std::string location;      ///< file path or redacted DSN
    std::string last_error;    ///< empty when healthy
    std::size_t queue_depth = 0;
};

/// Thread safety: every method may be called from any thread. Callbacks run on a store thread
/// after the work is durable (or failed); they must be short and must not call back into the
/// store synchronously — post to your own executor instead.
class Store {
public:
    using IngestCallback = std::function<void(StoreResult<IngestResult>)>;
    using ConversationCallback = std::function<void(StoreResult<std::optional<ConversationRecord>>)>;

    virtual ~Store() = default;

    /// Stores an inbound message: deduplicated on (channel, provider_id), its contact found or
    /// created from (channel, from.id), joined to the contact's open conversation on that channel
    /// or a new one. `done` is called once the transaction is committed to disk.
    virtual void ingest(routing::InboundMessage message, IngestCallback done) = 0;

    /// Reads a conversation with its messages; nullopt when there is none with this id.
    virtual void getConversation(std::int64_t id, ConversationCallback done) = 0;

    /// Current health.
    virtual StoreStatus status() const = 0;

    /// Finishes queued work, commits and stops the store threads. Idempotent.
    virtual void close() = 0;
};

}  // namespace ccd::store
