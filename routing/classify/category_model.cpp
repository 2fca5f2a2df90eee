#include "routing/classify/category_model.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "routing/classify/text_normalizer.hpp"
#include "routing/classify/tokenizer.hpp"

namespace ccd::routing {
namespace {

constexpr std::size_t kTokenEvidence = 5;  // strongest tokens reported with `explain`

void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
}

bool knownLanguage(const std::string& tag) {
    return tag == "en" || tag == "zh-Hans" || tag == "zh-Hant";
}

}  // namespace

CategoryModel::CategoryModel(const ClassifierConfig& config, const TextNormalizer& normalizer,
                             Tokenizer& tokenizer) {
    require(!config.categories.empty(), "classification: no categories");
    require(config.confidence_threshold >= 0.0 && config.confidence_threshold <= 1.0,
            "classification: confidence_threshold must be within 0..1");
    require(config.keyword_weight >= 0.0, "classification: keyword_weight must be >= 0");
    require(config.regex_weight >= 0.0, "classification: regex_weight must be >= 0");
    require(config.temperature > 0.0, "classification: temperature must be > 0");
    require(config.smoothing > 0.0, "classification: smoothing must be > 0");

    auto shared = std::make_shared<Shared>(config.categories.size(), config.smoothing);
    shared->threshold = config.confidence_threshold;
    shared->keyword_weight = config.keyword_weight;
    shared->regex_weight = config.regex_weight;
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

    std::vector<icu::UnicodeString> patterns;
    std::vector<std::string> tokens;
    for (std::size_t c = 0; c < config.categories.size(); ++c) {
        const CategoryDef& def = config.categories[c];
        std::size_t examples = 0;
        for (const auto& [language, texts] : def.examples) {
            require(knownLanguage(language), "category '" + def.name +
                                                 "': unknown example language '" + language +
                                                 "' (en, zh-Hans, zh-Hant)");
            for (const auto& text : texts) {
                tokenizer.tokenize(normalizer.normalize(text), tokens);
                shared->bayes.add(c, tokens);
                ++examples;
            }
        }
        require(examples > 0 || c == shared->fallback,
                "category '" + def.name + "' has no examples");
        for (const auto& keyword : def.keywords) {
            std::uint32_t id = 0;
            try {
                id = shared->keywords.add(normalizer.normalize(keyword));
            } catch (const std::invalid_argument&) {
                throw std::invalid_argument("category '" + def.name + "': empty keyword");
            }
            if (id >= shared->keyword_categories.size()) {
                shared->keyword_categories.resize(id + 1);
            }
            auto& owners = shared->keyword_categories[id];
            if (std::find(owners.begin(), owners.end(), c) == owners.end()) owners.push_back(c);
        }
        for (const auto& re : def.regexes) {
            icu::UnicodeString p = icu::UnicodeString::fromUTF8(re);
            normalizer.foldHan(p);
            patterns.push_back(p);
            shared->regex_category.push_back(c);
            shared->regex_text.push_back(re);
        }
    }
    shared->bayes.train();
    shared->keywords.build();
    try {
        regexes_ = RegexSet(patterns);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("classification: ") + e.what());
    }
    shared_ = std::move(shared);
}

CategoryDecision CategoryModel::decide(const icu::UnicodeString& text,
                                       const std::vector<std::string>& tokens, bool hazard,
                                       std::vector<Evidence>* evidence) {
    const Shared& sh = *shared_;
    const std::size_t n = sh.names.size();
    score_.assign(n, 0.0);
    sh.bayes.score(tokens, score_);
    for (double& s : score_) s /= sh.temperature;

    std::vector<Evidence> rules;  // stays empty unless explaining
    hits_.clear();
    sh.keywords.findAll(text, hits_);
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
    for (const std::uint32_t i : regexes_.candidates(text)) {
        if (!regexes_.find(i, text)) continue;
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
    const double best = *std::max_element(score_.begin(), score_.end());
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
            for (std::size_t c = 0; c < n; ++c) {
                if (c != d.top) other = std::max(other, row[c]);
            }
            const double margin = row[d.top] - other;
            if (margin > 0) token_evidence.push_back({"nb:" + token, margin});
        }
        std::sort(token_evidence.begin(), token_evidence.end(),
                  [](const Evidence& a, const Evidence& b) { return a.weight > b.weight; });
        token_evidence.erase(std::unique(token_evidence.begin(), token_evidence.end(),
                                         [](const Evidence& a, const Evidence& b) {
                                             return a.feature == b.feature;
                                         }),
                             token_evidence.end());
        if (token_evidence.size() > kTokenEvidence) token_evidence.resize(kTokenEvidence);
        evidence->insert(evidence->end(), token_evidence.begin(), token_evidence.end());
    }
    return d;
}

}  // namespace ccd::routing
