#include "routing/classify/sentiment.hpp"

#include <unicode/uchar.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "routing/classify/han_tables.hpp"
#include "routing/classify/text_normalizer.hpp"

namespace ccd::routing {

std::string_view toString(Sentiment sentiment) {
    switch (sentiment) {
        case Sentiment::Negative:
            return "negative";
        case Sentiment::Positive:
            return "positive";
        case Sentiment::Neutral:
            break;
    }
    return "neutral";
}

namespace {

bool breaksClause(UChar32 c) { return c != '\'' && c != '-' && u_ispunct(c); }

// How far apart [gap_begin, gap_end) puts two phrases: Han characters plus Latin words;
// -1 when punctuation separates them.
int distance(const icu::UnicodeString& text, int32_t gap_begin, int32_t gap_end) {
    int n = 0;
    bool in_word = false;
    for (int32_t i = gap_begin; i < gap_end;) {
        const UChar32 c = text.char32At(i);
        i += U16_LENGTH(c);
        if (breaksClause(c)) return -1;
        if (HanTables::isHan(c)) {
            ++n;
            in_word = false;
        } else if (isWordCharacter(c)) {
            if (!in_word) ++n;
            in_word = true;
        } else {
            in_word = false;
        }
    }
    return n;
}

}  // namespace

SentimentAnalyzer::SentimentAnalyzer(const SentimentLexicon& lexicon,
                                     const TextNormalizer& normalizer)
    : window_(lexicon.negation_window),
      negated_negative_(lexicon.negated_negative_weight),
      band_(lexicon.neutral_band) {
    if (window_ < 0) throw std::invalid_argument("sentiment negation_window must be >= 0");
    if (!(band_ > 0.0)) throw std::invalid_argument("sentiment neutral_band must be > 0");
    const auto addAll = [&](const std::vector<std::string>& words, Role role, const char* list) {
        for (const auto& w : words) {
            std::uint32_t id = 0;
            try {
                id = terms_.add(normalizer.normalize(w));
            } catch (const std::invalid_argument&) {
                throw std::invalid_argument(std::string("sentiment ") + list + ": empty entry");
            }
            if (id < roles_.size()) {
                if (roles_[id] != role) {
                    throw std::invalid_argument("sentiment entry '" + w + "' is in " + list +
                                                " and in another list");
                }
                continue;
            }
            roles_.push_back(role);
        }
    };
    addAll(lexicon.positive, Role::Positive, "positive");
    addAll(lexicon.negative, Role::Negative, "negative");
    addAll(lexicon.negators, Role::Negator, "negators");
    addAll(lexicon.clause_breaks, Role::ClauseBreak, "clause_breaks");
    terms_.build();
}

SentimentResult SentimentAnalyzer::analyze(const icu::UnicodeString& text,
                                           std::vector<Evidence>* evidence,
                                           const TermScan* scan) const {
    std::vector<TermMatch> hits;
    findTerms(terms_, text, scan, hits);
    std::sort(hits.begin(), hits.end(), [](const TermMatch& a, const TermMatch& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
    });

    SentimentResult result;
    int32_t covered = 0;       // leftmost-longest: skip hits overlapping a taken one
    int32_t negator_end = -1;  // end of the negator still waiting for a word, or -1
    std::uint32_t negator = 0;  // its term (evidence only)
    for (const TermMatch& hit : hits) {
        if (hit.begin < covered) continue;
        covered = hit.end;
        const Role role = roles_[hit.term];
        if (role == Role::Negator) {
            negator_end = hit.end;
            negator = hit.term;
            continue;
        }
        if (role == Role::ClauseBreak) {
            negator_end = -1;
            continue;
        }
        bool negated = false;
        if (negator_end >= 0) {
            const int d = distance(text, negator_end, hit.begin);
            negated = d >= 0 && d <= window_;
            negator_end = -1;
        }
        double weight = 0.0;
        if (role == Role::Positive) {
            weight = negated ? -1.0 : 1.0;
        } else {
            weight = negated ? negated_negative_ : -1.0;
        }
        result.score += weight;
        if (evidence != nullptr) {
            const std::string word = terms_.term(hit.term);
            evidence->push_back(
                {"sentiment:" + (negated ? terms_.term(negator) + " " + word : word), weight});
        }
    }
    if (result.score >= band_) {
        result.sentiment = Sentiment::Positive;
    } else if (result.score <= -band_) {
        result.sentiment = Sentiment::Negative;
    }
    return result;
}

}  // namespace ccd::routing
