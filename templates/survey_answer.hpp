#pragma once
// Recognises a customer's answer to the 1-5 satisfaction survey. Pure.

#include <optional>
#include <string_view>

namespace ccd::templates {

/// The rating in a reply to the survey, or nullopt when the reply is not a rating.
/// The whole message must be the answer (surrounding spaces and end punctuation aside):
///   "5", "５", "5 stars", "4/5", "3分", "4星";
///   很满意 / 满意 / 一般 / 不满意 / 很不满意 (also 非常满意, 非常不满意) -> 5..1;
///   非常滿意 / 滿意 / 普通 / 不滿意 / 非常不滿意 (also 很滿意, 很不滿意) -> 5..1;
///   "very satisfied", "satisfied", "neutral", "dissatisfied", "very dissatisfied" -> 5..1.
/// A longer message that happens to contain a digit ("order 5 arrived broken") is not a rating.
std::optional<int> parseSurveyRating(std::string_view text);

}  // namespace ccd::templates
