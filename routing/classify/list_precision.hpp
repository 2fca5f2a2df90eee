#pragma once
// The list precision step (classification.list_precision): the safety and urgency lists are
// generous, and each blind set finds their false alarms in kinds rather than words: questions
// and hypotheticals ("what happens if it catches fire?"), incidents told as past and
// explained, figurative words (觸電一樣愛上了), hazards said to be absent, other people's
// incidents ("the van on the news caught fire"). When a list raises a signal, a logistic
// regression over the message's tokens and context features gives P(the hazard or urgency is
// present now); below the threshold the signals are withdrawn.
//
// Context features, added to the tokens: "@sig:safety:fire" for each signal raised, "@KIND"
// when a marker phrase of KIND is in the text and "@KIND~" when one lies near a trigger (in
// its sentence, within `window` code units). A conservative threshold: a missed P1 is worse
// than a false one.
//
// The marker kind `not_markers` is no feature: its phrases contain a marker without being one
// ("if needed" holds the hypothetical "if", 长短不一样 the figurative 一样), and a marker found
// inside one of them does not count.

#include <unicode/unistr.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "routing/classify/classifier_config.hpp"
#include "routing/classify/term_matcher.hpp"
#include "routing/classify/urgency_model.hpp"

namespace ccd::routing {

class ModelReader;
class ModelWriter;
class TextNormalizer;

/// Computes the context features; holds the trained model. Immutable once trained: copies
/// and threads may share it.
class ListPrecision {
  public:
    /// Normalizes the marker phrases. Throws std::invalid_argument for an empty phrase.
    ListPrecision(const ListPrecisionDef& def, const TextNormalizer& normalizer);

    /// Appends the context features of `text` (normalized) to `features`: `signals` are the
    /// raised signals as "safety:fire", `spans` where each was raised (same order).
    void contextFeatures(const icu::UnicodeString& text, const std::vector<std::string>& signals,
                         const std::vector<std::pair<std::int32_t, std::int32_t>>& spans,
                         std::vector<std::string>& features) const;

    /// The part of `text` the model reads: the sentences in which a signal was raised
    /// (`spans`), with kSentencesAround sentences on either side, in order, overlaps once; the
    /// whole text, as it is, when that is every sentence or a span is empty (a pattern that
    /// matched by lookahead). A long letter's
    /// other paragraphs (when it was bought, who is writing, the signature) say nothing about
    /// whether the hazard is there now, and their words weighed against it.
    icu::UnicodeString neighbourhood(
        const icu::UnicodeString& text,
        const std::vector<std::pair<std::int32_t, std::int32_t>>& spans) const;

    /// neighbourhood() when it is less than the whole text; nothing when it is the whole text
    /// (no copy: the caller reads `text` itself, and its tokens if it has them).
    std::optional<icu::UnicodeString> neighbourhoodPart(
        const icu::UnicodeString& text,
        const std::vector<std::pair<std::int32_t, std::int32_t>>& spans) const;

    /// Sentences read on either side of a signal's own (neighbourhood()).
    static constexpr int kSentencesAround = 1;

    /// Trains the model on `examples` (tokens plus context features, present or not).
    void train(const std::vector<UrgencyModel::Example>& examples);
    /// Writes the trained model for restore(); the markers come from the configuration.
    void save(ModelWriter& out) const;
    /// Takes the model save() wrote instead of training; throws std::invalid_argument when the
    /// bytes are malformed.
    void restore(ModelReader& in);

    /// Whether the step withdraws the signals of a message whose presence probability is
    /// `p`, given its context features (contextFeatures()): `p` below the threshold, and the
    /// message says something near a trigger that speaks against the hazard being there now:
    /// a near-marker feature ("@question~", "@past~", ...) whose learned weight is negative.
    /// The words alone withdraw a hazard only below the words threshold (off unless set; far
    /// below the threshold): a deep cut from a blender's blade is not asked about because the
    /// corpus's look-alikes mention blenders (dev11), while "the fire dancers were INSANE 🔥"
    /// is no fire at p = 0.02. Nor does a marker
    /// elsewhere in the message: a billing question, then "also ... the socket sparks when it
    /// spins" (H34), is a question and a hazard, each in its own sentence.
    bool vetoes(double p, const std::vector<std::string>& context) const;

    bool trained() const { return model_.trained(); }
    const UrgencyModel& model() const { return model_; }
    double threshold() const { return threshold_; }
    double wordsThreshold() const { return words_threshold_; }

  private:
    double threshold_;
    double words_threshold_;  ///< 0: off
    double l2_;
    int epochs_;
    std::int32_t window_;
    TermMatcher markers_;
    std::vector<std::string> kind_of_;  ///< by term id: "@KIND"; empty for a not_markers phrase
    UrgencyModel model_;
};

}  // namespace ccd::routing
