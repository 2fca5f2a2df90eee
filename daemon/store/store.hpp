#pragma once
// The durable store. Every inbound message is committed here before it is acknowledged.
// Implementations: sqlite/ (the embedded default) and postgres/ (several nodes on one database).
// The records it writes and reads are in records.hpp.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "channels/channel.hpp"
#include "daemon/store/contact_history.hpp"
#include "daemon/store/records.hpp"
#include "routing/contact.hpp"
#include "routing/engine_types.hpp"
#include "routing/model.hpp"

namespace ccd::store {

/// What ingesting one inbound message produced.
struct IngestResult {
    std::int64_t message_id = 0;
    std::int64_t conversation_id = 0;
    std::int64_t contact_id = 0;
    /// (channel instance, sender, provider_id) was stored before; ids are the original's.
    bool duplicate = false;
    /// A duplicate whose text or attachments differ from the stored message: the id was
    /// reused for another message, which is not stored (the API answers 409).
    bool conflict = false;
    bool new_conversation = false;  ///< the message opened a conversation
    /// The contact as routing sees it (tier, locale, attributes, products, last agent), read
    /// in the same transaction. Empty for a duplicate.
    routing::ContactProfile contact;
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

/// A contact as maintained by PUT /v1/contacts/{key} and the CSV import: `key` is the caller's
/// own id (a CRM customer number). Addresses link the person's channel ids to this contact
/// (an address already linked to another contact moves here). Fields left empty are kept as
/// they are; `products`, when set, replaces the contact's product list.
struct ContactUpdate {
    std::string key;
    std::optional<std::string> name;
    std::optional<std::string> email;
    std::optional<std::string> phone;  ///< E.164
    std::optional<std::string> tier;
    std::optional<std::string> locale;
    std::optional<std::map<std::string, std::string>> attributes;  ///< replaces when set
    std::vector<std::pair<std::string, std::string>> addresses;    ///< (channel, address)
    std::optional<std::vector<routing::Product>> products;
};

/// A contact read back, with its addresses and products.
struct ContactDetails {
    std::int64_t id = 0;
    std::optional<std::string> key;
    routing::ContactProfile profile;  ///< tier, locale, attributes, products, name
    std::optional<std::string> email;
    std::optional<std::string> phone;
    std::vector<std::pair<std::string, std::string>> addresses;
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;
};

/// What putContact did.
struct ContactPutResult {
    std::int64_t id = 0;
    bool created = false;
};

/// Everything one provider request carried, stored in one transaction (Store::ingestBatch).
struct InboundBatch {
    std::string channel_instance;  ///< for the edits, reports and contact events
    std::vector<routing::InboundMessage> messages;
    std::vector<channels::InboundEdit> edits;
    std::vector<channels::DeliveryReport> reports;
    std::vector<channels::ContactEvent> contact_events;
    /// Attachments' bytes kept with their messages (not stored again for a repeat).
    std::vector<channels::AttachmentContent> attachment_contents;
    /// Steps of phone calls, recorded in each call's conversation after the batch's messages.
    std::vector<channels::CallEvent> calls;
    /// The instance's own state to save in the same commit (key, value): what a polling
    /// channel has taken so far (an IMAP mailbox's UIDVALIDITY and last UID), so that the
    /// messages and the mark of having taken them are durable together.
    std::vector<std::pair<std::string, std::string>> channel_state;
};

/// An outbound message whose delivery state changed (stored), for the engine and the console.
struct DeliveryChange {
    std::int64_t conversation_id = 0;
    std::int64_t message_id = 0;
    routing::DeliveryState state = routing::DeliveryState::Sent;
    std::string reason;
    std::string author;
};

/// One attachment of a stored message, with its bytes when ccd keeps them.
struct AttachmentFile {
    routing::Attachment attachment;
    /// The content; nullopt when ccd does not keep it (a provider's file, too large, or
    /// removed since by retention or erasure).
    std::optional<std::string> bytes;
    std::string sha256;  ///< hex, with the bytes
};

/// What ingestBatch stored.
struct BatchIngested {
    std::vector<IngestResult> messages;      ///< in the order of InboundBatch::messages
    std::vector<DeliveryChange> deliveries;  ///< reports that moved a message forward
    std::size_t edits_applied = 0;           ///< edits of messages we have (repeats excluded)
    std::size_t events_stored = 0;           ///< contact events (repeats excluded)
    /// One per InboundBatch::calls, in order: the call's conversation (none for a call ccd
    /// never saw open) and whether the step was stored before.
    struct CallStored {
        std::optional<std::int64_t> conversation_id;
        bool duplicate = false;
    };
    std::vector<CallStored> calls;
};

/// One outbound message taken from the outbox to be sent now (marked `sending` and its attempt
/// counted in the same commit: after a crash it is known to have been in flight).
struct OutboxItem {
    std::int64_t outbox_id = 0;
    std::int64_t message_id = 0;
    std::int64_t conversation_id = 0;
    std::string channel_instance;
    std::string text;
    std::optional<std::string> subject;
    std::optional<std::string> html;
    std::optional<std::string> template_id;
    std::optional<std::string> locale;
    std::string author;
    std::string to;  ///< the customer's address on the channel
    std::optional<std::int64_t> last_inbound_at_ms;
    std::string idempotency_key;
    int attempt = 1;  ///< this try's number
    bool window_template = false;
    std::int64_t created_at_ms = 0;
    /// The customer's latest message on this instance that has a provider id: that id, the
    /// ids it answered (oldest first) and its subject (email threading: In-Reply-To,
    /// References, "Re:"); with none (a conversation carried on by email), our latest message
    /// sent on the instance: its provider id and subject.
    std::optional<std::string> customer_message_id;
    std::vector<std::string> customer_refs;
    std::optional<std::string> customer_subject;
    std::optional<channels::DialRequest> dial;  ///< outbox kind `dial`: a call to place
};

/// What claimOutbox found.
struct OutboxClaim {
    std::vector<OutboxItem> items;
    /// When the instance's next pending message becomes due, if one is waiting for later.
    std::optional<std::int64_t> next_due_ms;
};

/// How one send ended, for completeOutbox.
struct OutboxResult {
    enum class Kind { Sent, Retry, Failed };
    std::int64_t outbox_id = 0;
    Kind kind = Kind::Sent;
    std::string provider_message_id;
    std::int64_t next_attempt_ms = 0;  ///< Retry
    std::string reason;                ///< Retry, Failed
};

/// Pending work of one instance, for /metrics.
struct OutboxCounts {
    std::size_t pending = 0;  ///< waiting for their (next) try
    std::size_t sending = 0;  ///< taken by the sender
    std::size_t failed = 0;
};

/// Where a conversation's messages go (typing indicators).
struct DeliveryTarget {
    std::string channel_instance;
    std::string to;
};

/// An API client's key as stored: only a hash of the secret.
struct ApiKeyRecord {
    std::string key_id;  ///< the public part of the key, shown in lists
    std::string client;
    std::string key_hash;  ///< hex SHA-256 of the whole key
    std::int64_t created_at_ms = 0;
    std::optional<std::int64_t> revoked_at_ms;
};

/// Health of the store, for /healthz and /metrics.
struct StoreStatus {
    bool healthy = true;
    std::string driver;        ///< "sqlite"
    std::string location;      ///< file path or redacted DSN
    std::string last_error;    ///< empty when healthy
    std::size_t queue_depth = 0;
};

/// One entry of the audit log: who did what to which object, when, from where, and how it
/// ended. `detail_json` is a small JSON object without message text or secrets.
struct AuditRecord {
    std::int64_t id = 0;         ///< assigned by the store (read back)
    std::int64_t at_ms = 0;      ///< when the action happened
    std::string actor_kind;      ///< "account", "api_key", "cli", "system"
    std::string actor;           ///< the account name, API key id, OS user or "ccd"
    std::string action;          ///< "contact.erase", "conversation.read", "auth.login", ...
    std::string object_kind;     ///< "contact", "conversation", "account", "config", ...; may be empty
    std::string object_id;       ///< may be empty
    std::string detail_json = "{}";
    std::string remote;          ///< the client's address (a websocket's peer); empty for the CLI
    std::string outcome = "ok";  ///< "ok", "denied", "not_found", "failed", "invalid"
};

/// A page of the audit log, newest first. Every filter is optional; `before_id` is the cursor
/// (entries with a smaller id).
struct AuditQuery {
    std::optional<std::string> actor;
    std::optional<std::string> action;       ///< exact, or a prefix ending in '.' ("contact.")
    std::optional<std::string> object_kind;
    std::optional<std::string> object_id;
    std::optional<std::int64_t> since_ms;    ///< at >= since
    std::optional<std::int64_t> until_ms;    ///< at < until
    std::optional<std::int64_t> before_id;
    std::size_t limit = 100;
};

/// What queryAudit found: `next_before_id` is set when there may be more (older) entries.
struct AuditPage {
    std::vector<AuditRecord> entries;
    std::optional<std::int64_t> next_before_id;
};

/// What removing a customer's personal data touched (erasure and the contacts retention).
struct ErasureCounts {
    std::size_t contacts = 0;       ///< contact records cleared
    std::size_t addresses = 0;      ///< channel addresses removed
    std::size_t products = 0;       ///< product records removed
    std::size_t conversations = 0;  ///< conversations kept as skeletons
    std::size_t messages = 0;       ///< message texts replaced by the marker
    std::size_t attachments = 0;    ///< attachments removed
    std::size_t outbox = 0;         ///< outbox payloads scrubbed
    std::size_t events = 0;         ///< events whose free text was removed
};

/// What eraseContact did; nullopt from the store when no contact has the key.
struct ErasureResult {
    std::int64_t contact_id = 0;
    bool already_erased = false;  ///< erased before: nothing personal was left
    ErasureCounts counts;
};

/// Everything held about one contact (GET /v1/contacts/{key}/export).
struct ContactExport {
    ContactDetails contact;
    std::optional<std::int64_t> erased_at_ms;
    std::vector<ConversationRecord> conversations;  ///< with messages, oldest first
    std::vector<EventRecord> events;                ///< of those conversations and the contact
    /// The outbox entries of those conversations: (id, status, payload JSON, created_at).
    struct OutboxEntry {
        std::int64_t id = 0;
        std::int64_t conversation_id = 0;
        std::optional<std::int64_t> message_id;
        std::string channel_instance;
        std::string status;
        std::string payload_json;
        std::int64_t created_at_ms = 0;
    };
    std::vector<OutboxEntry> outbox;
};

/// How long each kind of data is kept; nullopt: for ever. Times are cut-offs in Unix ms:
/// what is older is removed (texts and attachments of closed conversations only).
struct RetentionCutoffs {
    std::optional<std::int64_t> message_text;
    std::optional<std::int64_t> attachments;
    std::optional<std::int64_t> recordings;
};

/// One run of the retention job (Store::runRetention).
struct RetentionRequest {
    std::int64_t now_ms = 0;
    RetentionCutoffs defaults;
    /// Per channel instance; a kind an instance leaves unset follows `defaults`.
    std::map<std::string, RetentionCutoffs> channels;
    std::optional<std::int64_t> contacts;  ///< contacts without activity since, none open
    std::optional<std::int64_t> audit;     ///< audit entries older than this
    std::size_t batch = 500;  ///< rows looked at per commit: intake waits at most one batch
    bool dry_run = false;     ///< count only
};

/// What a retention run removed (or, dry, would remove).
struct RetentionReport {
    std::size_t message_texts = 0;
    std::size_t attachments = 0;
    std::size_t recordings = 0;
    std::size_t outbox = 0;
    std::size_t contacts = 0;
    std::size_t audit = 0;
    std::size_t commits = 0;  ///< batches written
};

/// Thread safety: every method may be called from any thread. Callbacks run on a store thread
/// after the work is durable (or failed), with no lock of the store held; they must be short
/// and must not wait for the store — post to your own executor instead. Queuing more work
/// whose result they do not wait for (an audit entry) is fine: no method blocks.
class Store {
public:
    using IngestCallback = std::function<void(StoreResult<IngestResult>)>;
    using ConversationCallback = std::function<void(StoreResult<std::optional<ConversationRecord>>)>;

    virtual ~Store() = default;

    /// Stores an inbound message: deduplicated on (channel, provider_id), its contact found or
    /// created from (channel, from.id), joined to an open conversation of the instance — the one
    /// a `thread_refs` id belongs to (our Message-ID or an earlier message's), else the one its
    /// `ticket` names when the sender is its contact, else the contact's — or a new one. `done` is called once the transaction is committed to disk.
    virtual void ingest(routing::InboundMessage message, IngestCallback done) = 0;

    /// Stores everything of one provider request in one transaction: each message as
    /// ingest() does, edits on the messages they change, delivery reports on our messages,
    /// contact events; repeats of provider ids are answered and not applied twice.
    virtual void ingestBatch(InboundBatch batch,
                             std::function<void(StoreResult<BatchIngested>)> done) = 0;

    /// Stores an outbound message and its outbox entry; `done` gets the message id (the first
    /// one for a repeated idempotency key) once committed.
    virtual void appendOutbound(OutboundMessage message,
                                std::function<void(StoreResult<std::int64_t>)> done) = 0;

    /// Appends events (one commit); `done` may be null.
    virtual void appendEvents(std::vector<EventRecord> events,
                              std::function<void(StoreResult<bool>)> done) = 0;

    /// Creates or updates the contact with `update.key`, in one commit.
    virtual void putContact(ContactUpdate update,
                            std::function<void(StoreResult<ContactPutResult>)> done) = 0;

    /// Creates or updates many contacts in one transaction (CSV import): all or nothing.
    virtual void putContacts(std::vector<ContactUpdate> updates,
                             std::function<void(StoreResult<std::size_t>)> done) = 0;

    /// Reads a contact by its key; nullopt when there is none.
    virtual void getContact(std::string key,
                            std::function<void(StoreResult<std::optional<ContactDetails>>)> done) = 0;

    /// A contact's archive: its newest conversations on every channel, products and counts;
    /// nullopt when there is no such contact.
    virtual void getContactHistory(
        ContactHistoryQuery query,
        std::function<void(StoreResult<std::optional<ContactHistory>>)> done) = 0;

    /// Stores what the engine decided for one event, in one commit: routing state, automatic
    /// replies (messages + outbox), events, ratings, closed conversations. `done` gets the ids
    /// of the outbound messages and the conversations asked for in `read_back`.
    virtual void applyRouting(RoutingUpdate update,
                              std::function<void(StoreResult<RoutingApplied>)> done) = 0;

    /// Reads what the engine needs after a restart: every open conversation's routing state and
    /// the inbound messages stored but not yet routed (a crash between the two commits).
    virtual void loadRouting(std::function<void(StoreResult<RoutingRecovery>)> done) = 0;

    /// Reads a conversation with its messages; nullopt when there is none with this id.
    virtual void getConversation(std::int64_t id, ConversationCallback done) = 0;

    /// Reads the `position`-th attachment (from 1) of message `message_id` in conversation
    /// `conversation_id`; nullopt when there is no such message or attachment.
    virtual void getAttachment(
        std::int64_t conversation_id, std::int64_t message_id, std::size_t position,
        std::function<void(StoreResult<std::optional<AttachmentFile>>)> done) = 0;

    // ---- The outbox (daemon/outbox/) ----------------------------------------------------

    /// Called after every commit that queued outbound messages, on a store thread; keep it
    /// short (post elsewhere). Set before any write.
    virtual void setOutboxListener(std::function<void()> listener) = 0;

    /// Takes up to `limit` of the instance's due messages (oldest first, one per conversation
    /// at a time, in order) and marks them `sending`, in one commit.
    virtual void claimOutbox(std::string channel_instance, std::size_t limit,
                             std::int64_t now_ms,
                             std::function<void(StoreResult<OutboxClaim>)> done) = 0;

    /// Records how sends ended, in one commit: sent and failed messages get their delivery
    /// state, retries go back to `pending` until `next_attempt_ms`. `done` gets the delivery
    /// changes (sent, failed) for the engine.
    virtual void completeOutbox(std::vector<OutboxResult> results,
                                std::function<void(StoreResult<std::vector<DeliveryChange>>)>
                                    done) = 0;

    /// At start: messages left `sending` by a crash go back to `pending` (they may have reached
    /// the provider: a possible duplicate each). `done` gets how many.
    virtual void resumeOutbox(std::function<void(StoreResult<std::size_t>)> done) = 0;

    /// Pending, sending and failed outbound messages per channel instance.
    virtual void outboxCounts(
        std::function<void(StoreResult<std::map<std::string, OutboxCounts>>)> done) = 0;

    /// The conversation's channel instance and the customer's address on it.
    virtual void deliveryTarget(std::int64_t conversation_id,
                                std::function<void(StoreResult<std::optional<DeliveryTarget>>)>
                                    done) = 0;

    /// A channel instance's saved state (InboundBatch::channel_state), key to value; empty when
    /// nothing was saved.
    virtual void readChannelState(
        std::string channel_instance,
        std::function<void(StoreResult<std::map<std::string, std::string>>)> done) = 0;

    /// Every API key (revoked ones included).
    virtual void loadApiKeys(std::function<void(StoreResult<std::vector<ApiKeyRecord>>)> done) = 0;

    // ---- Privacy (docs/security.md, "Privacy") -------------------------------------------

    /// Appends audit entries, grouped into the next commit; `done` may be null.
    virtual void appendAudit(std::vector<AuditRecord> entries,
                             std::function<void(StoreResult<bool>)> done) = 0;

    /// A page of the audit log, newest first.
    virtual void queryAudit(AuditQuery query, std::function<void(StoreResult<AuditPage>)> done) = 0;

    /// Removes the personal data of the contact with this key (docs/security.md), records
    /// `audit` in the same commit, and keeps the conversations' skeleton for reports.
    /// Idempotent; nullopt when no contact has the key (nothing is recorded then).
    virtual void eraseContact(std::string key, AuditRecord audit,
                              std::function<void(StoreResult<std::optional<ErasureResult>>)>
                                  done) = 0;

    /// Everything held about the contact with this key; nullopt when there is none.
    virtual void exportContact(
        std::string key, std::function<void(StoreResult<std::optional<ContactExport>>)> done) = 0;

    /// Removes what is past its retention, one batch per commit (other writes go between
    /// batches); with `dry_run`, counts only.
    virtual void runRetention(RetentionRequest request,
                              std::function<void(StoreResult<RetentionReport>)> done) = 0;

    /// Current health.
    virtual StoreStatus status() const = 0;

    /// Finishes queued work, commits and stops the store threads. Idempotent.
    virtual void close() = 0;
};

}  // namespace ccd::store
