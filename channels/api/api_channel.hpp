#pragma once
// The generic API channel (`type: api`): POST /v1/messages (and /webhooks/api/<instance>) with
// a JSON body
//   {"from": {"id", "name"?, "email"?, "phone"?}, "text", "external_id"?, "locale"?, "channel_ref"?}
// authenticated by an API key (`Authorization: Bearer`) of a configured client, unless the
// instance is `public: true`. The provider id used for deduplication is `external_id`, else
// the Idempotency-Key header. Replies are not pushed: the client reads them
// (GET /v1/conversations/{id}/messages).

#include <string>
#include <vector>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/registry.hpp"

namespace ccd::channels::api {

/// Longest accepted id (from.id, external_id, Idempotency-Key, channel_ref).
inline constexpr std::size_t kMaxIdLength = 256;
/// Longest accepted text, in bytes.
inline constexpr std::size_t kMaxTextBytes = 64 * 1024;

/// `type: api` settings.
struct ApiSettings : ChannelSettings {
    /// No API key needed (a trusted network, a demo): anyone who reaches the port may post.
    bool is_public = false;
    /// The clients whose keys are accepted; empty: every client with a key.
    std::vector<std::string> clients;
};

/// Parses and validates a message body of the API format (shared with the signed webhook
/// channel). 415 for a non-JSON content type, 400 for malformed JSON, 422 naming the field for
/// a missing, mistyped or unknown field. On success exactly one message, of kind `kind`, from
/// the sender scoped to `context.client` when there is one ("crm:c1": two clients' senders
/// never share a conversation).
ParseOutcome parseMessageBody(const WebRequest& request, const ParseContext& context,
                              routing::ChannelKind kind);

/// The answer to an API client: 202 {"message_id","conversation_id","duplicate"}.
WebResponse acceptedAnswer(const IntakeReceipt& receipt);

/// The inbound side of `type: api`.
class ApiChannel final : public InboundChannel {
public:
    ApiChannel() = default;
    explicit ApiChannel(const ApiSettings& settings)
        : public_(settings.is_public), clients_(settings.clients) {}

    bool requiresApiKey() const override { return !public_; }
    std::vector<std::string> clients() const override { return clients_; }
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;
    WebResponse answer(const IntakeReceipt& receipt) const override {
        return acceptedAnswer(receipt);
    }

private:
    bool public_ = true;
    std::vector<std::string> clients_;
};

/// The outbound side: nothing leaves ccd; the client reads its conversation.
class ApiOutbound final : public OutboundChannel {
public:
    ApiOutbound() = default;
    explicit ApiOutbound(const ApiSettings&) {}
    bool pushes() const override { return false; }
    BuiltSend build(const OutgoingMessage&, const AccessToken*, routing::TimePoint) const override {
        return BuiltSend{std::nullopt, SendOutcome::sent()};
    }
    SendOutcome classify(const OutgoingMessage&, const HttpAnswer&) const override {
        return SendOutcome::sent();
    }
};

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::api
