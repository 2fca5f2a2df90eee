#pragma once
// The body of PUT /v1/contacts/{key}, parsed and validated without a socket:
//   {"name", "email", "phone", "tier", "locale", "attributes": {string: string},
//    "addresses": {"telegram": ["123"], "webchat": ["abc"], ...},
//    "products": [{"sku", "name", "serial", "purchased_on", "warranty_until"}]}
// Every member is optional; null is the same as absent (the stored value is kept).

#include <optional>
#include <string_view>

#include "channels/api/contact_fields.hpp"
#include "channels/channel.hpp"

namespace ccd::channels::api {

/// A contact, or why the request is refused.
struct ContactParse {
    std::optional<ContactInput> contact;
    std::optional<Rejection> rejection;
};

/// Parses a contact body for `key`. 415 `unsupported_media_type` when `content_type` is not
/// application/json, 400 `invalid_json` for malformed JSON, 422 `invalid_key` for a bad key,
/// 422 `invalid_body` / `unknown_field` / `invalid_field` naming the field path
/// ("addresses.voice[0]", "products[1].warranty_until") for everything else. Never throws.
ContactParse parseContactJson(std::string_view content_type, std::string_view body,
                              std::string_view key);

}  // namespace ccd::channels::api
