#pragma once
// The records the store writes and reads back: messages, contacts, events, conversations, the
// automatic replies, and the engine's decisions (RoutingUpdate) with what a restart restores
// (RoutingRecovery). Included by store.hpp; plain data.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "channels/channel.hpp"
#include "daemon/store/contact_history.hpp"
#include "routing/contact.hpp"
#include "routing/engine_types.hpp"
#include "routing/model.hpp"

namespace ccd::store {

/// One stored message, as read back.
struct MessageRecord {
    std::int64_t id = 0;
    std::string direction;  ///< "in" (customer) or "out" (agent or automatic reply)
    std::string channel;
    std::string channel_instance;
    std::optional<std::string> provider_id;
    std::string author;
    std::string text;
    std::optional<std::string> locale;
    std::int64_t created_at_ms = 0;
    std::optional<std::string> template_id;  ///< automatic replies and canned responses
    std::optional<std::string> subject;      ///< email
    std::vector<routing::Attachment> attachments;
    /// An edited inbound message: its first text and when it was last changed.
    std::optional<std::string> original_text;
    std::optional<std::int64_t> edited_at_ms;
    /// Outbound messages: "queued", "sent", "delivered", "read" or "failed", with the reason.
    std::optional<std::string> delivery;
    std::optional<std::string> delivery_reason;
    std::optional<std::int64_t> delivery_at_ms;
    /// The provider's id of the message (a wamid, "chat:message_id"), when it gave one.
    std::optional<std::string> provider_ref;
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

/// One step of a conversation's life for the record (events table): routing decisions, offers,
/// assignments, notes, transfers, SLA alerts, ratings.
struct EventRecord {
    std::int64_t conversation_id = 0;
    std::string type;  ///< "routed", "offer", "assigned", "note", "sla.breach", ...
    std::string data_json = "{}";
    std::int64_t created_at_ms = 0;
};

/// One conversation with its contact and every message, oldest first.
struct ConversationRecord {
    std::int64_t id = 0;
    std::string channel;
    std::string channel_instance;
    std::optional<std::string> channel_ref;
    std::optional<std::string> api_client;  ///< the API client whose message opened it
    /// The email instance its replies go through (a web chat customer who left an address).
    std::optional<std::string> continues_via;
    std::string status;  ///< "open" or "closed"
    std::optional<std::string> locale;
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;
    ContactRecord contact;
    std::vector<MessageRecord> messages;
    /// The routing engine's last saved view (category, priority, queue, SLA clocks, stage).
    std::optional<routing::ConversationSnapshot> routing;
    std::optional<int> rating;  ///< the satisfaction survey's answer, 1..5
    /// Channel voice: the steps of its calls ("call.ringing", "call.answered", ...), oldest
    /// first.
    std::vector<EventRecord> call_events;
    /// The contact's archive without this conversation: read back with an offer
    /// (applyRouting's `read_back`); getConversation leaves it empty.
    std::optional<ContactHistory> customer_history;
};

/// An email address reached through an email channel instance: where a conversation of another
/// channel continues (a web chat customer who left an address), or where one message goes.
struct EmailRoute {
    std::string instance;  ///< a `type: email` channel instance
    std::string address;   ///< the customer's address, lower case
};

/// A message from us to the customer: an agent's reply or an automatic one. Stored as an
/// outbound message and queued in the outbox, in one commit: through `email` when set, else
/// through the conversation's email continuation when it has one, else through its channel.
struct OutboundMessage {
    std::int64_t conversation_id = 0;
    std::string author;  ///< "agent:alice", "auto"
    std::string text;
    std::optional<std::string> subject;      ///< email
    std::optional<std::string> html;         ///< email
    std::optional<std::string> template_id;  ///< automatic replies and canned responses
    std::optional<std::string> locale;
    /// Unique per logical send (retries of the same send reuse it): "auto:<conv>:<msg>:<tpl>",
    /// "agent:<name>:<client seq>". A repeat stores nothing and answers the first message id.
    std::string idempotency_key;
    /// Send the channel's approved template message (outside a customer-service window).
    bool window_template = false;
    /// This message only goes by email to this address (a chat transcript).
    std::optional<EmailRoute> email;
    /// A call for the phone system to place (outbox kind `dial`); `text` says it for the record.
    std::optional<channels::DialRequest> dial;
};


/// The engine's decisions for one event, stored in one commit (Store::applyRouting).
struct RoutingUpdate {
    std::vector<routing::ConversationSnapshot> conversations;  ///< routing state to save
    /// (conversation, message id): inbound messages up to this id are routed.
    std::vector<std::pair<std::int64_t, std::int64_t>> routed_upto;
    std::vector<std::int64_t> closed;                  ///< conversations to close
    std::vector<std::pair<std::int64_t, int>> ratings; ///< (conversation, 1..5)
    /// (conversation, route): from this commit on, the conversation's replies go by email to the
    /// route (nullopt: through its own channel again). Applied before `outbound`. The address is
    /// linked to the conversation's contact unless another contact has it.
    std::vector<std::pair<std::int64_t, std::optional<EmailRoute>>> email_continuations;
    std::vector<OutboundMessage> outbound;             ///< automatic replies
    std::vector<EventRecord> events;
    /// Conversations to read back in the same transaction, with this update applied (an
    /// offer's history: no second trip to the store before the offer goes out).
    std::vector<std::int64_t> read_back;
};

/// What Store::applyRouting stored.
struct RoutingApplied {
    std::vector<std::int64_t> outbound_ids;         ///< ids of `outbound`, in order
    std::vector<ConversationRecord> conversations;  ///< `read_back` (those that exist)
};

/// An inbound message stored but not routed yet, with what routing needs.
struct UnroutedMessage {
    std::int64_t message_id = 0;
    std::int64_t conversation_id = 0;
    bool new_conversation = false;
    routing::InboundMessage message;
    routing::ContactProfile contact;
};

/// How long an agent held a resolved conversation: its last assignment to its resolution.
struct HandleTime {
    std::string queue;
    std::chrono::milliseconds duration{0};
};

/// What the engine needs after a restart.
struct RoutingRecovery {
    std::vector<routing::ConversationSnapshot> conversations;  ///< open ones with a state
    std::vector<UnroutedMessage> unrouted;                     ///< oldest first
    /// The latest handle times (up to 1,000), oldest first: the queues' wait estimates.
    std::vector<HandleTime> handle_times;
};

}  // namespace ccd::store
