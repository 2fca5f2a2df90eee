#pragma once
// WeChat Official Account (微信公众号, `type: wechat`), plaintext mode. Inbound: the server
// URL's GET verification (signature = SHA-1 of the sorted token, timestamp and nonce; echostr
// echoed) and POSTed XML messages with the same signature on the query (text, image, voice
// with its Recognition text, video, location, link; subscribe/unsubscribe events), answered
// "success" and deduplicated on MsgId (WeChat retries three times). Outbound: the
// customer-service message API (message/custom/send) with an access_token fetched from
// app_id/app_secret and cached, within the 48-hour window after the customer's last message.
// https://developers.weixin.qq.com/doc/offiaccount/en/Getting_Started/Overview.html

#include <chrono>
#include <string>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/registry.hpp"
#include "config/secret.hpp"

namespace ccd::channels::wechat {

/// `type: wechat` settings.
struct WeChatSettings : ChannelSettings {
    std::string app_id;
    config::Secret app_secret;
    config::Secret token;  ///< the Token set on the server configuration page
    std::string api_base = "https://api.weixin.qq.com";
};

/// Customer-service messages may be sent for 48 hours after the customer's last message.
inline constexpr std::chrono::hours kWindow{48};

/// signature = SHA-1 (hex) of token, timestamp and nonce sorted and concatenated.
std::string signature(std::string_view token, std::string_view timestamp, std::string_view nonce);

/// The inbound side.
class WeChatInbound final : public InboundChannel {
public:
    explicit WeChatInbound(const WeChatSettings& s) : token_(s.token.reveal()) {}
    std::vector<std::string> methods() const override { return {"GET", "POST"}; }
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;
    /// WeChat expects the plain text "success" (anything else is shown to the customer as an
    /// error after its retries).
    WebResponse answer(const IntakeReceipt& receipt) const override;

private:
    std::string token_;
};

/// Reads one XML message (already verified): the pure part of WeChatInbound, for tests and the
/// fuzzer. An XML document with a DTD or entity declaration is refused.
ParseOutcome parseXmlMessage(std::string_view body, routing::TimePoint now);

/// The outbound side.
class WeChatOutbound final : public OutboundChannel {
public:
    explicit WeChatOutbound(const WeChatSettings& s)
        : base_(s.api_base), app_id_(s.app_id), app_secret_(s.app_secret.reveal()) {}
    BuiltSend build(const OutgoingMessage& message, const AccessToken* token,
                    routing::TimePoint now) const override;
    SendOutcome classify(const OutgoingMessage& message, const HttpAnswer& answer) const override;
    std::optional<HttpCall> tokenRequest() const override;
    std::optional<AccessToken> parseToken(const HttpAnswer& answer, routing::TimePoint now,
                                          std::string& error) const override;
    std::optional<HttpCall> typing(const std::string& to, const AccessToken* token) const override;
    std::optional<ReplyWindow> replyWindow() const override { return ReplyWindow{kWindow, false}; }

private:
    std::string base_;
    std::string app_id_;
    std::string app_secret_;
};

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::wechat
