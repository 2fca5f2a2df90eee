#pragma once
// Reads the classifier's training corpus: the JSON-lines file `classification.corpus` names
// (relative to routing.yaml's folder), one labelled sentence per line:
//   {"lang": "en", "category": "fault", "subtype": "leak", "text": "..."}
// Every problem is reported at the corpus file's line and column.

#include <string>

#include "config/yaml_reader.hpp"
#include "routing/classify/classifier_config.hpp"

namespace ccd::config {

/// Reads the corpus `node` names into `out.corpus` and `out.corpus_path`, checking each line
/// against `out.categories` (read before). A missing node leaves them empty. Returns the
/// SHA-256 (hex) of the file's lines as read ("" without a file): part of the configuration's
/// source_digest.
std::string readCorpus(const NodeRef& node, routing::ClassifierConfig& out);

}  // namespace ccd::config
