#pragma once
// The learned urgency model (classification.learned_urgency): L2-regularised logistic
// regression over the distinct tokens of a message, trained at start-up on the corpus
// sentences labelled "urgent" (true: a safety hazard or someone depending on the product now;
// false: anything else, look-alikes included). It catches what the urgency lists cannot name:
// a chicken farm's incubator without power, a dental practice's compressor, a school canteen's
// steamer at noon.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ccd::routing {

class ModelReader;
class ModelWriter;

class UrgencyModel {
  public:
    struct Example {
        std::vector<std::string> tokens;
        bool urgent = false;
    };
    /// An example by reference: a corpus sentence's tokens are trained on without a copy.
    struct ExampleRef {
        const std::vector<std::string>* tokens = nullptr;
        bool urgent = false;
    };

    /// An untrained model: probability() is 0.
    UrgencyModel() = default;
    /// Trains on `examples` with stochastic gradient descent (`epochs` passes in a fixed,
    /// shuffled order: the same examples give the same model); the weights are the mean over
    /// every step of the second half of the epochs (averaged SGD). Then, with `max_weight`, every
    /// word's weight is clipped to [-max_weight, max_weight] (the bias is not).
    UrgencyModel(const std::vector<ExampleRef>& examples, double l2, int epochs,
                 std::optional<double> max_weight = std::nullopt);
    UrgencyModel(const std::vector<Example>& examples, double l2, int epochs,
                 std::optional<double> max_weight = std::nullopt);

    /// Writes the model for restore().
    void save(ModelWriter& out) const;
    /// The model save() wrote; throws std::invalid_argument when the bytes are malformed.
    static UrgencyModel restore(ModelReader& in);

    bool trained() const { return trained_; }

    /// P(urgent | tokens); tokens never seen in training count for nothing.
    double probability(const std::vector<std::string>& tokens) const;
    /// P(urgent | tokens and more), each distinct feature counted once: for a caller that
    /// adds features of its own without copying the tokens.
    double probability(const std::vector<std::string>& tokens,
                       const std::vector<std::string>& more) const;

    /// The model's weight of `token` (0 when never seen in training) and its bias: for a
    /// caller that indexes the weights by its own feature numbers, so that a message's tokens
    /// are looked up once for every model.
    double weight(const std::string& token) const;
    double bias() const { return bias_; }

    /// The `n` tokens of `tokens` that pushed hardest towards urgent, strongest first.
    std::vector<std::pair<std::string, double>> strongest(const std::vector<std::string>& tokens,
                                                          std::size_t n) const;

  private:
    /// A token's feature number, or kNone. Open addressing over (hash, feature): a message's
    /// tokens are looked up without the node chasing of unordered_map.
    static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
    std::uint32_t find(const std::string& token) const;
    std::vector<std::uint32_t> featuresOf(const std::vector<std::string>& tokens) const;
    /// Fills slots_ from names_.
    void index();
    struct Slot {
        std::size_t hash = 0;
        std::uint32_t feature = kNone;
    };
    std::vector<Slot> slots_;
    std::vector<std::string> names_;
    std::vector<double> weights_;
    double bias_ = 0.0;
    bool trained_ = false;
};

}  // namespace ccd::routing
