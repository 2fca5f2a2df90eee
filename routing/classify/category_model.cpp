#include "routing/classify/category_model.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>

#include "routing/classify/model_bytes.hpp"
#include "routing/classify/text_normalizer.hpp"
#include "routing/classify/tokenizer.hpp"

namespace ccd::routing {
namespace {

constexpr std::size_t kTokenEvidence = 5;  // strongest tokens reported with `explain`

// Appends the kTokenEvidence strongest of `tokens` (each token once) to `evidence`.
void appendStrongest(std::vector<Evidence>& tokens, std::vector<Evidence>& evidence) {
    std::sort(tokens.begin(), tokens.end(),
              [](const Evidence& a, const Evidence& b) { return a.weight > b.weight; });
    tokens.erase(
        std::unique(tokens.begin(), tokens.end(),
                    [](const Evidence& a, const Evidence& b) { return a.feature == b.feature; }),
        tokens.end());
    if (tokens.size() > kTokenEvidence) tokens.resize(kTokenEvidence);
    evidence.insert(evidence.end(), tokens.begin(), tokens.end());
}

void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
}

bool knownLanguage(const std::string& tag) {
    return tag == "en" || tag == "zh-Hans" || tag == "zh-Hant";
}

}  // namespace

std::shared_ptr<CategoryModel::Shared> CategoryModel::configure(const ClassifierConfig& config) {
    require(!config.categories.empty(), "classification: no categories");
    require(config.confidence_threshold >= 0.0 && config.confidence_threshold <= 1.0,
            "classification: confidence_threshold must be within 0..1");
    require(config.keyword_weight >= 0.0, "classification: keyword_weight must be >= 0");
    require(config.regex_weight >= 0.0, "classification: regex_weight must be >= 0");
    require(config.subtype_weight >= 0.0, "classification: subtype_weight must be >= 0");
    require(config.temperature > 0.0, "classification: temperature must be > 0");
    require(config.smoothing > 0.0, "classification: smoothing must be > 0");
    require(config.categories.size() <= 64, "classification: at most 64 categories");
    require(!config.learned_category.weight || *config.learned_category.weight > 0.0,
            "classification: learned_category weight must be > 0");

    std::size_t subtype_count = 0;
    for (const CategoryDef& def : config.categories) subtype_count += def.subtypes.size();
    auto shared =
        std::make_shared<Shared>(config.categories.size() + subtype_count, config.smoothing);
    shared->threshold = config.confidence_threshold;
    shared->keyword_weight = config.keyword_weight;
    shared->regex_weight = config.regex_weight;
    shared->subtype_weight = config.subtype_weight;
    shared->temperature = config.temperature;

    std::set<std::string> seen;
    bool fallback_found = false;
    for (std::size_t c = 0; c < config.categories.size(); ++c) {
        const CategoryDef& def = config.categories[c];
        require(!def.name.empty(), "classification: category without a name");
        require(seen.insert(def.name).second,
                "classification: duplicate category '" + def.name + "'");
        shared->names.push_back(def.name);
        if (def.name == config.fallback_category) {
            shared->fallback = c;
            fallback_found = true;
        }
    }
    require(fallback_found, "classification: fallback_category '" + config.fallback_category +
                                "' is not a category");
    if (!config.safety_category.empty()) {
        const auto it =
            std::find(shared->names.begin(), shared->names.end(), config.safety_category);
        require(it != shared->names.end(), "classification: safety_category '" +
                                               config.safety_category + "' is not a category");
        require(config.safety_weight >= 0.0, "classification: safety_weight must be >= 0");
        shared->safety_category = static_cast<std::size_t>(it - shared->names.begin());
        shared->safety_weight = config.safety_weight;
    }

    // Subtype classes follow the categories, each category's together.
    const std::size_t n = config.categories.size();
    for (const CategoryDef& def : config.categories) {
        shared->subtype_begin.push_back(n + shared->subtype_names.size());
        for (const auto& sub : def.subtypes) shared->subtype_names.push_back(sub.name);
        shared->subtype_end.push_back(n + shared->subtype_names.size());
    }
    return shared;
}

void CategoryModel::addRules(Shared& shared, const ClassifierConfig& config,
                             const TextNormalizer& normalizer,
                             const std::vector<std::size_t>* examples) {
    std::vector<icu::UnicodeString> patterns;
    for (std::size_t c = 0; c < config.categories.size(); ++c) {
        const CategoryDef& def = config.categories[c];
        if (examples != nullptr) {
            require((*examples)[c] > 0 || c == shared.fallback,
                    "category '" + def.name + "' has no examples");
        }
        for (const auto& keyword : def.keywords) {
            std::uint32_t id = 0;
            try {
                id = shared.keywords.add(normalizer.normalize(keyword));
            } catch (const std::invalid_argument&) {
                throw std::invalid_argument("category '" + def.name + "': empty keyword");
            }
            if (id >= shared.keyword_categories.size()) {
                shared.keyword_categories.resize(id + 1);
            }
            auto& owners = shared.keyword_categories[id];
            if (std::find(owners.begin(), owners.end(), c) == owners.end()) owners.push_back(c);
        }
        for (const auto& re : def.regexes) {
            icu::UnicodeString p = icu::UnicodeString::fromUTF8(re);
            normalizer.foldHan(p);
            patterns.push_back(p);
            shared.regex_category.push_back(c);
            shared.regex_text.push_back(re);
        }
    }
    shared.keywords.build();
    try {
        regexes_ = RegexSet(patterns);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("classification: ") + e.what());
    }
}

CategoryModel::CategoryModel(const ClassifierConfig& config, const TextNormalizer& normalizer,
                             Tokenizer& tokenizer,
                             const std::vector<std::vector<std::string>>& corpus_tokens) {
    require(corpus_tokens.size() == config.corpus.size(),
            "classification: the corpus's tokens do not match its sentences");
    const std::shared_ptr<Shared> shared = configure(config);
    const std::size_t n = config.categories.size();
    constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    // Every training example's category and tokens, for the learned model after naive Bayes.
    struct LearnedExample {
        std::size_t category;
        std::size_t subtype;  ///< class index of the subtype, or kNone
        const std::vector<std::string>* tokens;  ///< in example_tokens or corpus_tokens
    };
    std::deque<std::vector<std::string>> example_tokens;  // the configured examples' tokens
    std::vector<LearnedExample> learned_examples;
    const bool learn = config.learned_category.weight.has_value();
    // Trains category `c`, and subtype class `sub` (kNone when none), on the example lists.
    const auto train = [&](std::size_t c, std::size_t sub, const std::string& owner,
                           const std::map<std::string, std::vector<std::string>>& examples) {
        std::size_t count = 0;
        for (const auto& [language, texts] : examples) {
            require(knownLanguage(language),
                    owner + ": unknown example language '" + language + "' (en, zh-Hans, zh-Hant)");
            for (const auto& text : texts) {
                auto& tokens = example_tokens.emplace_back();
                tokenizer.tokenize(normalizer.normalize(text), tokens);
                shared->bayes.add(c, tokens);
                if (sub != kNone) shared->bayes.add(sub, tokens);
                if (learn) learned_examples.push_back({c, sub, &tokens});
                ++count;
            }
        }
        return count;
    };
    std::vector<std::size_t> examples(n, 0);
    for (std::size_t c = 0; c < n; ++c) {
        const CategoryDef& def = config.categories[c];
        examples[c] += train(c, kNone, "category '" + def.name + "'", def.examples);
        for (std::size_t s = 0; s < def.subtypes.size(); ++s) {
            examples[c] +=
                train(c, shared->subtype_begin[c] + s, "subtype '" + def.subtypes[s].name + "'",
                      def.subtypes[s].examples);
        }
    }
    for (std::size_t i = 0; i < config.corpus.size(); ++i) {
        const LabelledText& sentence = config.corpus[i];
        const auto it = std::find(shared->names.begin(), shared->names.end(), sentence.category);
        require(it != shared->names.end(),
                "classification corpus: no category named '" + sentence.category + "'");
        const auto c = static_cast<std::size_t>(it - shared->names.begin());
        std::size_t sub = kNone;
        if (!sentence.subtype.empty()) {
            const auto& subs = config.categories[c].subtypes;
            const auto s = std::find_if(subs.begin(), subs.end(), [&](const SubtypeDef& d) {
                return d.name == sentence.subtype;
            });
            require(s != subs.end(), "classification corpus: category '" + sentence.category +
                                         "' has no subtype '" + sentence.subtype + "'");
            sub = shared->subtype_begin[c] + static_cast<std::size_t>(s - subs.begin());
        }
        require(knownLanguage(sentence.language), "classification corpus: unknown language '" +
                                                      sentence.language +
                                                      "' (en, zh-Hans, zh-Hant)");
        shared->bayes.add(c, corpus_tokens[i]);
        if (sub != kNone) shared->bayes.add(sub, corpus_tokens[i]);
        if (learn) learned_examples.push_back({c, sub, &corpus_tokens[i]});
        ++examples[c];
    }

    addRules(*shared, config, normalizer, &examples);
    shared->bayes.train();
    if (learn) {
        std::vector<SoftmaxModel::Example> rows;
        std::vector<SoftmaxModel::Example> subtype_rows;
        rows.reserve(learned_examples.size());
        for (const LearnedExample& e : learned_examples) {
            SoftmaxModel::Example row;
            row.label = e.category;
            for (const auto& t : *e.tokens) row.features.push_back(shared->bayes.feature(t));
            std::sort(row.features.begin(), row.features.end());
            row.features.erase(std::unique(row.features.begin(), row.features.end()),
                               row.features.end());
            if (e.subtype != kNone) {
                // Against the other subtypes of its category only: the category is decided
                // first, and only its subtypes are scored.
                const std::size_t first = shared->subtype_begin[e.category] - n;
                const std::size_t count = shared->subtype_end[e.category] - n - first;
                subtype_rows.push_back({row.features, e.subtype - n, first, count});
            }
            rows.push_back(std::move(row));
        }
        if (config.learned_category.subtype_weight > 0.0) {
            shared->learned_subtypes = SoftmaxModel(
                shared->subtype_names.size(), shared->bayes.vocabularySize(), subtype_rows,
                config.learned_category.l2, config.learned_category.epochs);
        }
        shared->learned = SoftmaxModel(n, shared->bayes.vocabularySize(), rows,
                                       config.learned_category.l2, config.learned_category.epochs);
    }
    setLearnedWeights(*shared, config);
    shared->subtype_groups.assign(shared->bayes.vocabularySize(), 0);
    for (std::uint32_t f = 0; f < shared->subtype_groups.size(); ++f) {
        for (std::size_t c = 0; c < n; ++c) {
            for (std::size_t i = shared->subtype_begin[c]; i < shared->subtype_end[c]; ++i) {
                if (shared->bayes.seen(f, i)) shared->subtype_groups[f] |= std::uint64_t{1} << c;
            }
        }
    }
    shared_ = shared;
}

CategoryModel::CategoryModel(const ClassifierConfig& config, const TextNormalizer& normalizer,
                             ModelReader& in) {
    const std::shared_ptr<Shared> shared = configure(config);
    addRules(*shared, config, normalizer, nullptr);
    shared->bayes = NaiveBayes::restore(in, shared->bayes.classes(), config.smoothing);
    const std::size_t vocabulary = shared->bayes.vocabularySize();
    shared->learned = SoftmaxModel::restore(in, shared->names.size(), vocabulary);
    shared->learned_subtypes = SoftmaxModel::restore(in, shared->subtype_names.size(), vocabulary);
    shared->subtype_groups = in.array<std::uint64_t>();
    if (shared->subtype_groups.size() != vocabulary) {
        ModelReader::fail("category model: subtype groups of the wrong size");
    }
    setLearnedWeights(*shared, config);
    shared_ = shared;
}

void CategoryModel::setLearnedWeights(Shared& shared, const ClassifierConfig& config) {
    if (!config.learned_category.weight) return;
    shared.learned_weight = *config.learned_category.weight;
    if (config.learned_category.subtype_weight > 0.0) {
        shared.learned_subtype_weight = config.learned_category.subtype_weight;
    }
}

void CategoryModel::save(ModelWriter& out) const {
    const Shared& sh = *shared_;
    sh.bayes.save(out);
    sh.learned.save(out);
    sh.learned_subtypes.save(out);
    out.array(sh.subtype_groups);
}

void CategoryModel::attachTo(TermPass& pass) const {
    pass.attach(shared_->keywords);
    regexes_.attachTo(pass);
}

CategoryDecision CategoryModel::decide(const icu::UnicodeString& text,
                                       const std::vector<std::string>& tokens, bool hazard,
                                       std::vector<Evidence>* evidence, const TermScan* scan) {
    const Shared& sh = *shared_;
    const std::size_t n = sh.names.size();
    score_.assign(sh.bayes.classes(), 0.0);
    subtype_tokens_.assign(n, 0);
    token_features_.clear();
    for (const auto& token : tokens) {
        const std::uint32_t f = sh.bayes.feature(token);
        if (f != NaiveBayes::kNoFeature) token_features_.push_back(f);
    }
    // The rows are far apart in a table of megabytes: each is asked for a few tokens ahead.
    constexpr std::size_t kAhead = 8;
    for (std::size_t t = 0; t < token_features_.size(); ++t) {
        if (t + kAhead < token_features_.size()) {
            __builtin_prefetch(sh.bayes.row(token_features_[t + kAhead]));
        }
        const std::uint32_t f = token_features_[t];
        const double* row = sh.bayes.row(f);
        for (std::size_t c = 0; c < n; ++c) score_[c] += row[c];
        // The subtypes' sums wait for decideSubtype(), which needs only the chosen category's.
        for (std::uint64_t groups = sh.subtype_groups[f]; groups != 0; groups &= groups - 1) {
            ++subtype_tokens_[static_cast<std::size_t>(__builtin_ctzll(groups))];
        }
    }
    for (std::size_t c = 0; c < n; ++c) score_[c] /= sh.temperature;
    // The learned models take each feature once (decideSubtype uses features_ too).
    features_ = token_features_;
    std::sort(features_.begin(), features_.end());
    features_.erase(std::unique(features_.begin(), features_.end()), features_.end());
    if (sh.learned.trained()) {
        logits_.assign(n, 0.0);
        sh.learned.addLogits(features_, logits_.data());
        for (std::size_t c = 0; c < n; ++c) score_[c] += sh.learned_weight * logits_[c];
    }

    std::vector<Evidence> rules;  // stays empty unless explaining
    hits_.clear();
    findTerms(sh.keywords, text, scan, hits_);
    seen_.resize(sh.keywords.size(), 0);
    for (const TermMatch& hit : hits_) {
        if (seen_[hit.term]) continue;
        seen_[hit.term] = 1;
        for (const std::size_t c : sh.keyword_categories[hit.term]) {
            score_[c] += sh.keyword_weight;
            if (evidence != nullptr) {
                rules.push_back(
                    {sh.names[c] + " kw:" + sh.keywords.term(hit.term), sh.keyword_weight});
            }
        }
    }
    for (const TermMatch& hit : hits_) seen_[hit.term] = 0;
    for (const std::uint32_t i : regexes_.candidates(text, scan)) {
        if (!regexes_.findCandidate(i, text)) continue;
        const std::size_t c = sh.regex_category[i];
        score_[c] += sh.regex_weight;
        if (evidence != nullptr) {
            rules.push_back({sh.names[c] + " re:" + sh.regex_text[i], sh.regex_weight});
        }
    }

    if (hazard && sh.safety_weight > 0.0) {
        score_[sh.safety_category] += sh.safety_weight;
        if (evidence != nullptr) {
            rules.push_back({sh.names[sh.safety_category] + " safety", sh.safety_weight});
        }
    }

    // Softmax, shifted by the maximum for numerical safety.
    const double best = *std::max_element(score_.begin(), score_.begin() + n);
    posterior_.assign(n, 0.0);
    double sum = 0.0;
    for (std::size_t c = 0; c < n; ++c) {
        posterior_[c] = std::exp(score_[c] - best);
        sum += posterior_[c];
    }
    CategoryDecision d;
    for (std::size_t c = 0; c < n; ++c) {
        posterior_[c] /= sum;
        if (posterior_[c] > posterior_[d.top]) d.top = c;
    }
    d.confidence = posterior_[d.top];
    d.category = d.confidence >= sh.threshold ? d.top : sh.fallback;

    if (evidence != nullptr) {
        const std::string prefix = sh.names[d.top] + " ";
        for (auto& r : rules) {
            if (r.feature.compare(0, prefix.size(), prefix) == 0) {
                evidence->push_back({r.feature.substr(prefix.size()), r.weight});
            }
        }
        // Tokens by how much more likely they are under the top category than under the
        // runner-up for that token.
        std::vector<Evidence> token_evidence;
        for (const auto& token : tokens) {
            const double* row = sh.bayes.logLikelihoods(token);
            if (row == nullptr) continue;
            double other = -1e300;
            for (std::size_t c = 0; c < n; ++c) {  // categories only
                if (c != d.top) other = std::max(other, row[c]);
            }
            const double margin = row[d.top] - other;
            if (margin > 0) token_evidence.push_back({"nb:" + token, margin});
        }
        appendStrongest(token_evidence, *evidence);
        if (sh.learned.trained()) {
            // The learned model's side: tokens by how much more their weight favours the top
            // category than the next best for that token.
            std::vector<Evidence> learned_evidence;
            for (const auto& token : tokens) {
                const std::uint32_t f = sh.bayes.feature(token);
                if (f == NaiveBayes::kNoFeature) continue;
                double other = -1e300;
                for (std::size_t c = 0; c < n; ++c) {
                    if (c != d.top) other = std::max(other, sh.learned.weight(f, c));
                }
                const double margin = sh.learned.weight(f, d.top) - other;
                if (margin > 0) learned_evidence.push_back({"learned:" + token, margin});
            }
            appendStrongest(learned_evidence, *evidence);
        }
    }
    return d;
}

}  // namespace ccd::routing

namespace ccd::routing {

SubtypeDecision CategoryModel::decideSubtype(std::size_t category,
                                             const std::vector<std::string>& matched,
                                             const std::vector<std::string>& tokens,
                                             std::vector<Evidence>* evidence) {
    const Shared& sh = *shared_;
    const std::size_t begin = sh.subtype_begin[category];
    const std::size_t end = sh.subtype_end[category];
    SubtypeDecision d;
    if (begin == end) return d;
    const std::size_t n = sh.names.size();
    // The naive Bayes sums of this category's subtypes, token by token as decide() saw them.
    std::fill(score_.begin() + static_cast<std::ptrdiff_t>(begin),
              score_.begin() + static_cast<std::ptrdiff_t>(end), 0.0);
    for (const std::uint32_t f : token_features_) {
        if ((sh.subtype_groups[f] >> category & 1) == 0) continue;
        const double* row = sh.bayes.row(f);
        for (std::size_t i = begin; i < end; ++i) score_[i] += row[i];
    }
    subtype_score_.assign(end - begin, 0.0);
    if (sh.learned_subtypes.trained()) {
        subtype_logits_.assign(end - begin, 0.0);
        sh.learned_subtypes.addLogits(features_, subtype_logits_.data(), begin - n, end - begin);
    }
    // No evidence at all: no subtype, rather than the first one.
    bool any = subtype_tokens_[category] > 0;
    for (std::size_t i = begin; i < end; ++i) {
        double& s = subtype_score_[i - begin];
        s = score_[i] / sh.temperature;
        if (sh.learned_subtypes.trained()) {
            s += sh.learned_subtype_weight * subtype_logits_[i - begin];
        }
        const std::string& name = sh.subtype_names[i - n];
        if (std::find(matched.begin(), matched.end(), name) != matched.end()) {
            s += sh.subtype_weight;
            any = true;
        }
    }
    if (!any) return d;
    const double best = *std::max_element(subtype_score_.begin(), subtype_score_.end());
    double sum = 0.0;
    for (double& s : subtype_score_) sum += (s = std::exp(s - best));
    std::size_t top = 0;
    std::size_t second = end - begin;
    for (std::size_t i = 0; i < subtype_score_.size(); ++i) {
        subtype_score_[i] /= sum;
        if (subtype_score_[i] > subtype_score_[top]) top = i;
    }
    for (std::size_t i = 0; i < subtype_score_.size(); ++i) {
        if (i != top && (second == end - begin || subtype_score_[i] > subtype_score_[second]))
            second = i;
    }
    d.name = &sh.subtype_names[begin - n + top];
    d.confidence = subtype_score_[top];
    if (second != end - begin) {
        d.runner_up = &sh.subtype_names[begin - n + second];
        d.runner_up_confidence = subtype_score_[second];
    }
    if (evidence != nullptr) {
        std::vector<Evidence> strongest;
        for (const auto& token : tokens) {
            const std::uint32_t f = sh.bayes.feature(token);
            if (f == NaiveBayes::kNoFeature) continue;
            if ((sh.subtype_groups[f] >> category & 1) == 0) continue;
            const double* row = sh.bayes.row(f);
            double other = -1e300;
            for (std::size_t i = begin; i < end; ++i) {
                if (i != begin + top) other = std::max(other, row[i]);
            }
            const double margin = row[begin + top] - other;
            if (margin > 0) strongest.push_back({"subtype:nb:" + token, margin});
        }
        appendStrongest(strongest, *evidence);
    }
    return d;
}

}  // namespace ccd::routing
