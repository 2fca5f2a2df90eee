#pragma once
// Lexicon-based sentiment with negation: "not happy" and "不满意" are negative, "no problem"
// and "没有问题" are not.

#include <unicode/unistr.h>

#include <memory>
#include <vector>

#include "routing/classify/classification.hpp"
#include "routing/classify/classifier_config.hpp"
#include "routing/classify/term_matcher.hpp"
#include "routing/classify/term_pass.hpp"

namespace ccd::routing {

class TextNormalizer;

/// The verdict and its score.
struct SentimentResult {
    Sentiment sentiment = Sentiment::Neutral;
    double score = 0.0;
};

/// Scores normalized text against a SentimentLexicon. Overlapping lexicon hits are resolved
/// leftmost-longest, so 不错 (positive) wins over the negator 不, and 不满意 can be listed as
/// a word of its own. A negator flips the next sentiment word within negation_window words
/// (Latin) or characters (Han), unless punctuation or a clause break comes between.
/// Thread safety: immutable after construction; may be shared between threads.
class SentimentAnalyzer {
  public:
    /// Normalizes the lexicon entries with `normalizer`. Throws std::invalid_argument for an
    /// empty entry, a negative window or a non-positive neutral band.
    SentimentAnalyzer(const SentimentLexicon& lexicon, const TextNormalizer& normalizer);

    /// `text` must be normalized (TextNormalizer::normalize). With `evidence`, appends each
    /// word that counted ("sentiment:满意", "sentiment:not happy") and what it added.
    /// With `scan` (of `text`, by a pass this analyzer was attached to), the words are taken
    /// from there.
    SentimentResult analyze(const icu::UnicodeString& text,
                            std::vector<Evidence>* evidence = nullptr,
                            const TermScan* scan = nullptr) const;

    /// Attaches the lexicon to `pass`.
    void attachTo(TermPass& pass) const { pass.attach(terms_); }

  private:
    enum class Role : unsigned char { Positive, Negative, Negator, ClauseBreak };

    TermMatcher terms_;
    std::vector<Role> roles_;  ///< by term id
    int window_;
    double negated_negative_;
    double band_;
};

}  // namespace ccd::routing
