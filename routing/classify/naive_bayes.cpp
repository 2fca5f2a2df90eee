#include "routing/classify/naive_bayes.hpp"

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
    for (const auto& token : tokens) {
        auto [it, inserted] = index_.try_emplace(token, index_.size());
        if (inserted) table_.resize(table_.size() + classes_, 0.0);
        table_[it->second * classes_ + cls] += 1.0;
        totals_[cls] += 1.0;
    }
}

void NaiveBayes::train() {
    const double vocabulary = static_cast<double>(index_.size());
    for (std::size_t c = 0; c < classes_; ++c) {
        const double denominator = std::log(totals_[c] + smoothing_ * vocabulary);
        for (std::size_t f = 0; f < index_.size(); ++f) {
            double& cell = table_[f * classes_ + c];
            cell = std::log(cell + smoothing_) - denominator;
        }
    }
    // Lookups happen for every token of every message: keep the buckets short.
    index_.max_load_factor(0.5f);
    index_.rehash(0);
    trained_ = true;
}

void NaiveBayes::score(const std::vector<std::string>& tokens, std::vector<double>& scores) const {
    for (const auto& token : tokens) {
        const double* row = logLikelihoods(token);
        if (row == nullptr) continue;
        for (std::size_t c = 0; c < classes_; ++c) scores[c] += row[c];
    }
}

const double* NaiveBayes::logLikelihoods(const std::string& token) const {
    auto it = index_.find(token);
    if (it == index_.end() || !trained_) return nullptr;
    return &table_[it->second * classes_];
}

}  // namespace ccd::routing
