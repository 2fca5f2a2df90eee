#pragma once
// Reads the classifier's training corpus: the JSON-lines file `classification.corpus` names
// (relative to routing.yaml's folder), one labelled sentence per line:
//   {"lang": "en", "category": "fault", "subtype": "leak", "text": "..."}
// Every problem is reported at the corpus file's line and column.

#include <cstdint>
#include <string_view>

#include "config/yaml_reader.hpp"
#include "routing/classify/classifier_config.hpp"

namespace ccd::config {

/// Reads the corpus `node` names into `out.corpus` and `out.corpus_path`, checking each line
/// against `out.categories` (read before), and sets `out.fingerprint` to a digest of the file's
/// lines (readClassification adds the section's own). A missing node leaves them empty.
void readCorpus(const NodeRef& node, routing::ClassifierConfig& out);

/// FNV-1a, 64 bits, of `bytes` continuing from `hash`: the fingerprints' digest.
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ULL);

}  // namespace ccd::config
