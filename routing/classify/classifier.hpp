#pragma once
// The message classifier: category (with confidence and a fallback), language, sentiment,
// safety and urgency signals, from configuration data only (ClassifierConfig).
//
// Pipeline per message: NFKC + case folding -> language detection -> Traditional->Simplified
// folding -> ICU word segmentation + Han bigrams -> naive Bayes + keyword/regex rules ->
// sentiment lexicon with negation -> safety and urgency phrases and patterns.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routing/classify/classification.hpp"
#include "routing/classify/classifier_config.hpp"

namespace ccd::routing {

/// Classifies customer messages.
///
/// Thread safety: classify() is not thread-safe — it reuses ICU working objects (a word
/// BreakIterator, regex matchers) and buffers, which is what makes it fast. Use one instance
/// per thread (the routing engine has one strand, hence one instance). To serve another
/// thread, copy the instance: a copy shares the trained model, phrase tables and compiled
/// patterns (immutable) and clones only the working objects, so it is cheap compared with
/// construction. The Traditional->Simplified tables are built once per process and shared.
class Classifier {
  public:
    /// Validates `config` and trains the model. Throws std::invalid_argument for bad
    /// configuration (see CategoryModel, SafetyDetector, SentimentAnalyzer) and
    /// std::runtime_error when ICU data is missing. Takes tens of milliseconds.
    explicit Classifier(ClassifierConfig config);
    /// A classifier that classifies exactly as Classifier(config) would, from `model`: the bytes
    /// serializeModel() gave for a classifier trained on the same configuration
    /// (classifierModelKey, model_store.hpp) by the same build. Nothing is trained: the corpus
    /// is neither tokenized nor run through the lists; what the configuration gives directly
    /// (phrase tables, patterns, the lexicon) is built as usual. Throws as the constructor does
    /// for bad configuration, and std::invalid_argument when `model` is malformed or does not
    /// fit `config`.
    static Classifier restore(ClassifierConfig config, std::string_view model);
    /// What training learned from the examples and the corpus, as bytes for restore().
    std::string serializeModel() const;

    ~Classifier();
    /// Shares the trained model; new ICU working objects. For use on another thread.
    Classifier(const Classifier& other);
    Classifier& operator=(const Classifier& other);
    Classifier(Classifier&&) noexcept;
    Classifier& operator=(Classifier&&) noexcept;

    /// Classifies one message (UTF-8; ill-formed sequences are replaced, never rejected).
    /// Never throws on the request path except std::bad_alloc.
    Classification classify(std::string_view text, const ClassifyHints& hints = {});

    /// The configuration the classifier was built from.
    const ClassifierConfig& config() const;

    /// Normalizes `text` as classify() does (NFKC, case folding, Traditional->Simplified),
    /// as UTF-8; for tests and for tools that write keywords.
    std::string normalize(std::string_view text) const;

    /// The tokens classify() would give naive Bayes for `text`.
    std::vector<std::string> tokens(std::string_view text);

  private:
    struct Impl;
    explicit Classifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::routing
