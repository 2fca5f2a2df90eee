#include "routing/classify/urgency_model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_map>

#include "routing/classify/model_bytes.hpp"

namespace ccd::routing {
namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

std::vector<UrgencyModel::ExampleRef> refsTo(const std::vector<UrgencyModel::Example>& examples) {
    std::vector<UrgencyModel::ExampleRef> out;
    out.reserve(examples.size());
    for (const auto& e : examples) out.push_back({&e.tokens, e.urgent});
    return out;
}

}  // namespace

std::uint32_t UrgencyModel::find(const std::string& token) const {
    if (slots_.empty()) return kNone;
    const std::size_t hash = std::hash<std::string>{}(token);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.feature == kNone) return kNone;
        if (slot.hash == hash && names_[slot.feature] == token) return slot.feature;
    }
}

// The distinct known features of `tokens`.
std::vector<std::uint32_t> UrgencyModel::featuresOf(const std::vector<std::string>& tokens) const {
    std::vector<std::uint32_t> out;
    out.reserve(tokens.size());
    for (const auto& t : tokens) {
        const std::uint32_t f = find(t);
        if (f != kNone) out.push_back(f);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

UrgencyModel::UrgencyModel(const std::vector<Example>& examples, double l2, int epochs,
                           std::optional<double> max_weight)
    : UrgencyModel(refsTo(examples), l2, epochs, max_weight) {}

UrgencyModel::UrgencyModel(const std::vector<ExampleRef>& examples, double l2, int epochs,
                           std::optional<double> max_weight) {
    {
        std::unordered_map<std::string, std::uint32_t> index;
        for (const auto& e : examples) {
            for (const auto& t : *e.tokens) {
                if (index.emplace(t, static_cast<std::uint32_t>(names_.size())).second)
                    names_.push_back(t);
            }
        }
    }
    index();
    std::vector<std::vector<std::uint32_t>> rows;
    std::vector<double> labels;
    std::size_t urgent = 0;
    for (const auto& e : examples) {
        rows.push_back(featuresOf(*e.tokens));
        labels.push_back(e.urgent ? 1.0 : 0.0);
        urgent += e.urgent ? 1 : 0;
    }
    if (urgent == 0 || urgent == examples.size()) return;  // one class only: nothing to learn
    weights_.assign(names_.size(), 0.0);
    // Each class weighs as much as the other, whatever their counts.
    const double n = static_cast<double>(examples.size());
    const double w_urgent = n / (2.0 * static_cast<double>(urgent));
    const double w_other = n / (2.0 * (n - static_cast<double>(urgent)));
    std::vector<std::size_t> order(rows.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937 shuffle(17);
    // Averaged SGD: the model is the mean of the weights after every step of the second half
    // of the epochs, not the last step's. With a step size still large at the end, the last
    // weights followed the last few hundred sentences of the shuffled order, and the model
    // moved with the number of epochs and with any sentence added to the corpus (15 epochs
    // lost three dev P1s that 10 found, and the other way round one corpus batch later). The
    // mean is kept without touching every weight at every step: `stepped` collects each
    // change times the number of averaged steps before it (below).
    const int average_from = epochs / 2;
    std::vector<double> stepped;  // sum over the averaged steps j of (j - 1) * change
    double bias_stepped = 0.0;
    double step = 0.0;  // averaged steps taken
    for (int epoch = 0; epoch < epochs; ++epoch) {
        if (epoch == average_from) stepped.assign(weights_.size(), 0.0);
        const bool averaging = epoch >= average_from;
        std::shuffle(order.begin(), order.end(), shuffle);
        const double rate = 0.5 / (1.0 + 0.1 * epoch);
        for (const std::size_t i : order) {
            double z = bias_;
            for (const auto f : rows[i]) z += weights_[f];
            const double gradient =
                (sigmoid(z) - labels[i]) * (labels[i] > 0.5 ? w_urgent : w_other);
            bias_ -= rate * gradient;
            if (averaging) bias_stepped -= step * rate * gradient;
            for (const auto f : rows[i]) {
                const double change = -rate * (gradient + l2 * weights_[f]);
                weights_[f] += change;
                if (averaging) stepped[f] += step * change;
            }
            if (averaging) step += 1.0;
        }
    }
    if (step > 0.0) {
        // After step k the weights are start + the changes c_1..c_k; their mean over k = 1..K
        // is start + sum of c_j * (K - j + 1) / K = final - sum of c_j * (j - 1) / K.
        for (std::size_t f = 0; f < weights_.size(); ++f) weights_[f] -= stepped[f] / step;
        bias_ -= bias_stepped / step;
    }
    if (max_weight) {
        for (double& w : weights_) w = std::clamp(w, -*max_weight, *max_weight);
    }
    trained_ = true;
}

void UrgencyModel::index() {
    std::size_t size = 16;
    while (size < 2 * names_.size()) size *= 2;
    slots_.assign(size, Slot{});
    for (std::uint32_t f = 0; f < names_.size(); ++f) {
        const std::size_t hash = std::hash<std::string>{}(names_[f]);
        std::size_t i = hash & (size - 1);
        while (slots_[i].feature != kNone) i = (i + 1) & (size - 1);
        slots_[i] = {hash, f};
    }
}

void UrgencyModel::save(ModelWriter& out) const {
    out.flag(trained_);
    out.strings(names_);
    out.array(weights_);
    out.f64(bias_);
}

UrgencyModel UrgencyModel::restore(ModelReader& in) {
    UrgencyModel out;
    out.trained_ = in.flag();
    out.names_ = in.strings();
    out.weights_ = in.array<double>();
    out.bias_ = in.f64();
    if (out.names_.size() >= kNone || (out.trained_ && out.weights_.size() != out.names_.size())) {
        ModelReader::fail("urgency model: tables of the wrong size");
    }
    out.index();
    return out;
}

double UrgencyModel::weight(const std::string& token) const {
    if (!trained_) return 0.0;
    const std::uint32_t f = find(token);
    return f == kNone ? 0.0 : weights_[f];
}

double UrgencyModel::probability(const std::vector<std::string>& tokens) const {
    if (!trained_) return 0.0;
    double z = bias_;
    for (const auto f : featuresOf(tokens)) z += weights_[f];
    return sigmoid(z);
}

double UrgencyModel::probability(const std::vector<std::string>& tokens,
                                 const std::vector<std::string>& more) const {
    if (!trained_) return 0.0;
    std::vector<std::uint32_t> features = featuresOf(tokens);
    for (const auto& t : more) {
        const std::uint32_t f = find(t);
        if (f != kNone) features.push_back(f);
    }
    std::sort(features.begin(), features.end());
    features.erase(std::unique(features.begin(), features.end()), features.end());
    double z = bias_;
    for (const auto f : features) z += weights_[f];
    return sigmoid(z);
}

std::vector<std::pair<std::string, double>> UrgencyModel::strongest(
    const std::vector<std::string>& tokens, std::size_t n) const {
    std::vector<std::pair<std::string, double>> out;
    if (!trained_) return out;
    for (const auto f : featuresOf(tokens)) {
        if (weights_[f] > 0.0) out.emplace_back(names_[f], weights_[f]);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    if (out.size() > n) out.resize(n);
    return out;
}

}  // namespace ccd::routing
