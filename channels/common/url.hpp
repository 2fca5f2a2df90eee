#pragma once
// Query strings and form bodies: reading them (percent-decoding) and writing them.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccd::channels {

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`); nullopt for a malformed
/// escape.
std::optional<std::string> percentDecode(std::string_view s, bool plus_is_space = true);
/// Encodes everything but unreserved characters (RFC 3986) as %XX.
std::string percentEncode(std::string_view s);

/// The pairs of a query string or an application/x-www-form-urlencoded body, in order; nullopt
/// when an escape is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view q);
/// The first value named `name` in parsed pairs, or nullopt.
std::optional<std::string> queryValue(const std::vector<std::pair<std::string, std::string>>& q,
                                      std::string_view name);

}  // namespace ccd::channels
