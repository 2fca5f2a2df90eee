#pragma once
// Telegram Bot API (`type: telegram`). Inbound: the bot's webhook (setWebhook with
// `secret_token`) posts Update objects to /webhooks/telegram/<instance>; each is checked
// against the secret token, deduplicated on `update_id`, and read: `message` (text, captions,
// photos, documents, voice, ...), `edited_message` (recorded on the original). Outbound:
// `sendMessage` to the chat the customer wrote from; typing through `sendChatAction`.
// https://core.telegram.org/bots/api

#include <string>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/registry.hpp"
#include "config/secret.hpp"

namespace ccd::channels::telegram {

/// `type: telegram` settings.
struct TelegramSettings : ChannelSettings {
    config::Secret bot_token;     ///< from @BotFather
    config::Secret secret_token;  ///< the `secret_token` given to setWebhook
    std::string api_base = "https://api.telegram.org";
};

/// The longest text of one message, in UTF-16 code units as Telegram counts.
inline constexpr std::size_t kMaxText = 4096;

/// The inbound side: verifies X-Telegram-Bot-Api-Secret-Token and reads one Update.
class TelegramInbound final : public InboundChannel {
public:
    explicit TelegramInbound(const TelegramSettings& s) : secret_token_(s.secret_token.reveal()) {}
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;

private:
    std::string secret_token_;
};

/// Reads one Update (already verified): the pure part of TelegramInbound, for tests and the
/// fuzzer.
ParseOutcome parseUpdate(std::string_view body, routing::TimePoint now);

/// The outbound side: sendMessage, sendChatAction.
class TelegramOutbound final : public OutboundChannel {
public:
    explicit TelegramOutbound(const TelegramSettings& s)
        : base_(s.api_base + "/bot" + s.bot_token.reveal()) {}
    BuiltSend build(const OutgoingMessage& message, const AccessToken* token,
                    routing::TimePoint now) const override;
    SendOutcome classify(const OutgoingMessage& message, const HttpAnswer& answer) const override;
    std::optional<HttpCall> typing(const std::string& to, const AccessToken* token) const override;
    std::size_t maxTextLength() const override { return kMaxText; }

private:
    std::string base_;  ///< api_base + "/bot" + token: never logged
};

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::telegram
