#include "config/classification_parser.hpp"

#include <unicode/parseerr.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>
#include <unicode/utypes.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "channels/common/crypto.hpp"
#include "config/classification_corpus.hpp"
#include "routing/classify/text_normalizer.hpp"

namespace ccd::config {
namespace {

using routing::CategoryDef;
using routing::ClassifierConfig;
using routing::SafetySignalDef;
using routing::SentimentLexicon;

constexpr const char* kLanguages[] = {"en", "zh-Hans", "zh-Hant"};

// A list of phrases (keywords, exclusions, lexicon entries, stopwords): a phrase that is empty
// or only a `*` would match every message, so it is refused at its own node.
std::vector<std::string> readPhrases(const NodeRef& node) {
    std::vector<std::string> out;
    if (!node.present() || node.isNull()) return out;
    if (node.isScalar()) {
        if (auto s = node.nonEmptyString()) out.push_back(*s);
        return out;
    }
    if (!node.isSequence()) {
        node.error("expected a list of strings");
        return out;
    }
    for (const auto& item : node.items()) {
        auto s = item.string();
        if (!s) continue;
        if (s->find_first_not_of(" \t*") == std::string::npos) {
            item.error("a phrase must contain at least one letter or digit");
            continue;
        }
        out.push_back(*s);
    }
    return out;
}

// Compiles with ICU, the engine the classifier runs, so a bad pattern is reported at the
// pattern's own line and column rather than when the daemon starts classifying.
std::vector<std::string> readRegexes(const NodeRef& node) {
    std::vector<std::string> out;
    if (!node.present() || node.isNull()) return out;
    if (!node.expectSequence()) return out;
    for (const auto& item : node.items()) {
        auto s = item.string();
        if (!s) continue;
        if (s->empty()) {
            item.error("a regular expression must not be empty (it would match every message)");
            continue;
        }
        UParseError where{};
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::RegexPattern> compiled(
            icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(*s), 0, where, status));
        if (U_FAILURE(status) || !compiled) {
            item.error(std::string("invalid regular expression: ") + u_errorName(status) +
                       " at offset " + std::to_string(where.offset));
            continue;
        }
        out.push_back(*s);
    }
    return out;
}

void readExamples(const NodeRef& node, std::map<std::string, std::vector<std::string>>& out) {
    if (!node.present() || node.isNull()) return;
    if (!node.expectMap({"en", "zh-Hans", "zh-Hant"})) return;
    for (const char* lang : kLanguages) {
        auto list = readPhrases(node[lang]);
        if (!list.empty()) out[lang] = std::move(list);
    }
}

// A category's subtypes; `owner` maps every subtype name read so far to its category, as rules
// name a subtype without its category.
void readSubtypes(const NodeRef& node, CategoryDef& def,
                  std::map<std::string, std::string>& owner) {
    if (!node.present() || node.isNull()) return;
    if (!node.expectSequence()) return;
    for (const auto& item : node.items()) {
        if (!item.expectMap({"name", "keywords", "regexes", "exclusions", "examples"})) continue;
        routing::SubtypeDef sub;
        NodeRef name = item["name"];
        if (name.require()) {
            if (auto s = name.nonEmptyString()) {
                auto [it, inserted] = owner.emplace(*s, def.name);
                if (!inserted) {
                    name.error("duplicate subtype \"" + *s + "\" (also under category \"" +
                               it->second + "\")");
                }
                sub.name = *s;
            }
        }
        sub.keywords = readPhrases(item["keywords"]);
        sub.regexes = readRegexes(item["regexes"]);
        sub.exclusions = readPhrases(item["exclusions"]);
        readExamples(item["examples"], sub.examples);
        if (sub.keywords.empty() && sub.regexes.empty() && item["keywords"].items().empty() &&
            !item["keywords"].isScalar() && item["regexes"].items().empty()) {
            item.error("a subtype needs keywords or regexes");
        }
        def.subtypes.push_back(std::move(sub));
    }
}

// Returns the node of each category read, in the order of `out.categories`.
std::vector<NodeRef> readCategories(const NodeRef& node, ClassifierConfig& out) {
    std::vector<NodeRef> read;
    if (!node.require()) return read;
    if (!node.expectSequence()) return read;
    if (node.items().empty()) {
        node.error("at least one category is needed");
        return read;
    }
    std::set<std::string> names;
    std::map<std::string, std::string> subtype_owner;
    for (const auto& item : node.items()) {
        if (!item.expectMap({"name", "keywords", "regexes", "examples", "subtypes"})) continue;
        read.push_back(item);
        CategoryDef def;
        NodeRef name = item["name"];
        if (name.require()) {
            if (auto s = name.nonEmptyString()) {
                if (!names.insert(*s).second) name.error("duplicate category \"" + *s + "\"");
                def.name = *s;
            }
        }
        def.keywords = readPhrases(item["keywords"]);
        def.regexes = readRegexes(item["regexes"]);
        readExamples(item["examples"], def.examples);
        readSubtypes(item["subtypes"], def, subtype_owner);
        out.categories.push_back(std::move(def));
    }
    return read;
}

void readSentiment(const NodeRef& node, SentimentLexicon& out) {
    if (!node.present() || node.isNull()) return;
    if (!node.expectMap({"positive", "negative", "negators", "clause_breaks", "negation_window",
                         "negated_negative_weight", "neutral_band"})) {
        return;
    }
    // A word has one role: the analyzer compares normalized words, so "Good" in positive and
    // "good" in negative are the same word.
    const routing::TextNormalizer normalizer;
    std::map<std::string, std::string> role_of;
    const auto readList = [&](const char* key, std::vector<std::string>& list) {
        NodeRef list_node = node[key];
        if (!list_node.present()) return;
        list = readPhrases(list_node);
        for (const auto& item : list_node.items()) {
            auto word = item.string();
            if (!word) continue;
            auto [it, inserted] = role_of.emplace(normalizer.normalizeToUtf8(*word), key);
            if (!inserted && it->second != key) {
                item.error("\"" + *word + "\" is also in " + it->second);
            }
        }
    };
    readList("positive", out.positive);
    readList("negative", out.negative);
    readList("negators", out.negators);
    readList("clause_breaks", out.clause_breaks);
    if (auto n = node["negation_window"].integer(0, 20)) out.negation_window = static_cast<int>(*n);
    if (auto w = node["negated_negative_weight"].number(0.0, 1.0)) out.negated_negative_weight = *w;
    if (auto b = node["neutral_band"].number(0.01, 10.0)) out.neutral_band = *b;
}

// A list of signals (safety or urgency): `kind` names it in messages.
void readSignals(const NodeRef& node, std::vector<SafetySignalDef>& out, const std::string& kind) {
    if (!node.present() || node.isNull()) return;
    if (!node.expectSequence()) return;
    std::set<std::string> names;
    for (const auto& item : node.items()) {
        if (!item.expectMap({"name", "keywords", "regexes", "exclusions", "keywords_need",
                             "setting_keywords", "setting_need"})) {
            continue;
        }
        SafetySignalDef def;
        NodeRef name = item["name"];
        if (name.require()) {
            if (auto s = name.nonEmptyString()) {
                if (!names.insert(*s).second) {
                    name.error("duplicate " + kind + " signal \"" + *s + "\"");
                }
                def.name = *s;
            }
        }
        def.keywords = readPhrases(item["keywords"]);
        def.regexes = readRegexes(item["regexes"]);
        def.exclusions = readPhrases(item["exclusions"]);
        const bool listed = !item["keywords"].items().empty() || item["keywords"].isScalar() ||
                            !item["regexes"].items().empty() ||
                            !item["setting_keywords"].items().empty();
        if (!listed) {
            item.error(std::string(kind == "urgency" ? "an " : "a ") + kind +
                       " signal needs keywords or regexes");
        }
        if (NodeRef need = item["keywords_need"]; need.present()) {
            def.keywords_need = readPhrases(need);
            if (need.isNull() || (need.isSequence() && need.items().empty())) {
                need.error("keywords_need needs at least one phrase (or leave it out)");
            } else if (def.keywords.empty()) {
                need.error("keywords_need without keywords: it holds only keywords to it");
            }
        }
        NodeRef setting = item["setting_keywords"];
        NodeRef setting_need = item["setting_need"];
        if (setting.present()) def.setting_keywords = readPhrases(setting);
        if (setting_need.present()) def.setting_need = readPhrases(setting_need);
        if (setting.present() && def.setting_need.empty()) {
            setting.error("setting_keywords need a setting_need list: the trouble that makes "
                          "the setting a hazard");
        } else if (setting_need.present() && def.setting_keywords.empty()) {
            setting_need.error("setting_need without setting_keywords: it holds only them");
        }
        out.push_back(std::move(def));
    }
}

}  // namespace

void readClassification(const NodeRef& node, routing::ClassifierConfig& out) {
    if (!node.present()) return;
    if (!node.expectMap({"fallback_category", "confidence_threshold", "keyword_weight",
                         "regex_weight", "subtype_weight", "smoothing", "temperature", "safety_category",
                         "safety_weight", "stopwords", "categories", "corpus", "sentiment",
                         "safety", "settled_hazards", "quoted_name_length", "urgency", "learned_urgency",
                         "learned_category", "list_precision"})) {
        return;
    }
    ClassifierConfig cfg;
    NodeRef fallback = node["fallback_category"];
    if (auto s = fallback.nonEmptyString()) cfg.fallback_category = *s;
    if (auto v = node["confidence_threshold"].number(0.0, 1.0)) cfg.confidence_threshold = *v;
    if (auto v = node["keyword_weight"].number(0.0, 20.0)) cfg.keyword_weight = *v;
    if (auto v = node["regex_weight"].number(0.0, 20.0)) cfg.regex_weight = *v;
    if (auto v = node["subtype_weight"].number(0.0, 20.0)) cfg.subtype_weight = *v;
    if (auto v = node["smoothing"].number(0.001, 10.0)) cfg.smoothing = *v;
    if (auto v = node["temperature"].number(0.1, 100.0)) cfg.temperature = *v;
    NodeRef safety_category = node["safety_category"];
    if (auto s = safety_category.nonEmptyString()) cfg.safety_category = *s;
    if (auto v = node["safety_weight"].number(0.0, 20.0)) cfg.safety_weight = *v;
    if (node["stopwords"].present()) cfg.stopwords = readPhrases(node["stopwords"]);
    const std::vector<NodeRef> categories = readCategories(node["categories"], cfg);
    const std::string corpus_digest = readCorpus(node["corpus"], cfg);
    readSentiment(node["sentiment"], cfg.sentiment);
    readSignals(node["safety"], cfg.safety, "safety");
    if (NodeRef settled = node["settled_hazards"];
        settled.present() && !settled.isNull() && settled.expectMap({"past", "settled", "again"})) {
        for (const char* key : {"past", "settled"}) {
            if (!settled[key].present()) settled.error(std::string("settled_hazards needs ") + key);
        }
        if (settled["past"].present()) cfg.settled_hazards.past = readPhrases(settled["past"]);
        if (settled["settled"].present())
            cfg.settled_hazards.settled = readPhrases(settled["settled"]);
        if (settled["again"].present()) cfg.settled_hazards.again = readPhrases(settled["again"]);
    }
    if (auto v = node["quoted_name_length"].integer(0, 200)) {
        cfg.quoted_name_length = static_cast<std::int32_t>(*v);
    }
    readSignals(node["urgency"], cfg.urgency, "urgency");
    if (NodeRef learned = node["learned_urgency"];
        learned.present() && learned.expectMap({"threshold", "l2", "epochs", "max_weight"})) {
        if (auto v = learned["threshold"].number(0.01, 0.99)) cfg.learned_urgency.threshold = *v;
        else if (!learned["threshold"].present()) learned.error("learned_urgency needs a threshold");
        if (auto v = learned["l2"].number(0.0, 1.0)) cfg.learned_urgency.l2 = *v;
        if (auto v = learned["epochs"].integer(1, 500))
            cfg.learned_urgency.epochs = static_cast<int>(*v);
        if (auto v = learned["max_weight"].number(0.01, 100.0)) cfg.learned_urgency.max_weight = *v;
        const bool labelled = std::any_of(cfg.corpus.begin(), cfg.corpus.end(),
                                          [](const auto& t) { return t.urgent.has_value(); });
        if (cfg.learned_urgency.threshold && !labelled)
            learned.error("learned_urgency needs corpus sentences labelled \"urgent\"");
    }
    if (NodeRef precision = node["list_precision"];
        precision.present() &&
        precision.expectMap({"threshold", "words_threshold", "l2", "epochs", "window", "markers"})) {
        auto& def = cfg.list_precision;
        if (auto v = precision["threshold"].number(0.01, 0.99)) def.threshold = *v;
        else if (!precision["threshold"].present())
            precision.error("list_precision needs a threshold");
        if (auto v = precision["words_threshold"].number(0.0, 0.99)) {
            if (def.threshold && *v >= *def.threshold)
                precision["words_threshold"].error(
                    "words_threshold must be below threshold (the words alone withdraw less "
                    "than the words with a marker)");
            else
                def.words_threshold = *v;
        }
        if (auto v = precision["l2"].number(0.0, 1.0)) def.l2 = *v;
        if (auto v = precision["epochs"].integer(1, 500)) def.epochs = static_cast<int>(*v);
        if (auto v = precision["window"].integer(1, 1000)) def.window = static_cast<int>(*v);
        if (NodeRef markers = precision["markers"];
            markers.present() && !markers.isNull() && markers.expectNamedEntries()) {
            for (const auto& [kind, phrases] : markers.entries()) {
                if (kind.empty() || kind.find_first_of(" \t~@:") != std::string::npos) {
                    phrases.error("a marker kind is a plain name (no space, '~', '@' or ':')");
                    continue;
                }
                auto list = readPhrases(phrases);
                if (list.empty()) phrases.error("marker kind '" + kind + "' has no phrases");
                def.markers[kind] = std::move(list);
            }
        }
        const bool labelled = std::any_of(cfg.corpus.begin(), cfg.corpus.end(),
                                          [](const auto& t) { return t.urgent.has_value(); });
        if (def.threshold && !labelled)
            precision.error("list_precision needs corpus sentences labelled \"urgent\"");
    }
    if (NodeRef learned = node["learned_category"];
        learned.present() && learned.expectMap({"weight", "l2", "epochs", "subtype_weight"})) {
        if (auto v = learned["subtype_weight"].number(0.0, 20.0))
            cfg.learned_category.subtype_weight = *v;
        if (auto v = learned["weight"].number(0.01, 20.0)) cfg.learned_category.weight = *v;
        else if (!learned["weight"].present()) learned.error("learned_category needs a weight");
        if (auto v = learned["l2"].number(0.0, 1.0)) cfg.learned_category.l2 = *v;
        if (auto v = learned["epochs"].integer(1, 500))
            cfg.learned_category.epochs = static_cast<int>(*v);
    }

    // Cross-checks, once every category is known.
    bool fallback_known = false;
    for (const CategoryDef& def : cfg.categories) {
        fallback_known |= def.name == cfg.fallback_category;
    }
    if (!fallback_known && !cfg.categories.empty()) {
        fallback.error("no category named \"" + cfg.fallback_category + "\"" +
                       (fallback.present() ? "" : " (the default fallback_category)"));
    }
    if (!cfg.safety_category.empty() && !cfg.categories.empty() &&
        std::none_of(cfg.categories.begin(), cfg.categories.end(),
                     [&](const CategoryDef& def) { return def.name == cfg.safety_category; })) {
        safety_category.error("no category named \"" + cfg.safety_category + "\"");
    }
    for (std::size_t i = 0; i < cfg.categories.size() && fallback_known; ++i) {
        const CategoryDef& def = cfg.categories[i];
        const bool in_corpus =
            std::any_of(cfg.corpus.begin(), cfg.corpus.end(),
                        [&](const routing::LabelledText& t) { return t.category == def.name; });
        if (def.name.empty() || def.name == cfg.fallback_category || !def.examples.empty() ||
            in_corpus) {
            continue;
        }
        // Examples in the wrong shape have been reported already. yaml-cpp places an empty
        // value at the next token, so that case is reported at the category itself.
        const NodeRef examples = categories[i]["examples"];
        if (examples.present() && !examples.isNull() && !examples.isMap()) continue;
        (examples.isNull() ? categories[i] : examples)
            .error("category \"" + def.name +
                   "\" needs at least one example or corpus sentence (only the fallback category "
                   "may have none)");
    }
    // What was read, as a digest: the section as parsed (aliases resolved, comments and layout
    // dropped) and the corpus file's.
    YAML::Emitter section;
    section << node.raw();
    cfg.source_digest = channels::sha256Hex(std::string(section.c_str(), section.size()) +
                                            "\ncorpus " + corpus_digest);
    out = std::move(cfg);
}

}  // namespace ccd::config
