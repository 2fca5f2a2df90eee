#pragma once
// The routing side of the SQLite store: the engine's decisions (routing state, automatic
// replies into messages + outbox, events, ratings, closing), the contact profile the rules
// read, and what a restart needs to rebuild the engine. Used only on the store's own threads.

#include <cstdint>
#include <utility>
#include <string>
#include <vector>

#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

/// Prepared statements on the writer connection. Methods run inside the writer's open
/// transaction and throw SqliteError on failure.
class RoutingWriter {
public:
    explicit RoutingWriter(Connection& db);

    /// Stores one RoutingUpdate; returns the ids of its outbound messages, in order.
    std::vector<std::int64_t> apply(const RoutingUpdate& update, std::int64_t now_ms);
    /// Stores an outbound message and its outbox entry; a repeated idempotency key returns the
    /// first message's id and stores nothing.
    std::int64_t appendOutbound(const OutboundMessage& message, std::int64_t now_ms);
    void appendEvent(const EventRecord& event, std::int64_t now_ms);
    /// Outbox entries queued for sending since the last call (to wake the sender after the
    /// commit); resets the count.
    std::size_t takeQueued() { return std::exchange(queued_, 0); }

private:
    Connection& db_;
    std::size_t queued_ = 0;
    Statement find_outbox_, conversation_channel_, insert_message_, insert_outbox_, insert_event_;
    Statement save_state_, routed_upto_, close_, rate_, continue_, link_address_;
};

/// Reads the contact as routing sees it: tier, locale, attributes, products and the agent who
/// last served them. Keeps its statements prepared: one per connection.
class ContactProfileReader {
public:
    explicit ContactProfileReader(Connection& db);
    routing::ContactProfile read(std::int64_t contact_id);

private:
    Statement contact_, products_, last_agent_, cases_;
};

/// Open conversations with a routing state, and inbound messages not yet routed.
RoutingRecovery readRoutingRecovery(Connection& db);

/// The routing state as stored in conversations.routing (JSON).
std::string snapshotToJson(const routing::ConversationSnapshot& snapshot);
/// The outbox payload of a reply: {author, dial, html, locale, subject, template_id, text, to}
/// (absent ones left out), the text nlohmann's dump() writes for it. `email`: the route of a
/// reply that leaves by email (its address is "to").
std::string outboxPayload(const OutboundMessage& m, const std::optional<EmailRoute>& email);
/// The inbound message `u` routes `conversation` up to (0: none), and whether `u` saves that
/// conversation's state: both stores write the first into the state's UPDATE when both change.
std::int64_t routedUptoIn(const RoutingUpdate& u, std::int64_t conversation);
bool savesStateOf(const RoutingUpdate& u, std::int64_t conversation);
/// Parses what snapshotToJson wrote; false when it is not such a document.
bool snapshotFromJson(const std::string& text, routing::ConversationSnapshot& out);

}  // namespace ccd::store::sqlite
