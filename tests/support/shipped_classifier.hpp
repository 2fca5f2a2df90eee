#pragma once
// One classifier on the shipped config/routing.yaml per test program (training on the corpus
// takes a moment, and a classifier is reused by every test; see shipped_routing.hpp for where it
// comes from), and the helpers its tests share.

#include <algorithm>
#include <string>
#include <vector>

#include "routing/classify/classifier.hpp"
#include "tests/support/shipped_routing.hpp"

namespace ccd::testing {

inline routing::Classifier& shippedClassifier() {
    static routing::Classifier instance(*shippedTrainedClassifier());
    return instance;
}

inline routing::Classification classify(const std::string& text,
                                        const routing::ClassifyHints& hints = {}) {
    return shippedClassifier().classify(text, hints);
}

/// Whether `c` raised the safety signal `name`.
inline bool hasSignal(const routing::Classification& c, const std::string& name) {
    return std::find(c.safety.begin(), c.safety.end(), name) != c.safety.end();
}

/// "a,b,c", for failure messages.
inline std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

}  // namespace ccd::testing
