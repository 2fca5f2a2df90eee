#include "routing/classify/softmax_model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "routing/classify/model_bytes.hpp"

namespace ccd::routing {

SoftmaxModel::SoftmaxModel(std::size_t classes, std::size_t features,
                           const std::vector<Example>& examples, double l2, int epochs)
    : classes_(classes) {
    if (classes < 2 || examples.empty()) return;
    // Each class weighs as much as the others of its group: n_group / (classes * n_class).
    std::vector<double> count(classes, 0.0);
    for (const Example& e : examples) count[e.label] += 1.0;
    std::vector<double> class_weight(classes, 0.0);
    for (const Example& e : examples) {
        if (class_weight[e.label] != 0.0) continue;
        const std::size_t first = e.count == 0 ? 0 : e.first;
        const std::size_t size = e.count == 0 ? classes : e.count;
        double group = 0.0;
        std::size_t present = 0;
        for (std::size_t k = first; k < first + size; ++k) {
            group += count[k];
            present += count[k] > 0.0 ? 1 : 0;
        }
        for (std::size_t k = first; k < first + size; ++k) {
            if (count[k] > 0.0) class_weight[k] = group / (static_cast<double>(present) * count[k]);
        }
    }
    weights_.assign(features * classes, 0.0f);
    bias_.assign(classes, 0.0);
    std::vector<std::size_t> order(examples.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937 shuffle(29);
    std::vector<double> p(classes);
    for (int epoch = 0; epoch < epochs; ++epoch) {
        std::shuffle(order.begin(), order.end(), shuffle);
        const double rate = 0.5 / (1.0 + 0.1 * epoch);
        const auto decay = static_cast<float>(rate * l2);
        for (const std::size_t i : order) {
            const Example& e = examples[i];
            const std::size_t first = e.count == 0 ? 0 : e.first;
            const std::size_t size = e.count == 0 ? classes : e.count;
            std::fill(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(size), 0.0);
            addLogits(e.features, p.data(), first, size);
            const double top =
                *std::max_element(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(size));
            double sum = 0.0;
            for (std::size_t k = 0; k < size; ++k) sum += (p[k] = std::exp(p[k] - top));
            const double scale = rate * class_weight[e.label];
            for (std::size_t k = 0; k < size; ++k) {
                // d(-log p_label)/d(logit_k) = p_k - [k == label]
                const double g = (p[k] / sum - (first + k == e.label ? 1.0 : 0.0)) * scale;
                bias_[first + k] -= g;
                const auto gf = static_cast<float>(g);
                for (const std::uint32_t f : e.features) {
                    float& w = weights_[f * classes + first + k];
                    w -= gf + decay * w;
                }
            }
        }
    }
}

void SoftmaxModel::addLogits(const std::vector<std::uint32_t>& features, double* logits,
                             std::size_t first, std::size_t count) const {
    if (weights_.empty()) return;
    for (std::size_t k = 0; k < count; ++k) logits[k] += bias_[first + k];
    // The rows are far apart in a table of megabytes: each is asked for a few features ahead.
    constexpr std::size_t kAhead = 8;
    const std::size_t n = features.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) __builtin_prefetch(&weights_[features[i + kAhead] * classes_ + first]);
        const float* row = &weights_[features[i] * classes_ + first];
        for (std::size_t k = 0; k < count; ++k) logits[k] += row[k];
    }
}

void SoftmaxModel::save(ModelWriter& out) const {
    out.u64(classes_);
    out.array(weights_);
    out.array(bias_);
}

SoftmaxModel SoftmaxModel::restore(ModelReader& in, std::size_t classes, std::size_t features) {
    SoftmaxModel out;
    out.classes_ = static_cast<std::size_t>(in.u64());
    out.weights_ = in.array<float>();
    out.bias_ = in.array<double>();
    // An untrained model may have no classes (never configured) and has no weights.
    const bool fits = out.weights_.empty()
                          ? (out.classes_ == 0 || out.classes_ == classes) &&
                                (out.bias_.empty() || out.bias_.size() == classes)
                          : out.classes_ == classes && out.weights_.size() == features * classes &&
                                out.bias_.size() == classes;
    if (!fits) ModelReader::fail("softmax model: tables of the wrong size");
    return out;
}

}  // namespace ccd::routing
