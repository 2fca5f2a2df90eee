#include "routing/classify/list_precision.hpp"

#include <algorithm>
#include <stdexcept>

#include "routing/classify/model_bytes.hpp"
#include "routing/classify/text_normalizer.hpp"

namespace ccd::routing {
namespace {

// The marker kind whose phrases are no marker and cancel the markers inside them.
constexpr const char* kNotMarkers = "not_markers";

}  // namespace

ListPrecision::ListPrecision(const ListPrecisionDef& def, const TextNormalizer& normalizer)
    : threshold_(def.threshold.value_or(0.0)),
      words_threshold_(def.words_threshold.value_or(0.0)),
      l2_(def.l2),
      epochs_(def.epochs),
      window_(def.window) {
    for (const auto& [kind, phrases] : def.markers) {
        for (const auto& phrase : phrases) {
            const icu::UnicodeString normalized = normalizer.normalize(phrase);
            if (normalized.isEmpty()) {
                throw std::invalid_argument("list_precision marker '" + kind + "': empty phrase");
            }
            const std::uint32_t id = markers_.add(normalized);
            if (id >= kind_of_.size()) kind_of_.resize(id + 1);
            // a phrase in two kinds counts for the last
            kind_of_[id] = kind == kNotMarkers ? std::string() : "@" + kind;
        }
    }
    markers_.build();
}

void ListPrecision::contextFeatures(const icu::UnicodeString& text,
                                    const std::vector<std::string>& signals,
                                    const std::vector<std::pair<std::int32_t, std::int32_t>>& spans,
                                    std::vector<std::string>& features) const {
    for (const auto& s : signals) features.push_back("@sig:" + s);
    std::vector<TermMatch> hits;
    markers_.findAll(text, hits);
    if (hits.empty()) return;
    // Each trigger's neighbourhood: its sentence (the closing mark included, so that a
    // question mark counts), within window_ on either side. A pattern that matched no span
    // (a lookahead) has the whole text.
    std::vector<std::pair<std::int32_t, std::int32_t>> near;
    for (const auto& [b, e] : spans) {
        if (e <= b) {
            near.emplace_back(0, text.length());
            continue;
        }
        std::int32_t begin = b;
        while (begin > 0 && b - begin < window_ && !endsSentence(text.charAt(begin - 1))) --begin;
        std::int32_t end = e;
        while (end < text.length() && end - e < window_) {
            const bool mark = endsSentence(text.charAt(end));
            ++end;
            if (mark) break;
        }
        near.emplace_back(begin, end);
    }
    // The not_markers phrases found: a marker inside one of them does not count.
    std::vector<std::pair<std::int32_t, std::int32_t>> cancelled;
    for (const TermMatch& m : hits) {
        if (kind_of_[m.term].empty()) cancelled.emplace_back(m.begin, m.end);
    }
    const std::size_t first = features.size();
    for (const TermMatch& m : hits) {
        const std::string& kind = kind_of_[m.term];
        if (kind.empty()) continue;
        if (std::any_of(cancelled.begin(), cancelled.end(), [&m](const auto& c) {
                return m.begin >= c.first && m.end <= c.second;
            }))
            continue;
        features.push_back(kind);
        for (const auto& [b, e] : near) {
            if (m.begin >= b && m.end <= e) {
                features.push_back(kind + "~");
                break;
            }
        }
    }
    std::sort(features.begin() + static_cast<std::ptrdiff_t>(first), features.end());
    features.erase(std::unique(features.begin() + static_cast<std::ptrdiff_t>(first),
                               features.end()),
                   features.end());
}

icu::UnicodeString ListPrecision::neighbourhood(
    const icu::UnicodeString& text,
    const std::vector<std::pair<std::int32_t, std::int32_t>>& spans) const {
    auto part = neighbourhoodPart(text, spans);
    return part ? std::move(*part) : text;
}

std::optional<icu::UnicodeString> ListPrecision::neighbourhoodPart(
    const icu::UnicodeString& text,
    const std::vector<std::pair<std::int32_t, std::int32_t>>& spans) const {
    const std::int32_t length = text.length();
    // Sentence starts: 0 and each position after a closing mark.
    std::vector<std::int32_t> starts{0};
    for (std::int32_t i = 0; i < length; ++i) {
        if (endsSentence(text.charAt(i)) && i + 1 < length) starts.push_back(i + 1);
    }
    auto sentenceOf = [&starts](std::int32_t pos) {
        auto it = std::upper_bound(starts.begin(), starts.end(), pos);
        return static_cast<std::int32_t>(it - starts.begin()) - 1;
    };
    const auto count = static_cast<std::int32_t>(starts.size());
    std::vector<bool> keep(starts.size(), false);
    for (const auto& [b, e] : spans) {
        if (e <= b) return std::nullopt;
        const std::int32_t first = std::max(0, sentenceOf(b) - kSentencesAround);
        const std::int32_t last = std::min(count - 1, sentenceOf(e - 1) + kSentencesAround);
        for (std::int32_t s = first; s <= last; ++s) keep[static_cast<std::size_t>(s)] = true;
    }
    if (std::all_of(keep.begin(), keep.end(), [](bool k) { return k; })) return std::nullopt;
    icu::UnicodeString out;
    for (std::int32_t s = 0; s < count; ++s) {
        if (!keep[static_cast<std::size_t>(s)]) continue;
        const std::int32_t begin = starts[static_cast<std::size_t>(s)];
        const std::int32_t end = s + 1 < count ? starts[static_cast<std::size_t>(s) + 1] : length;
        if (!out.isEmpty()) out.append(u' ');
        out.append(text, begin, end - begin);
    }
    return out;
}

bool ListPrecision::vetoes(double p, const std::vector<std::string>& context) const {
    if (p >= threshold_) return false;
    if (p < words_threshold_) return true;  // the words alone say it is not there now
    return std::any_of(context.begin(), context.end(), [this](const std::string& f) {
        // near a trigger ("@KIND~"), and against presence
        return f.size() > 1 && f.back() == '~' && model_.weight(f) < 0.0;
    });
}

void ListPrecision::train(const std::vector<UrgencyModel::Example>& examples) {
    model_ = UrgencyModel(examples, l2_, epochs_);
}

void ListPrecision::save(ModelWriter& out) const { model_.save(out); }

void ListPrecision::restore(ModelReader& in) { model_ = UrgencyModel::restore(in); }

}  // namespace ccd::routing
