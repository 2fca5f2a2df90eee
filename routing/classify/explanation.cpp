#include "routing/classify/explanation.hpp"

#include <algorithm>
#include <string_view>

namespace ccd::routing {
namespace {

// `feature` without `prefix` when it starts with it.
bool strip(const std::string& feature, std::string_view prefix, std::string& rest) {
    if (feature.compare(0, prefix.size(), prefix) != 0) return false;
    rest = feature.substr(prefix.size());
    return true;
}

}  // namespace

Explanation explain(const Classification& c) {
    Explanation out;
    out.runner_up = c.runner_up;
    out.runner_up_confidence = c.runner_up_confidence;
    out.subtype_runner_up = c.subtype_runner_up;
    out.subtype_runner_up_confidence = c.subtype_runner_up_confidence;
    std::string rest;
    for (const Evidence& e : c.evidence) {
        if (strip(e.feature, "safety:", rest)) {
            out.safety.push_back(rest);
        } else if (strip(e.feature, "subtype:", rest)) {
            out.subtype.push_back(rest);
        } else if (strip(e.feature, "urgency:", rest)) {
            out.urgency.push_back(rest);
        } else if (strip(e.feature, "precision:", rest)) {
            out.precision = rest;
        } else if (strip(e.feature, "sentiment:", rest)) {
            out.sentiment.push_back({rest, e.weight});
        } else {
            out.category.push_back(e);
        }
    }
    std::stable_sort(out.category.begin(), out.category.end(),
                     [](const Evidence& a, const Evidence& b) { return a.weight > b.weight; });
    return out;
}

}  // namespace ccd::routing
