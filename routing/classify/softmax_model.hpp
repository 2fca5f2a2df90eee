#pragma once
// The learned category model (classification.learned_category): multinomial logistic
// regression (softmax) over the distinct naive Bayes features of a message, trained at
// start-up on the same examples and corpus as naive Bayes. Naive Bayes counts each word for
// itself; this model weighs words against each other, so a word every category uses ("please",
// "order") learns to count for little and a rare decisive one ("停机", "charged") for much.
//
// Classes may be split into groups, each its own softmax (the subtypes of one category): an
// example is trained against its group only, and a message is scored on one group.

#include <cstdint>
#include <vector>

namespace ccd::routing {

class ModelReader;
class ModelWriter;

class SoftmaxModel {
  public:
    struct Example {
        std::vector<std::uint32_t> features;  ///< distinct, each < features
        std::size_t label = 0;                ///< in [first, first + count)
        std::size_t first = 0;                ///< the label's group: its first class
        std::size_t count = 0;                ///< and its size; 0: every class
    };

    /// An untrained model: addLogits() adds nothing.
    SoftmaxModel() = default;
    /// Trains on `examples` by stochastic gradient descent with an L2 penalty, `epochs` passes
    /// in a fixed shuffled order (the same examples give the same model); each class weighs
    /// as much as the others, whatever their counts.
    SoftmaxModel(std::size_t classes, std::size_t features, const std::vector<Example>& examples,
                 double l2, int epochs);

    /// Writes the model (trained or not) for restore().
    void save(ModelWriter& out) const;
    /// The model save() wrote; throws std::invalid_argument when the bytes are malformed or
    /// a trained model is not one of `classes` classes over `features` features.
    static SoftmaxModel restore(ModelReader& in, std::size_t classes, std::size_t features);

    bool trained() const { return !weights_.empty(); }
    std::size_t classes() const { return classes_; }

    /// Adds the log-odds of classes [first, first + count) (bias plus the weights of
    /// `features`, which must be distinct) to logits[0..count).
    void addLogits(const std::vector<std::uint32_t>& features, double* logits, std::size_t first,
                   std::size_t count) const;
    /// The same for every class.
    void addLogits(const std::vector<std::uint32_t>& features, double* logits) const {
        addLogits(features, logits, 0, classes_);
    }

    /// Weight of `feature` for class `cls`.
    double weight(std::uint32_t feature, std::size_t cls) const {
        return weights_[feature * classes_ + cls];
    }

  private:
    std::size_t classes_ = 0;
    std::vector<float> weights_;  ///< [feature * classes_ + class]; float: half the cache
    std::vector<double> bias_;
};

}  // namespace ccd::routing
