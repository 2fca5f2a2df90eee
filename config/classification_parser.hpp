#pragma once
// Reads the `classification:` section of routing.yaml into routing::ClassifierConfig: every
// problem with file, line, column and YAML path (unknown keys, wrong types, duplicate category
// or signal names, a fallback that names no category, bad regular expressions).

#include "config/yaml_reader.hpp"
#include "routing/classify/classifier_config.hpp"

namespace ccd::config {

/// Fills `out` from `node` (the `classification:` map); problems are recorded on the node's
/// document. A missing node leaves `out` as it is.
void readClassification(const NodeRef& node, routing::ClassifierConfig& out);

}  // namespace ccd::config
