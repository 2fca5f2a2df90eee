#pragma once
// Reading the keys that several channel kinds share the shape of: required secrets, URLs.
// Problems are recorded on the item's document, like every configuration reader.

#include <optional>
#include <string>

#include "config/secret.hpp"

namespace ccd::config {
class NodeRef;
}

namespace ccd::channels {

/// A required secret (usually a `${ENV}` reference); an issue when missing or empty.
config::Secret requiredSecret(const config::NodeRef& node);
/// An optional secret; empty when absent.
config::Secret optionalSecret(const config::NodeRef& node);
/// An http:// or https:// URL without a trailing slash; `fallback` when absent.
std::string baseUrl(const config::NodeRef& node, const std::string& fallback);

}  // namespace ccd::channels
