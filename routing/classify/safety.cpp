#include "routing/classify/safety.hpp"

#include <set>
#include <stdexcept>

#include "routing/classify/text_normalizer.hpp"

namespace ccd::routing {

SafetyDetector::SafetyDetector(const std::vector<SafetySignalDef>& signals,
                               const TextNormalizer& normalizer, const std::string& kind) {
    auto shared = std::make_shared<Shared>();
    shared->kind = kind;
    std::vector<icu::UnicodeString> patterns;
    std::set<std::string> seen;
    for (std::size_t s = 0; s < signals.size(); ++s) {
        const SafetySignalDef& def = signals[s];
        if (def.name.empty()) throw std::invalid_argument(kind + " signal without a name");
        if (!seen.insert(def.name).second) {
            throw std::invalid_argument("duplicate " + kind + " signal '" + def.name + "'");
        }
        if (def.keywords.empty() && def.regexes.empty()) {
            throw std::invalid_argument(kind + " signal '" + def.name +
                                        "' has neither keywords nor regexes");
        }
        shared->names.push_back(def.name);
        const auto addAll = [&](const std::vector<std::string>& phrases, bool exclusion) {
            for (const auto& phrase : phrases) {
                std::uint32_t id = 0;
                try {
                    id = shared->terms.add(normalizer.normalize(phrase));
                } catch (const std::invalid_argument&) {
                    throw std::invalid_argument(kind + " signal '" + def.name + "': empty phrase");
                }
                if (id >= shared->uses.size()) shared->uses.resize(id + 1);
                shared->uses[id].push_back({s, exclusion});
            }
        };
        addAll(def.keywords, false);
        addAll(def.exclusions, true);
        for (const auto& re : def.regexes) {
            icu::UnicodeString p = icu::UnicodeString::fromUTF8(re);
            normalizer.foldHan(p);
            patterns.push_back(p);
            shared->regex_signal.push_back(s);
            shared->regex_text.push_back(re);
        }
    }
    shared->terms.build();
    try {
        regexes_ = RegexSet(patterns);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(kind + ": " + e.what());
    }
    shared_ = std::move(shared);
}

void SafetyDetector::detect(const icu::UnicodeString& text, std::vector<std::string>& found,
                            std::vector<Evidence>* evidence) {
    const Shared& sh = *shared_;
    fired_.assign(sh.names.size(), 0);
    if (evidence != nullptr) triggers_.assign(sh.names.size(), std::string());
    hits_.clear();
    sh.terms.findAll(text, hits_);

    for (const TermMatch& hit : hits_) {
        for (const Use& use : sh.uses[hit.term]) {
            if (use.exclusion || fired_[use.signal]) continue;
            bool excluded = false;
            for (const TermMatch& other : hits_) {
                if (other.begin > hit.begin || other.end < hit.end) continue;
                for (const Use& u : sh.uses[other.term]) {
                    if (u.exclusion && u.signal == use.signal) excluded = true;
                }
            }
            if (excluded) continue;
            fired_[use.signal] = 1;
            if (evidence != nullptr) triggers_[use.signal] = sh.terms.term(hit.term);
        }
    }
    // Patterns only for signals no phrase has raised: most texts raise none, and a raised
    // signal needs no second proof.
    for (const std::uint32_t i : regexes_.candidates(text)) {
        const std::size_t s = sh.regex_signal[i];
        if (fired_[s]) continue;
        if (regexes_.find(i, text)) {
            fired_[s] = 1;
            if (evidence != nullptr) triggers_[s] = "re:" + sh.regex_text[i];
        }
    }
    for (std::size_t s = 0; s < sh.names.size(); ++s) {
        if (!fired_[s]) continue;
        found.push_back(sh.names[s]);
        if (evidence != nullptr) {
            evidence->push_back({sh.kind + ":" + sh.names[s] + "<-" + triggers_[s], 0.0});
        }
    }
}

}  // namespace ccd::routing
