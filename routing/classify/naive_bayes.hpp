#pragma once
// A multinomial naive Bayes text model: trained once from example token lists, then scores
// token lists by log-likelihood per class.

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ccd::routing {

class ModelReader;
class ModelWriter;

/// Multinomial naive Bayes with additive (Lidstone) smoothing and uniform class priors (the
/// number of examples written per category says nothing about how often it occurs).
/// Thread safety: add() and train() on one thread; afterwards immutable and shareable.
class NaiveBayes {
  public:
    /// `classes` > 0; `smoothing` > 0 (1 is Laplace). Throws std::invalid_argument otherwise.
    NaiveBayes(std::size_t classes, double smoothing);

    /// Counts the distinct tokens of one example of class `cls` (< classes()), each once.
    /// Before train() only.
    void add(std::size_t cls, const std::vector<std::string>& tokens);

    /// Turns the counts into log-probabilities. Call once, after the last add().
    void train();

    /// Writes the trained model (after train()) for restore().
    void save(ModelWriter& out) const;
    /// The model save() wrote, trained; throws std::invalid_argument when the bytes are
    /// malformed or were written for another number of classes or smoothing.
    static NaiveBayes restore(ModelReader& in, std::size_t classes, double smoothing);

    /// Adds log P(tokens | c) to scores[c] for every class; tokens never seen in training are
    /// skipped (they would shift every class alike but for the smoothing denominators).
    /// `scores` must have classes() entries.
    void score(const std::vector<std::string>& tokens, std::vector<double>& scores) const;

    /// log P(token | c) for each class, or nullptr when the token was never seen in training.
    const double* logLikelihoods(const std::string& token) const;

    /// A trained token's feature number (< vocabularySize()), or kNoFeature.
    static constexpr std::uint32_t kNoFeature = 0xFFFFFFFFu;
    std::uint32_t feature(const std::string& token) const {
        return trained_ ? static_cast<std::uint32_t>(find(token)) : kNoFeature;
    }
    /// The token of a feature (< vocabularySize()), after train().
    const std::string& token(std::uint32_t feature) const { return keys_[feature]; }
    /// log P(feature | c) for each class, after train().
    const double* row(std::uint32_t feature) const { return &table_[feature * classes_]; }
    /// Whether class `cls` saw `feature` in training.
    bool seen(std::uint32_t feature, std::size_t cls) const {
        return table_[feature * classes_ + cls] > unseen_[cls];
    }

    std::size_t classes() const { return classes_; }
    std::size_t vocabularySize() const { return trained_ ? keys_.size() : index_.size(); }
    /// Number of examples added for `cls`.
    std::size_t examples(std::size_t cls) const { return examples_[cls]; }

  private:
    std::size_t classes_;
    double smoothing_;
    bool trained_ = false;
    std::unordered_map<std::string, std::size_t> index_;  ///< before train(): token -> feature
    /// After train(): open addressing over (hash, feature), for lookups without the node
    /// chasing of unordered_map; a feature's key is in keys_.
    struct Slot {
        std::size_t hash = 0;
        std::uint32_t feature = kEmpty;
    };
    static constexpr std::uint32_t kEmpty = kNoFeature;
    std::vector<Slot> slots_;
    std::vector<std::string> keys_;
    std::size_t find(const std::string& token) const;
    /// Fills slots_ from keys_ (after train() or restore()).
    void index();
    /// Before train(): each example's distinct (feature, class) pairs, counted at train().
    std::vector<std::pair<std::uint32_t, std::uint32_t>> counts_;
    std::vector<double> table_;  ///< [feature * classes_ + c]: log-probabilities, after train()
    std::vector<double> totals_;
    std::vector<double> unseen_;  ///< by class: log P of a token the class never saw, + margin
    std::vector<std::size_t> examples_;
};

}  // namespace ccd::routing
