#pragma once
// Why a message was classified as it was: the evidence of a Classification (collected with
// ClassifyHints::explain) sorted by what it explains. For `ccd classify --explain` and the
// agent's console.

#include <string>
#include <vector>

#include "routing/classify/classification.hpp"

namespace ccd::routing {

/// The evidence of one classification, by decision.
struct Explanation {
    /// What favoured the top category, strongest first: "kw:<keyword>", "re:<pattern>",
    /// "nb:<token>" (naive Bayes; the margin over the best other category for that token)
    /// and "safety" (safety_weight for the safety_category), with their log-evidence.
    std::vector<Evidence> category;
    std::string runner_up;  ///< the second-best category ("" with a single category)
    double runner_up_confidence = 0.0;
    /// The sentiment words that counted, in text order, with what each added ("not happy"
    /// is a negated word).
    std::vector<Evidence> sentiment;
    /// What decided the subtype: the subtypes whose phrases matched, in configuration order
    /// ("leak<-漏水"), then the tokens that favoured the chosen one ("nb:drip").
    std::vector<std::string> subtype;
    std::string subtype_runner_up;  ///< the second-best subtype ("" when there is none)
    double subtype_runner_up_confidence = 0.0;
    std::vector<std::string> safety;   ///< "fire<-caught fire": signal and what raised it
    std::vector<std::string> urgency;  ///< "production_stopped<-停产"
    /// The list precision step, when a list raised a signal: "p=0.12 veto" or "p=0.93 keep",
    /// then the features that weighed most ("@question~-1.20").
    std::string precision;
};

/// Sorts `c.evidence` by decision. Empty lists when `c` was classified without explain.
Explanation explain(const Classification& c);

}  // namespace ccd::routing
