#pragma once
// The domain model shared by every layer: what a customer sent, on which channel, from whom.
// Pure data: no I/O, no clock of its own (times are passed in).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ccd::routing {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

/// Unix milliseconds of `t`, as stored and sent in JSON.
inline std::int64_t unixMillis(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// The kinds of channel a request can arrive on.
enum class ChannelKind { Api, Email, Webchat, Telegram, WhatsApp, Voice };

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

/// One message from a customer, normalized by its channel adapter.
/// `provider_id` is the provider's own id of the message (Telegram update_id, WhatsApp wamid,
/// email Message-ID, API external_id): a repeat of (channel, provider_id) is the same message.
/// It is empty when the provider gave none; such a message is never deduplicated.
struct InboundMessage {
    ChannelKind channel = ChannelKind::Api;
    std::string provider_id;
    Party from;
    std::string text;
    std::optional<std::string> locale;
    std::optional<std::string> channel_ref;
    TimePoint received_at{};
};

}  // namespace ccd::routing
