#pragma once
// What `ccd classify` adds for --explain and reads for --expect: the explanation of a
// classification as JSON, and the labels and results an Evaluation compares.

#include <nlohmann/json.hpp>

#include "routing/classify/classification.hpp"
#include "routing/classify/evaluation.hpp"
#include "routing/engine_types.hpp"

namespace ccd::daemon {

/// `explain`: {category: [{feature, weight}], runner_up: {category, confidence} | null,
/// subtype: [...], sentiment: [{feature, weight}], sentiment_score, safety: [...], urgency: [...]}. Weights and
/// confidences are rounded to 3 decimals. `c` must come from a classification with explain.
nlohmann::json explanationJson(const routing::Classification& c);

/// The labels of one input line: id, category, subtype, "lang" (as in the sample files) or
/// "language", priority, safety (a list). Precondition: `in` holds a "text" string.
routing::ExpectedTriage expectedOf(const nlohmann::json& in);

/// What the triage came out as, in the terms of the labels.
routing::ObservedTriage observedOf(const routing::TriageResult& t);

}  // namespace ccd::daemon
