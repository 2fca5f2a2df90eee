#pragma once
// Web chat (`type: webchat`): customers on a website talk to agents live through a websocket
// (docs/webchat-protocol.md) that the daemon serves on the instance's own listener
// (daemon/webchat/). The daemon's webchat server turns a customer's `message` frame into a
// request for this adapter, which reads it like an API message (channels/api), so that it goes
// through the one intake path; replies are not pushed through the outbox's HTTP client: the
// daemon delivers them to the customer's live socket, and a reconnecting customer reads them
// from the stored history.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/registry.hpp"

namespace ccd::channels::webchat {

/// `type: webchat` settings.
struct WebchatSettings : ChannelSettings {
    std::string host = "127.0.0.1";  ///< the customers' websocket listener
    std::uint16_t port = 8082;       ///< 0: a free port (tests)
    /// Exact Origin values of the websites that may embed the widget ("https://shop.example").
    /// Empty: only requests without an Origin (no browser) are accepted.
    std::vector<std::string> allowed_origins;
    std::size_t max_frame_bytes = 16 * 1024;  ///< a larger frame closes the connection (1009)
    std::size_t max_text_chars = 4000;        ///< longest customer message
    std::size_t messages_per_minute = 30;     ///< per session; past it frames are refused
    std::size_t sessions_per_address_per_hour = 20;  ///< new sessions from one IP address
    std::size_t max_connections_per_address = 64;    ///< open websockets from one IP address
    std::size_t max_connections = 10000;  ///< open websockets in all; each is a descriptor
    std::chrono::milliseconds session_ttl{std::chrono::hours(24)};  ///< token lifetime
    /// The optional order or product field the start form asks for ("Order number"); empty:
    /// none. Stored as the conversation's channel_ref.
    std::string order_field;
    bool order_required = false;
    /// Photos and files (POST /chat/upload/<name>): the largest, and the types accepted;
    /// images and PDF are checked by their first bytes. Also bounded by
    /// server.limits.max_body_bytes.
    std::size_t max_upload_bytes = 5 * 1024 * 1024;
    std::vector<std::string> upload_types{"image/jpeg", "image/png", "image/gif", "image/webp",
                                          "application/pdf"};
    /// The `type: email` instance that sends transcripts and carries on the conversation of a
    /// customer who left an address; empty: the address is only recorded.
    std::string email_instance;
};

/// What the webchat server hands the adapter for one customer message: the session's sender
/// id and profile, the client's message id (deduplicates a resend) and the text.
struct CustomerMessage {
    std::string sender;     ///< the session's address ("wc_<hex>")
    std::string client_id;  ///< the widget's id of this message
    std::string text;
    std::optional<std::string> name, email, phone, locale, order;
};

/// The request body the webchat server builds for parse() (API message format).
std::string requestBody(const CustomerMessage& message);

/// The headers of a file's request for parse(): the request's own Content-Type and body are
/// the file's; these name the session and the file.
inline constexpr std::string_view kSenderHeader = "X-Ccd-Webchat-Sender";
inline constexpr std::string_view kClientIdHeader = "X-Ccd-Webchat-Id";
inline constexpr std::string_view kFileNameHeader = "X-Ccd-Webchat-File";
/// Set on the request of ccd's own words on the customer's behalf ("Please answer by email:
/// …"): stored and shown like the customer's message, never classified, so that routing
/// follows only what the customer writes.
inline constexpr std::string_view kNoticeHeader = "X-Ccd-Webchat-Notice";

/// The inbound side: no HTTP route accepts requests (methods() is empty); the daemon's webchat
/// server calls the intake path with requestBody().
class WebchatInbound final : public InboundChannel {
public:
    explicit WebchatInbound(const WebchatSettings& s) : settings_(s) {}
    std::vector<std::string> methods() const override { return {}; }
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;
    WebResponse answer(const IntakeReceipt& receipt) const override;

private:
    ParseOutcome parseUpload(const WebRequest& request, const ParseContext& context) const;
    WebchatSettings settings_;
};

/// The outbound side: replies stay in the store (sent once stored) and reach the customer's
/// socket from the daemon's webchat hub.
class WebchatOutbound final : public OutboundChannel {
public:
    explicit WebchatOutbound(const WebchatSettings&) {}
    bool pushes() const override { return false; }
    BuiltSend build(const OutgoingMessage& message, const AccessToken* token,
                    routing::TimePoint now) const override;
    SendOutcome classify(const OutgoingMessage& message, const HttpAnswer& answer) const override;
};

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::webchat
