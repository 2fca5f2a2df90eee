#pragma once
// The domain model shared by every layer: what a customer sent, on which channel, from whom.
// Pure data: no I/O, no clock of its own (times are passed in).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccd::routing {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

/// Unix milliseconds of `t`, as stored and sent in JSON.
inline std::int64_t unixMillis(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// The kinds of channel a request can arrive on. Several configured instances may share a kind
/// (two Telegram bots); InboundMessage::channel_instance names the instance.
enum class ChannelKind { Api, Email, Webchat, Telegram, WhatsApp, Voice, WeChat, Webhook };

/// Stable lower-case name used in storage, JSON and configuration ("api", "email", ...).
std::string_view toString(ChannelKind kind);
/// Inverse of toString; nullopt for an unknown name.
std::optional<ChannelKind> channelKindFromString(std::string_view name);

/// The customer as a channel identifies them. `id` is the channel's own address
/// (API caller's id, phone in E.164, email address, chat or messaging id).
struct Party {
    std::string id;
    std::optional<std::string> name;
    std::optional<std::string> email;
    std::optional<std::string> phone;
};

/// A file the customer sent: the provider's reference, and for a channel whose provider keeps
/// nothing to fetch later (email), its content stored by ccd beside the message (`stored`).
struct Attachment {
    std::string kind;  ///< "photo", "image", "document", "voice", "audio", "video", "sticker", ...
    std::string provider_file_id;             ///< what the provider's API fetches it by
    std::optional<std::string> mime_type;
    std::optional<std::string> file_name;
    std::optional<std::int64_t> size;         ///< bytes, when the provider says
    std::optional<std::string> caption;
    std::optional<std::string> url;           ///< a direct link, when the provider gives one
    bool stored = false;  ///< ccd keeps the content (GET .../attachments/{n}, n from 1)
};

/// One message from a customer, normalized by its channel adapter.
/// `provider_id` is the provider's own id of the message (Telegram update_id, WhatsApp wamid,
/// email Message-ID, API external_id): a repeat of (channel_instance, provider_id) is the same
/// message. It is empty when the provider gave none; such a message is never deduplicated.
struct InboundMessage {
    ChannelKind channel = ChannelKind::Api;
    /// The configured channel instance it came through ("api", "support-bot"); empty: the
    /// kind's name.
    std::string channel_instance;
    std::string provider_id;
    Party from;
    /// What the customer wrote; for a photo or file, its caption (classified like text), or
    /// empty.
    std::string text;
    std::optional<std::string> locale;
    std::optional<std::string> channel_ref;
    TimePoint received_at{};
    std::vector<Attachment> attachments;
    /// Where replies go when it is not `from.id` (a Telegram group's chat id).
    std::optional<std::string> reply_address;
    /// The provider's id of this message for later references (edits, quotes): Telegram
    /// "<chat>:<message_id>", WeChat MsgId. Empty when the provider id serves.
    std::optional<std::string> provider_ref;
    /// The API client that sent it (authenticated by its key); empty for other channels.
    std::string api_client;
    /// Email: the decoded subject (stored with the message, shown to the agent).
    std::optional<std::string> subject;
    /// Email: the ids this message answers (In-Reply-To, then References newest first), without
    /// <>. The store joins the message to the conversation of the first one it knows (one of
    /// our own Message-IDs, or an earlier message of the customer's).
    std::vector<std::string> thread_refs;
    /// Email: the conversation the subject's ticket tag ("[#1234]") names. Joined only when
    /// the sender is that conversation's contact (a guessed number opens nothing of another's).
    std::optional<std::int64_t> ticket;
    /// Sent by a machine (email Auto-Submitted, Precedence: bulk, an autoresponder): stored,
    /// never answered automatically.
    bool auto_submitted = false;
    /// What to classify when it is not `text`: an email's subject and new text, without the
    /// quoted history and signature (the whole text is stored).
    std::optional<std::string> classify_text;
    /// Problems met while reading it (broken MIME, charset fallbacks): stored with it.
    std::vector<std::string> warnings;

    /// channel_instance, or the kind's name when none is set.
    std::string_view instance() const;
    /// classify_text when set, else text.
    const std::string& textToClassify() const { return classify_text ? *classify_text : text; }
};

/// Where an outbound message stands with the provider.
enum class DeliveryState { Queued, Sent, Delivered, Read, Failed };

/// "queued", "sent", "delivered", "read", "failed".
std::string_view toString(DeliveryState state);
std::optional<DeliveryState> deliveryStateFromString(std::string_view name);

}  // namespace ccd::routing
