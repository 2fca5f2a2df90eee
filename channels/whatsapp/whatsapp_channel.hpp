#pragma once
// WhatsApp Cloud API (`type: whatsapp`), one instance per business phone number. Inbound: the
// app's webhook — the GET verification handshake (hub.mode, hub.verify_token, hub.challenge)
// and POSTed notifications signed with X-Hub-Signature-256 (HMAC-SHA256 of the raw body with
// the app secret); every entry, change and message is read, and `statuses` update the
// delivery state of our own messages. Outbound: POST /<version>/<phone_number_id>/messages,
// within the 24-hour customer-service window, or the approved template outside it.
// https://developers.facebook.com/docs/whatsapp/cloud-api

#include <chrono>
#include <optional>
#include <string>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/registry.hpp"
#include "config/secret.hpp"

namespace ccd::channels::whatsapp {

/// The approved template message sent outside the customer-service window.
struct WindowTemplate {
    std::string name;      ///< as approved in WhatsApp Manager
    std::string language;  ///< its language code: "en_US", "zh_CN"
    /// Pass the reply's text as the template body's first parameter ({{1}}).
    bool text_parameter = true;
};

/// `type: whatsapp` settings.
struct WhatsAppSettings : ChannelSettings {
    config::Secret app_secret;    ///< signs the notifications
    config::Secret verify_token;  ///< echoed back in the GET handshake
    config::Secret access_token;  ///< a system user's token for sending
    std::string phone_number_id;  ///< the business number's id (not the number itself)
    std::string api_base = "https://graph.facebook.com";
    std::string api_version = "v21.0";
    std::optional<WindowTemplate> window_template;
};

/// The customer-service window: free-form messages only within 24 h of the customer's last.
inline constexpr std::chrono::hours kWindow{24};
/// The longest text body of one message.
inline constexpr std::size_t kMaxText = 4096;

/// The inbound side.
class WhatsAppInbound final : public InboundChannel {
public:
    explicit WhatsAppInbound(const WhatsAppSettings& s)
        : app_secret_(s.app_secret.reveal()),
          verify_token_(s.verify_token.reveal()),
          phone_number_id_(s.phone_number_id) {}
    std::vector<std::string> methods() const override { return {"GET", "POST"}; }
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;

private:
    std::string app_secret_;
    std::string verify_token_;
    std::string phone_number_id_;
};

/// Reads one notification (already verified) for the number `phone_number_id`: the pure part of
/// WhatsAppInbound, for tests and the fuzzer. Changes for other numbers are ignored (counted).
ParseOutcome parseNotification(std::string_view body, const std::string& phone_number_id,
                               routing::TimePoint now);

/// The outbound side.
class WhatsAppOutbound final : public OutboundChannel {
public:
    explicit WhatsAppOutbound(const WhatsAppSettings& s)
        : url_(s.api_base + "/" + s.api_version + "/" + s.phone_number_id + "/messages"),
          access_token_(s.access_token.reveal()),
          window_template_(s.window_template) {}
    BuiltSend build(const OutgoingMessage& message, const AccessToken* token,
                    routing::TimePoint now) const override;
    SendOutcome classify(const OutgoingMessage& message, const HttpAnswer& answer) const override;
    std::optional<ReplyWindow> replyWindow() const override {
        return ReplyWindow{kWindow, window_template_.has_value()};
    }
    std::size_t maxTextLength() const override { return kMaxText; }

private:
    std::string url_;
    std::string access_token_;
    std::optional<WindowTemplate> window_template_;
};

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::whatsapp
