#pragma once
// The generic API channel: POST /v1/messages with a JSON body
//   {"from": {"id", "name"?, "email"?, "phone"?}, "text", "external_id"?, "locale"?, "channel_ref"?}
// The provider id used for deduplication is `external_id`, else the Idempotency-Key header.

#include "channels/channel.hpp"

namespace ccd::channels::api {

/// Longest accepted id (from.id, external_id, Idempotency-Key, channel_ref).
inline constexpr std::size_t kMaxIdLength = 256;

/// Parses and validates the generic API channel's message body.
class ApiChannel final : public InboundChannel {
public:
    std::string_view name() const override { return "api"; }

    /// 415 for a non-JSON content type, 400 for malformed JSON, 422 naming the field for a
    /// missing, mistyped or unknown field. On success exactly one message.
    ParseOutcome parse(const WebRequest& request, routing::TimePoint now) const override;
};

}  // namespace ccd::channels::api
