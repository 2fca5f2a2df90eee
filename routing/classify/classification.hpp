#pragma once
// What the classifier says about one message, and what the caller may tell it beforehand.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccd::routing {

/// The customer's tone.
enum class Sentiment { Negative, Neutral, Positive };

/// "negative", "neutral" or "positive".
std::string_view toString(Sentiment sentiment);

/// One piece of evidence behind a decision, for debugging and for the agent's console:
/// `feature` is "kw:退货", "re:<pattern>", "nb:refund" (a token), "safety" (a hazard's weight
/// for safety_category), "safety:fire<-caught fire", "urgency:production_stopped<-停产" or
/// "subtype:leak<-漏水" (a subtype's phrase), "subtype:nb:drip" (a token for the chosen subtype),
/// "sentiment:满意" / "sentiment:not happy" (a lexicon word, negated with
/// the negator);
/// `weight` is its log-evidence in favour of the chosen category (0 for safety and urgency),
/// and for sentiment what the word added to sentiment_score.
struct Evidence {
    std::string feature;
    double weight = 0.0;
};

/// The classification of one message.
struct Classification {
    std::string category;      ///< after the fallback: "other" when not confident enough
    std::string top_category;  ///< the best-scoring category before the fallback
    std::string subtype;       ///< a subtype of `category` ("leak"), or "" (no evidence)
    double subtype_confidence = 0.0;  ///< posterior of `subtype` among the category's, 0..1
    double confidence = 0.0;   ///< posterior-like probability of top_category, 0..1
    std::string language;      ///< "en", "zh-Hans", "zh-Hant" or "und"
    Sentiment sentiment = Sentiment::Neutral;
    double sentiment_score = 0.0;  ///< sum of lexicon hits; < 0 negative, > 0 positive
    /// Names of the safety signals found ("fire", "gas_leak", ...), in configuration order.
    /// Not empty means a possible hazard to people or property.
    std::vector<std::string> safety;
    /// Names of the urgency signals found ("production_stopped", ...), in configuration order.
    /// Not empty means someone depends on the product right now.
    std::vector<std::string> urgency;
    /// The learned urgency model's P(urgent) (classification.learned_urgency); none without
    /// one, or when the lists already found a hazard or an urgency (the model is not asked).
    std::optional<double> urgency_probability;
    /// The list precision step's P(present now) when a list raised a signal
    /// (classification.list_precision); none without the step or without a list signal.
    std::optional<double> presence_probability;
    /// The list signals the precision step withdrew ("safety:fire", "urgency:child_at_risk"):
    /// not in `safety` or `urgency` any more.
    std::vector<std::string> vetoed;
    std::vector<Evidence> evidence;  ///< filled only when ClassifyHints::explain is set
    /// The second-best category and its posterior; filled only when explaining.
    std::string runner_up;
    double runner_up_confidence = 0.0;
    /// The second-best subtype of `category` and its posterior; filled only when explaining.
    std::string subtype_runner_up;
    double subtype_runner_up_confidence = 0.0;
};

/// What the caller already knows about the message.
struct ClassifyHints {
    /// The contact's locale as stored ("zh-TW", "en-GB", "zh_Hans").
    std::optional<std::string> known_locale;
    /// When set, a known locale that maps to a supported language wins over detection.
    /// When not set, it only decides what the text cannot: digits-only messages, and Chinese
    /// text without Traditional- or Simplified-only characters.
    bool prefer_known_locale = false;
    /// Collect Classification::evidence (costs some allocations).
    bool explain = false;
};

}  // namespace ccd::routing
