#pragma once
// Reading a provider's JSON body: strict parsing (no trailing bytes, no raw NUL, no duplicate
// surprises) with the position of the first problem, and typed reads of its fields.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "channels/channel.hpp"

namespace ccd::channels {

/// A parsed body, or why it is not JSON (400 invalid_json with the byte).
struct JsonBody {
    nlohmann::json value;
    std::optional<Rejection> error;
};

/// Parses `body` as one JSON value with nothing after it. A raw NUL byte anywhere is refused
/// (a parser that stops there would accept `{...}\0garbage`).
JsonBody parseJsonBody(std::string_view body);

/// Whether the Content-Type's media type is application/json (parameters ignored).
bool isJsonContentType(std::string_view content_type);

/// A string member, or nullopt when absent, null or not a string.
std::optional<std::string> jsonString(const nlohmann::json& obj, std::string_view key);
/// An integer member (also written as a string of digits), or nullopt.
std::optional<std::int64_t> jsonInt(const nlohmann::json& obj, std::string_view key);
/// An integer or string member as text ("123", "-100"): provider ids that may be either.
std::optional<std::string> jsonId(const nlohmann::json& obj, std::string_view key);
/// A member that is an object, or null.
const nlohmann::json* jsonObject(const nlohmann::json& obj, std::string_view key);
/// A member that is an array, or null.
const nlohmann::json* jsonArray(const nlohmann::json& obj, std::string_view key);

/// Serializes for storage or sending: invalid UTF-8 is replaced, never thrown.
std::string dumpJson(const nlohmann::json& j);

}  // namespace ccd::channels
