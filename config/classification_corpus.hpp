#pragma once
// Reads the classifier's training corpus: the JSON-lines file `classification.corpus` names
// (relative to routing.yaml's folder), one labelled sentence per line:
//   {"lang": "en", "category": "fault", "subtype": "leak", "text": "..."}
// Every problem is reported at the corpus file's line and column.

#include "config/yaml_reader.hpp"
#include "routing/classify/classifier_config.hpp"

namespace ccd::config {

/// Reads the corpus `node` names into `out.corpus` and `out.corpus_path`, checking each line
/// against `out.categories` (read before). A missing node leaves them empty.
void readCorpus(const NodeRef& node, routing::ClassifierConfig& out);

}  // namespace ccd::config
