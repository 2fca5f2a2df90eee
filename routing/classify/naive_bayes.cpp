#include "routing/classify/naive_bayes.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ccd::routing {

NaiveBayes::NaiveBayes(std::size_t classes, double smoothing)
    : classes_(classes), smoothing_(smoothing), totals_(classes, 0.0), examples_(classes, 0) {
    if (classes == 0) throw std::invalid_argument("naive Bayes needs at least one class");
    if (!(smoothing > 0.0)) throw std::invalid_argument("smoothing must be positive");
}

void NaiveBayes::add(std::size_t cls, const std::vector<std::string>& tokens) {
    if (trained_) throw std::logic_error("NaiveBayes::add after train");
    if (cls >= classes_) throw std::out_of_range("naive Bayes class out of range");
    ++examples_[cls];
    // Binarized: a token counts once per example (a word repeated in one message is one
    // piece of evidence, not several). The counts go into the table at train(), sized once.
    const std::size_t first = counts_.size();
    for (const auto& token : tokens) {
        const auto it = index_.try_emplace(token, index_.size()).first;
        counts_.push_back({static_cast<std::uint32_t>(it->second), static_cast<std::uint32_t>(cls)});
    }
    const auto begin = counts_.begin() + static_cast<std::ptrdiff_t>(first);
    std::sort(begin, counts_.end());
    counts_.erase(std::unique(begin, counts_.end()), counts_.end());
    totals_[cls] += static_cast<double>(counts_.size() - first);
}

void NaiveBayes::train() {
    table_.assign(index_.size() * classes_, 0.0);
    for (const auto& [feature, cls] : counts_) table_[std::size_t{feature} * classes_ + cls] += 1.0;
    counts_.clear();
    counts_.shrink_to_fit();
    const double vocabulary = static_cast<double>(index_.size());
    unseen_.assign(classes_, 0.0);
    for (std::size_t c = 0; c < classes_; ++c) {
        const double denominator = std::log(totals_[c] + smoothing_ * vocabulary);
        // Half a count above the smoothing: a seen token's log-probability is above it.
        unseen_[c] = std::log(smoothing_ + 0.5) - denominator;
        for (std::size_t f = 0; f < index_.size(); ++f) {
            double& cell = table_[f * classes_ + c];
            cell = std::log(cell + smoothing_) - denominator;
        }
    }
    std::size_t capacity = 16;
    while (capacity < index_.size() * 2) capacity *= 2;
    slots_.assign(capacity, Slot{});
    keys_.assign(index_.size(), std::string());
    const std::hash<std::string> hasher;
    for (const auto& [key, feature] : index_) {
        const std::size_t h = hasher(key);
        std::size_t i = h & (capacity - 1);
        while (slots_[i].feature != kEmpty) i = (i + 1) & (capacity - 1);
        slots_[i] = Slot{h, static_cast<std::uint32_t>(feature)};
        keys_[feature] = key;
    }
    trained_ = true;
}

void NaiveBayes::score(const std::vector<std::string>& tokens, std::vector<double>& scores) const {
    for (const auto& token : tokens) {
        const double* row = logLikelihoods(token);
        if (row == nullptr) continue;
        for (std::size_t c = 0; c < classes_; ++c) scores[c] += row[c];
    }
}

std::size_t NaiveBayes::find(const std::string& token) const {
    const std::size_t h = std::hash<std::string>()(token);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.feature == kEmpty) return kEmpty;
        if (slot.hash == h && keys_[slot.feature] == token) return slot.feature;
    }
}

const double* NaiveBayes::logLikelihoods(const std::string& token) const {
    if (!trained_) return nullptr;
    const std::size_t feature = find(token);
    if (feature == kEmpty) return nullptr;
    return &table_[feature * classes_];
}

}  // namespace ccd::routing
