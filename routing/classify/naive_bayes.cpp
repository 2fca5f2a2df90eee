#include "routing/classify/naive_bayes.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "routing/classify/model_bytes.hpp"

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
    keys_.assign(index_.size(), std::string());
    for (auto& [key, feature] : index_) keys_[feature] = key;
    // From here on tokens are found through slots_ and keys_ alone.
    index_ = {};
    index();
    trained_ = true;
}

void NaiveBayes::index() {
    std::size_t capacity = 16;
    while (capacity < keys_.size() * 2) capacity *= 2;
    slots_.assign(capacity, Slot{});
    const std::hash<std::string> hasher;
    for (std::size_t feature = 0; feature < keys_.size(); ++feature) {
        const std::size_t h = hasher(keys_[feature]);
        std::size_t i = h & (capacity - 1);
        while (slots_[i].feature != kEmpty) i = (i + 1) & (capacity - 1);
        slots_[i] = Slot{h, static_cast<std::uint32_t>(feature)};
    }
}

void NaiveBayes::save(ModelWriter& out) const {
    if (!trained_) throw std::logic_error("NaiveBayes::save before train");
    out.u64(classes_);
    out.f64(smoothing_);
    out.strings(keys_);
    out.array(table_);
    out.array(totals_);
    out.array(unseen_);
    std::vector<std::uint64_t> examples(examples_.begin(), examples_.end());
    out.array(examples);
}

NaiveBayes NaiveBayes::restore(ModelReader& in, std::size_t classes, double smoothing) {
    NaiveBayes out(classes, smoothing);
    if (in.u64() != classes) ModelReader::fail("naive Bayes: another number of classes");
    // Compared bit for bit: another smoothing would have given other log-probabilities.
    const double stored = in.f64();
    if (std::memcmp(&stored, &smoothing, sizeof stored) != 0) {
        ModelReader::fail("naive Bayes: another smoothing");
    }
    out.keys_ = in.strings();
    if (out.keys_.size() >= kEmpty) ModelReader::fail("naive Bayes: too many features");
    out.table_ = in.array<double>();
    out.totals_ = in.array<double>();
    out.unseen_ = in.array<double>();
    const auto examples = in.array<std::uint64_t>();
    if (out.table_.size() / classes != out.keys_.size() || out.table_.size() % classes != 0 ||
        out.totals_.size() != classes || out.unseen_.size() != classes ||
        examples.size() != classes) {
        ModelReader::fail("naive Bayes: tables of the wrong size");
    }
    out.examples_.assign(examples.begin(), examples.end());
    out.index();
    out.trained_ = true;
    return out;
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
