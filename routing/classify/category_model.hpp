#pragma once
// Chooses a message's category and subtype: a multinomial naive Bayes model trained on the
// configured examples and the corpus, plus log-evidence from keyword and regular-expression
// rules, turned into a posterior-like confidence; below the threshold the fallback category
// wins. Categories and subtypes are classes of one naive Bayes table, so each token is looked
// up once for both decisions.

#include <unicode/unistr.h>

#include <memory>
#include <string>
#include <vector>

#include "routing/classify/classification.hpp"
#include "routing/classify/classifier_config.hpp"
#include "routing/classify/naive_bayes.hpp"
#include "routing/classify/regex_set.hpp"
#include "routing/classify/softmax_model.hpp"
#include "routing/classify/term_matcher.hpp"
#include "routing/classify/term_pass.hpp"

namespace ccd::routing {

class ModelReader;
class ModelWriter;
class TextNormalizer;
class Tokenizer;

/// The subtype decision for one message.
struct SubtypeDecision {
    const std::string* name = nullptr;  ///< nullptr: none (no subtypes, or no evidence)
    double confidence = 0.0;            ///< posterior among the category's subtypes
    const std::string* runner_up = nullptr;
    double runner_up_confidence = 0.0;
};

/// The category decision for one message.
struct CategoryDecision {
    std::size_t category = 0;  ///< index into the configured categories, after the fallback
    std::size_t top = 0;       ///< best-scoring category before the fallback
    double confidence = 0.0;   ///< posterior of `top`
};

/// Category scoring: score(c) = log P(tokens | c) / temperature + learned weight * (the learned
/// model's log-odds of c, when configured) + keyword_weight * (distinct
/// keywords of c found) + regex_weight * (patterns of c that match) + safety_weight when c is the
/// safety_category and a safety signal fired; posterior = softmax(score).
/// Thread safety: not thread-safe (regex matchers keep state); copy it for another thread —
/// copies share the trained model and phrase tables.
class CategoryModel {
  public:
    /// Validates the category part of `config` and trains on its examples, tokenized with
    /// `tokenizer`. Throws std::invalid_argument for: no categories, an empty or duplicate
    /// name, an unknown fallback, a category other than the fallback without examples, an
    /// example language other than en/zh-Hans/zh-Hant, an empty phrase, a bad pattern, or a
    /// threshold, weight, smoothing or temperature out of range.
    /// `corpus_tokens`: the tokens of each of config.corpus's sentences, normalized and
    /// tokenized the same way (the classifier's other models train on them too).
    CategoryModel(const ClassifierConfig& config, const TextNormalizer& normalizer,
                  Tokenizer& tokenizer, const std::vector<std::vector<std::string>>& corpus_tokens);
    /// The model save() wrote for the same configuration, without training: validates the
    /// configuration as above (but for what only training sees: example languages, the
    /// corpus's labels) and builds the keywords and patterns from it. Throws
    /// std::invalid_argument as above, and when the bytes are malformed or do not fit.
    CategoryModel(const ClassifierConfig& config, const TextNormalizer& normalizer,
                  ModelReader& in);

    /// Writes what was learned from the examples and the corpus: naive Bayes, the learned
    /// models, the subtype groups.
    void save(ModelWriter& out) const;

    /// Decides for normalized `text` and its `tokens`; `hazard` says whether a safety signal
    /// fired. With `evidence`, appends the keywords, patterns and strongest tokens that
    /// favoured the top category.
    /// With `scan` (of `text`, by a pass this model was attached to), the keywords and the
    /// patterns' literals are taken from there.
    CategoryDecision decide(const icu::UnicodeString& text, const std::vector<std::string>& tokens,
                            bool hazard, std::vector<Evidence>* evidence = nullptr,
                            const TermScan* scan = nullptr);

    /// Attaches the keywords and the patterns' literals to `pass`.
    void attachTo(TermPass& pass) const;

    /// The subtype of `category` for the last decide() call: naive Bayes over the category's
    /// subtypes (divided by the temperature) plus subtype_weight for each subtype in `matched`
    /// (the names its phrases and patterns found), as a softmax. With `evidence`, appends the
    /// tokens that favoured the winner ("subtype:nb:<token>").
    SubtypeDecision decideSubtype(std::size_t category, const std::vector<std::string>& matched,
                                  const std::vector<std::string>& tokens,
                                  std::vector<Evidence>* evidence = nullptr);

    /// Posteriors of every category for the last decide() call, in configuration order.
    const std::vector<double>& posteriors() const { return posterior_; }

    const std::string& name(std::size_t category) const { return shared_->names[category]; }
    std::size_t size() const { return shared_->names.size(); }
    const NaiveBayes& bayes() const { return shared_->bayes; }
    /// The distinct naive Bayes features of the last decide() call's tokens, in increasing
    /// order.
    const std::vector<std::uint32_t>& features() const { return features_; }

  private:
    struct Shared {
        std::vector<std::string> names;
        std::size_t fallback = 0;
        double threshold = 0.0;
        double keyword_weight = 0.0;
        double regex_weight = 0.0;
        double subtype_weight = 0.0;
        double temperature = 1.0;
        std::size_t safety_category = 0;
        double safety_weight = 0.0;  ///< 0 when no safety_category is configured
        NaiveBayes bayes;      ///< classes: the categories, then every subtype (subtype_names)
        SoftmaxModel learned;  ///< categories over bayes' features; untrained when off
        double learned_weight = 0.0;
        SoftmaxModel learned_subtypes;  ///< every subtype, by index in subtype_names
        double learned_subtype_weight = 0.0;
        std::vector<std::string> subtype_names;
        std::vector<std::size_t> subtype_begin;  ///< by category: its first subtype's index
        std::vector<std::size_t> subtype_end;
        /// By feature: bit c set when some subtype of category c saw it. Only such tokens
        /// count for subtypes: a word every fault message has says nothing about which fault.
        std::vector<std::uint64_t> subtype_groups;
        TermMatcher keywords;
        std::vector<std::vector<std::size_t>> keyword_categories;  ///< by term id
        std::vector<std::size_t> regex_category;                   ///< by pattern index
        std::vector<std::string> regex_text;
        Shared(std::size_t classes, double smoothing) : bayes(classes, smoothing) {}
        std::size_t categories() const { return names.size(); }
    };

    /// Validates the configuration's scalars and names; lays out the classes.
    static std::shared_ptr<Shared> configure(const ClassifierConfig& config);
    /// The keywords and patterns; with `examples` (by category), requires some for every
    /// category but the fallback.
    void addRules(Shared& shared, const ClassifierConfig& config, const TextNormalizer& normalizer,
                  const std::vector<std::size_t>* examples);
    /// The learned models' weights in the score, as configured.
    static void setLearnedWeights(Shared& shared, const ClassifierConfig& config);

    std::shared_ptr<const Shared> shared_;
    RegexSet regexes_;
    std::vector<TermMatch> hits_;                ///< scratch
    std::vector<char> seen_;                     ///< scratch, by term id
    std::vector<double> score_;                  ///< scratch, by class (categories, then subtypes)
    std::vector<double> subtype_score_;          ///< scratch
    std::vector<std::uint32_t> subtype_tokens_;  ///< by category: tokens its subtypes know
    std::vector<double> posterior_;              ///< by category
    std::vector<std::uint32_t> features_;        ///< scratch: the message's distinct features
    std::vector<std::uint32_t> token_features_;  ///< scratch: its tokens' features, in order
    std::vector<double> logits_;                 ///< scratch: the learned model's, by category
    std::vector<double> subtype_logits_;         ///< scratch: the learned subtypes', by subtype
};

}  // namespace ccd::routing
