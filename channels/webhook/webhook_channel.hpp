#pragma once
// Generic signed webhooks (`type: webhook`): another system posts customers' messages in the
// API channel's JSON format to /webhooks/webhook/<instance>, signed with a shared secret:
//   X-Signature-Timestamp: <Unix seconds>
//   X-Signature-256: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
// A timestamp more than `tolerance` (5 minutes) away from now is refused, and so is the same
// signature twice (a replay). Replies are POSTed to the instance's `callback_url`, signed the
// same way, with an Idempotency-Key.

#include <chrono>
#include <string>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/registry.hpp"
#include "config/secret.hpp"

namespace ccd::channels::webhook {

/// `type: webhook` settings.
struct WebhookSettings : ChannelSettings {
    config::Secret secret;     ///< shared with the other system; signs both directions
    std::string callback_url;  ///< where replies are POSTed
    std::chrono::milliseconds tolerance{std::chrono::minutes(5)};
};

/// "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body).
std::string sign(std::string_view secret, std::string_view timestamp, std::string_view body);

/// The inbound side.
class WebhookInbound final : public InboundChannel {
public:
    explicit WebhookInbound(const WebhookSettings& s)
        : secret_(s.secret.reveal()), tolerance_(s.tolerance) {}
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;
    WebResponse answer(const IntakeReceipt& receipt) const override;

private:
    std::string secret_;
    std::chrono::milliseconds tolerance_;
};

/// The outbound side: a signed POST of each reply to the callback URL.
class WebhookOutbound final : public OutboundChannel {
public:
    explicit WebhookOutbound(const WebhookSettings& s)
        : secret_(s.secret.reveal()), url_(s.callback_url) {}
    BuiltSend build(const OutgoingMessage& message, const AccessToken* token,
                    routing::TimePoint now) const override;
    SendOutcome classify(const OutgoingMessage& message, const HttpAnswer& answer) const override;

private:
    std::string secret_;
    std::string url_;
};

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::webhook
