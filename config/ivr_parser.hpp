#pragma once
// The `ivr:` section of routing.yaml: the phone menu a new call hears before it is routed.

#include "config/yaml_reader.hpp"
#include "routing/routing_config.hpp"

namespace ccd::config {

/// Reads `ivr:` into out.ivr (left empty when the section is absent), reporting every problem
/// with its position: a prompt missing for a language, a key that is not a single digit, a digit
/// that sets nothing, a timeout out of range.
void readIvr(const NodeRef& node, routing::RoutingConfig& out);

}  // namespace ccd::config
