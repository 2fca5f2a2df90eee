#include "routing/classify/classifier.hpp"

#include <unicode/unistr.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <unordered_set>
#include <utility>

#include "routing/classify/category_model.hpp"
#include "routing/classify/language_detector.hpp"
#include "routing/classify/list_precision.hpp"
#include "routing/classify/model_bytes.hpp"
#include "routing/classify/safety.hpp"
#include "routing/classify/sentiment.hpp"
#include "routing/classify/term_pass.hpp"
#include "routing/classify/text_normalizer.hpp"
#include "routing/classify/tokenizer.hpp"
#include "routing/classify/urgency_model.hpp"

namespace ccd::routing {
namespace {

// The start of serializeModel()'s bytes.
constexpr std::string_view kModelMagic = "ccd classifier model";

// The parts that never change after construction, shared by copies.
struct Frozen {
    ClassifierConfig config;
    TextNormalizer normalizer;
    LanguageDetector detector;
    SentimentAnalyzer sentiment;

    explicit Frozen(ClassifierConfig c)
        : config(std::move(c)), sentiment(config.sentiment, normalizer) {}
};

std::unordered_set<std::string> normalizedStopwords(const ClassifierConfig& config,
                                                    const TextNormalizer& normalizer) {
    std::unordered_set<std::string> out;
    for (const auto& w : config.stopwords) out.insert(normalizer.normalizeToUtf8(w));
    return out;
}

// A category's subtypes as signals: the same phrase and pattern matching.
std::vector<SafetySignalDef> subtypeSignals(const CategoryDef& category) {
    std::vector<SafetySignalDef> out;
    for (const SubtypeDef& s : category.subtypes) {
        SafetySignalDef signal;
        signal.name = s.name;
        signal.keywords = s.keywords;
        signal.regexes = s.regexes;
        signal.exclusions = s.exclusions;
        out.push_back(std::move(signal));
    }
    return out;
}

std::string chooseLanguage(const LanguageGuess& guess, const ClassifyHints& hints) {
    std::optional<std::string> known;
    if (hints.known_locale) known = languageFromLocale(*hints.known_locale);
    if (known && hints.prefer_known_locale) return *known;
    if (known && !guess.certain) {
        // Undecided Chinese may take the contact's Chinese script; "und" takes any.
        const bool chinese_guess = guess.language == kLanguageSimplified;
        const bool chinese_known = *known != kLanguageEnglish;
        if (guess.language == kLanguageUnknown || (chinese_guess && chinese_known)) {
            return *known;
        }
    }
    return std::string(guess.language);
}

// The lists' reach as the learned models train on it: keywords not held to their need lists
// (SafetyDetector::applyNeeds) and counted in quoted names too (applyQuotedNames), for as long
// as it lives: both rules filter messages without moving what the models learned.
class TrainingReach {
  public:
    TrainingReach(SafetyDetector& safety, SafetyDetector& urgency)
        : safety_(safety), urgency_(urgency) {
        for (SafetyDetector* d : {&safety_, &urgency_}) {
            d->applyNeeds(false);
            d->applyQuotedNames(false);
        }
    }
    ~TrainingReach() {
        for (SafetyDetector* d : {&safety_, &urgency_}) {
            d->applyNeeds(true);
            d->applyQuotedNames(true);
        }
    }
    TrainingReach(const TrainingReach&) = delete;
    TrainingReach& operator=(const TrainingReach&) = delete;

  private:
    SafetyDetector& safety_;
    SafetyDetector& urgency_;
};

// The detectors of the safety and urgency lists, as the classifier and its training use them.
SafetyDetector safetyDetector(const Frozen& fz) {
    return SafetyDetector(fz.config.safety, fz.normalizer, "safety", fz.config.settled_hazards,
                          fz.config.sentiment.clause_breaks);
}

SafetyDetector urgencyDetector(const Frozen& fz) {
    return SafetyDetector(fz.config.urgency, fz.normalizer, "urgency");
}

// The corpus as every model trains on it: each sentence normalized and tokenized once.
struct PreparedCorpus {
    std::vector<icu::UnicodeString> texts;
    std::vector<std::vector<std::string>> tokens;
};

PreparedCorpus prepareCorpus(const ClassifierConfig& config, const TextNormalizer& normalizer,
                             Tokenizer& tokenizer) {
    PreparedCorpus out;
    out.texts.reserve(config.corpus.size());
    out.tokens.resize(config.corpus.size());
    for (std::size_t i = 0; i < config.corpus.size(); ++i) {
        out.texts.push_back(normalizer.normalize(config.corpus[i].text));
        tokenizer.tokenize(out.texts.back(), out.tokens[i]);
    }
    return out;
}

// The raised list signals as "safety:fire", and where each was raised.
void listSignals(const std::vector<std::string>& safety, const SafetyDetector& safety_detector,
                 const std::vector<std::string>& urgency, const SafetyDetector& urgency_detector,
                 std::vector<std::string>& signals,
                 std::vector<std::pair<std::int32_t, std::int32_t>>& spans) {
    signals.clear();
    spans.clear();
    for (const auto& s : safety) signals.push_back("safety:" + s);
    for (const auto& s : urgency) signals.push_back("urgency:" + s);
    spans = safety_detector.spans();
    const auto& more = urgency_detector.spans();
    spans.insert(spans.end(), more.begin(), more.end());
}

// The models trained on what the lists find in the corpus, each none when its block is not set:
// - the learned urgency model: a sentence labelled "urgent" counts as labelled; one without the
//   label counts as urgent when the lists (safety or urgency) find something in it, and as not
//   urgent otherwise: most of the corpus is ordinary requests, the negatives the model needs;
// - the list precision step, trained on the sentences in which a list raises something,
//   labelled by `urgent`; a sentence without the label counts as present (the lists' own
//   convention, as for the learned urgency model).
struct ListModels {
    std::shared_ptr<const UrgencyModel> urgency;
    std::shared_ptr<const ListPrecision> precision;
};

ListModels trainListModels(const ClassifierConfig& config, const TextNormalizer& normalizer,
                           const PreparedCorpus& corpus, Tokenizer& tokenizer,
                           SafetyDetector& safety, SafetyDetector& urgency) {
    ListModels out;
    const bool learn_urgency = config.learned_urgency.threshold.has_value();
    const bool learn_precision = config.list_precision.threshold.has_value();
    if (!learn_urgency && !learn_precision) return out;
    const TrainingReach reach(safety, urgency);
    std::shared_ptr<ListPrecision> step;
    if (learn_precision) step = std::make_shared<ListPrecision>(config.list_precision, normalizer);
    std::vector<UrgencyModel::ExampleRef> urgency_examples;  // the corpus's tokens
    std::vector<UrgencyModel::Example> precision_examples;
    std::vector<std::string> found_safety, found_urgency, signals;
    std::vector<std::pair<std::int32_t, std::int32_t>> spans;
    for (std::size_t i = 0; i < config.corpus.size(); ++i) {
        const LabelledText& t = config.corpus[i];
        const icu::UnicodeString& text = corpus.texts[i];
        found_safety.clear();
        found_urgency.clear();
        if (learn_precision || !t.urgent) {
            safety.detect(text, found_safety, nullptr);
            urgency.detect(text, found_urgency, nullptr);
        }
        const bool found = !found_safety.empty() || !found_urgency.empty();
        if (learn_urgency) urgency_examples.push_back({&corpus.tokens[i], t.urgent.value_or(found)});
        if (!learn_precision || !found) continue;
        listSignals(found_safety, safety, found_urgency, urgency, signals, spans);
        UrgencyModel::Example e{tokenizer.tokenize(step->neighbourhood(text, spans)),
                                t.urgent.value_or(true)};
        step->contextFeatures(text, signals, spans, e.tokens);
        precision_examples.push_back(std::move(e));
    }
    if (learn_urgency) {
        auto model = std::make_shared<const UrgencyModel>(
            urgency_examples, config.learned_urgency.l2, config.learned_urgency.epochs,
            config.learned_urgency.max_weight);
        if (model->trained()) out.urgency = std::move(model);
    }
    if (learn_precision) {
        step->train(precision_examples);
        if (step->trained()) out.precision = std::move(step);
    }
    return out;
}

}  // namespace

struct Classifier::Impl {
    std::shared_ptr<const Frozen> frozen;
    Tokenizer tokenizer;
    CategoryModel categories;
    SafetyDetector safety;
    SafetyDetector urgency;
    std::shared_ptr<const UrgencyModel> learned_urgency;  // immutable, shared by copies
    std::shared_ptr<const ListPrecision> precision;       // immutable, shared by copies
    /// The learned urgency model's weights by naive Bayes feature number: the category step
    /// has looked the message's tokens up already. Shared by copies.
    std::shared_ptr<const std::vector<double>> urgency_weights;
    std::vector<SafetyDetector> subtypes;  // by category
    /// Every list above and the sentiment lexicon in one walk over the text. Shared by copies.
    std::shared_ptr<const TermPass> pass;
    TermScan scan;                         // scratch: this message's walk
    std::vector<std::string> found;        // scratch
    icu::UnicodeString text;               // scratch
    /// The last message classified and its normalized text (UTF-8): the engine asks for the
    /// same text normalized right after (its rules' keywords), and gets it without folding again.
    std::string last_input, last_normalized;
    bool last_normalized_made = false;  ///< last_normalized is `text` as UTF-8
    std::vector<std::string> tokens;       // scratch
    std::vector<std::string> masked_tokens;  // scratch: the tokens without denied hazards
    std::vector<std::string> signals;      // scratch
    std::vector<std::string> context;      // scratch: the list precision step's features
    std::vector<std::string> near_tokens;  // scratch: the tokens of the signals' sentences
    std::vector<std::pair<std::int32_t, std::int32_t>> spans;  // scratch

    /// From the trained (or restored) models; builds the rest from the configuration.
    Impl(std::shared_ptr<const Frozen> f, Tokenizer t, CategoryModel c, ListModels lists)
        : frozen(std::move(f)),
          tokenizer(std::move(t)),
          categories(std::move(c)),
          safety(safetyDetector(*frozen)),
          urgency(urgencyDetector(*frozen)),
          learned_urgency(std::move(lists.urgency)),
          precision(std::move(lists.precision)) {
        safety.setQuotedNames(frozen->config.quoted_name_length);
        urgency.setQuotedNames(frozen->config.quoted_name_length);
        if (learned_urgency) {
            // The urgency model learns on the corpus, naive Bayes on the corpus and the
            // examples, through the same tokenizer: every token it knows is a feature.
            const NaiveBayes& bayes = categories.bayes();
            auto weights = std::make_shared<std::vector<double>>(bayes.vocabularySize());
            for (std::uint32_t f = 0; f < weights->size(); ++f) {
                (*weights)[f] = learned_urgency->weight(bayes.token(f));
            }
            urgency_weights = std::move(weights);
        }
        for (const CategoryDef& category : frozen->config.categories) {
            subtypes.emplace_back(subtypeSignals(category), frozen->normalizer, "subtype");
        }
        auto merged = std::make_shared<TermPass>();
        safety.attachTo(*merged);
        urgency.attachTo(*merged);
        categories.attachTo(*merged);
        for (const SafetyDetector& s : subtypes) s.attachTo(*merged);
        frozen->sentiment.attachTo(*merged);
        merged->build();
        pass = std::move(merged);
    }
    Impl(const Impl& other)
        : frozen(other.frozen),
          tokenizer(other.tokenizer),
          categories(other.categories),
          safety(other.safety),
          urgency(other.urgency),
          learned_urgency(other.learned_urgency),
          precision(other.precision),
          urgency_weights(other.urgency_weights),
          subtypes(other.subtypes),
          pass(other.pass) {}
};

Classifier::Classifier(ClassifierConfig config) {
    auto frozen = std::make_shared<const Frozen>(std::move(config));
    Tokenizer tokenizer(normalizedStopwords(frozen->config, frozen->normalizer));
    const PreparedCorpus corpus = prepareCorpus(frozen->config, frozen->normalizer, tokenizer);
    // The list models on a second thread while this one trains the category models: about a
    // third of the training, which the two share nothing of but the corpus and the (immutable)
    // configuration. The task owns its detectors, its tokenizer and a share of the config.
    std::future<ListModels> lists =
        std::async(std::launch::async, [frozen, &corpus, t = tokenizer]() mutable {
            SafetyDetector safety = safetyDetector(*frozen);
            SafetyDetector urgency = urgencyDetector(*frozen);
            return trainListModels(frozen->config, frozen->normalizer, corpus, t, safety, urgency);
        });
    CategoryModel categories(frozen->config, frozen->normalizer, tokenizer, corpus.tokens);
    impl_ = std::make_unique<Impl>(std::move(frozen), std::move(tokenizer), std::move(categories),
                                   lists.get());
}

Classifier::Classifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Classifier Classifier::restore(ClassifierConfig config, std::string_view model) {
    auto frozen = std::make_shared<const Frozen>(std::move(config));
    const ClassifierConfig& c = frozen->config;
    Tokenizer tokenizer(normalizedStopwords(c, frozen->normalizer));
    ModelReader in(model);
    if (in.str() != kModelMagic) ModelReader::fail("not a classifier model");
    if (in.u64() != kClassifierModelFormat) ModelReader::fail("another format version");
    CategoryModel categories(c, frozen->normalizer, in);
    // Each list model only where training would have kept one: its block configured.
    ListModels lists;
    if (in.flag()) {
        auto model = std::make_shared<const UrgencyModel>(UrgencyModel::restore(in));
        if (!c.learned_urgency.threshold || !model->trained()) {
            ModelReader::fail("a learned urgency model the configuration does not train");
        }
        lists.urgency = std::move(model);
    }
    if (in.flag()) {
        auto step = std::make_shared<ListPrecision>(c.list_precision, frozen->normalizer);
        step->restore(in);
        if (!c.list_precision.threshold || !step->trained()) {
            ModelReader::fail("a list precision model the configuration does not train");
        }
        lists.precision = std::move(step);
    }
    in.expectEnd();
    return Classifier(std::make_unique<Impl>(std::move(frozen), std::move(tokenizer),
                                             std::move(categories), std::move(lists)));
}

std::string Classifier::serializeModel() const {
    const Impl& im = *impl_;
    ModelWriter out;
    out.str(kModelMagic);
    out.u64(kClassifierModelFormat);
    im.categories.save(out);
    out.flag(im.learned_urgency != nullptr);
    if (im.learned_urgency) im.learned_urgency->save(out);
    out.flag(im.precision != nullptr);
    if (im.precision) im.precision->save(out);
    return out.take();
}

Classifier::~Classifier() = default;
Classifier::Classifier(Classifier&&) noexcept = default;
Classifier& Classifier::operator=(Classifier&&) noexcept = default;

Classifier::Classifier(const Classifier& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}

Classifier& Classifier::operator=(const Classifier& other) {
    if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
    return *this;
}

const ClassifierConfig& Classifier::config() const { return impl_->frozen->config; }

std::string Classifier::normalize(std::string_view text) const {
    Impl& im = *impl_;
    if (text != im.last_input) return im.frozen->normalizer.normalizeToUtf8(text);
    // The text classify() folded a moment ago (the engine's keyword rules ask for it), made
    // UTF-8 when first asked.
    if (!im.last_normalized_made) {
        im.last_normalized.clear();
        im.text.toUTF8String(im.last_normalized);
        im.last_normalized_made = true;
    }
    return im.last_normalized;
}

std::vector<std::string> Classifier::tokens(std::string_view text) {
    return impl_->tokenizer.tokenize(impl_->frozen->normalizer.normalize(text));
}

Classification Classifier::classify(std::string_view text, const ClassifyHints& hints) {
    Impl& im = *impl_;
    const Frozen& fz = *im.frozen;
    Classification out;
    std::vector<Evidence>* evidence = hints.explain ? &out.evidence : nullptr;

    fz.normalizer.foldCase(text, im.text);
    out.language = chooseLanguage(fz.detector.detect(im.text), hints);
    fz.normalizer.foldHan(im.text);
    im.last_input.assign(text);
    im.last_normalized_made = false;
    im.pass->scan(im.text, im.scan);

    // Safety first: a reported hazard is evidence for the safety category.
    im.safety.detect(im.text, out.safety, evidence, &im.scan);
    im.urgency.detect(im.text, out.urgency, evidence, &im.scan);
    im.tokenizer.tokenize(im.text, im.tokens);
    bool vetoed = false;
    if (im.precision && (!out.safety.empty() || !out.urgency.empty())) {
        // Only when a list raised something: is the hazard or urgency there now?
        listSignals(out.safety, im.safety, out.urgency, im.urgency, im.signals, im.spans);
        im.context.clear();
        im.precision->contextFeatures(im.text, im.signals, im.spans, im.context);
        // The signals' sentences; a short message is all of them, and its tokens are made.
        const std::vector<std::string>* near_tokens = &im.tokens;
        if (const auto part = im.precision->neighbourhoodPart(im.text, im.spans)) {
            im.tokenizer.tokenize(*part, im.near_tokens);
            near_tokens = &im.near_tokens;
        }
        const double p = im.precision->model().probability(*near_tokens, im.context);
        out.presence_probability = p;
        vetoed = im.precision->vetoes(p, im.context);
        if (evidence != nullptr) {
            char probability[48];
            // (below the threshold and kept: no marker near a trigger speaks against presence)
            std::snprintf(probability, sizeof probability, "precision:p=%.2f %s", p,
                          vetoed ? (p < im.precision->wordsThreshold() ? "veto(words)" : "veto")
                          : p < im.precision->threshold() ? "keep(no-marker)"
                                                          : "keep");
            std::string why = probability;
            const auto& model = im.precision->model();
            // The features that pushed hardest, either way.
            std::vector<std::pair<std::string, double>> weights;
            std::vector<std::string> features = *near_tokens;
            features.insert(features.end(), im.context.begin(), im.context.end());
            std::sort(features.begin(), features.end());
            features.erase(std::unique(features.begin(), features.end()), features.end());
            for (const auto& f : features) {
                const double w = model.weight(f);
                if (w != 0.0) weights.emplace_back(f, w);
            }
            std::sort(weights.begin(), weights.end(), [](const auto& a, const auto& b) {
                return std::abs(a.second) > std::abs(b.second);
            });
            if (weights.size() > 6) weights.resize(6);
            for (const auto& [f, w] : weights) {
                char item[24];
                std::snprintf(item, sizeof item, "%+.2f", w);
                why += " " + f + item;
            }
            evidence->push_back({why, 0.0});
        }
        if (vetoed) {
            out.vetoed = im.signals;
            out.safety.clear();
            out.urgency.clear();
        }
    }
    const CategoryDecision d =
        im.categories.decide(im.text, im.tokens, !out.safety.empty(), evidence, &im.scan);
    out.category = im.categories.name(d.category);
    out.top_category = im.categories.name(d.top);
    out.confidence = d.confidence;
    if (im.learned_urgency && out.safety.empty() && out.urgency.empty() && !vetoed &&
        !im.safety.sawQuotedName() && !im.urgency.sawQuotedName()) {
        // After the lists, only for what they missed: "learned", with why when explaining.
        // Not where the lists passed over a quoted name: its words ('Charcoal Smoke') are the
        // ones the model learned hazards by.
        // A hazard the message denies or names as something else ("no burning smell", "fire
        // tv") raised nothing in the lists, and its words count for nothing here either.
        const std::vector<std::string>* tokens = &im.tokens;
        double p = 0.0;
        if (im.safety.deniedSpans().empty() && im.urgency.deniedSpans().empty()) {
            double z = im.learned_urgency->bias();
            for (const std::uint32_t f : im.categories.features()) z += (*im.urgency_weights)[f];
            p = 1.0 / (1.0 + std::exp(-z));
        } else {
            icu::UnicodeString masked = im.text;
            for (const SafetyDetector* d : {&im.safety, &im.urgency}) {
                for (const auto& [begin, end] : d->deniedSpans()) {
                    for (std::int32_t i = begin; i < end; ++i) masked.setCharAt(i, u' ');
                }
            }
            im.tokenizer.tokenize(masked, im.masked_tokens);
            tokens = &im.masked_tokens;
            p = im.learned_urgency->probability(im.masked_tokens);
        }
        out.urgency_probability = p;
        if (p >= *fz.config.learned_urgency.threshold) {
            out.urgency.push_back("learned");
            if (evidence != nullptr) {
                char probability[16];
                std::snprintf(probability, sizeof probability, "p=%.2f", p);
                std::string why = std::string("urgency:learned<-") + probability;
                for (const auto& [token, weight] : im.learned_urgency->strongest(*tokens, 4)) {
                    char w[16];
                    std::snprintf(w, sizeof w, "%+.2f", weight);
                    why += " " + token + w;
                }
                evidence->push_back({why, 0.0});
            }
        }
    }
    im.found.clear();
    im.subtypes[d.category].detect(im.text, im.found, evidence, &im.scan);
    const SubtypeDecision sub =
        im.categories.decideSubtype(d.category, im.found, im.tokens, evidence);
    if (sub.name != nullptr) {
        out.subtype = *sub.name;
        out.subtype_confidence = sub.confidence;
        if (evidence != nullptr && sub.runner_up != nullptr) {
            out.subtype_runner_up = *sub.runner_up;
            out.subtype_runner_up_confidence = sub.runner_up_confidence;
        }
    }
    if (evidence != nullptr) {
        const std::vector<double>& p = im.categories.posteriors();
        std::size_t second = d.top == 0 ? 1 : 0;
        for (std::size_t c = 0; c < p.size(); ++c) {
            if (c != d.top && p[c] > p[second]) second = c;
        }
        if (second < p.size()) {
            out.runner_up = im.categories.name(second);
            out.runner_up_confidence = p[second];
        }
    }

    const SentimentResult s = fz.sentiment.analyze(im.text, evidence, &im.scan);
    out.sentiment = s.sentiment;
    out.sentiment_score = s.score;
    return out;
}

}  // namespace ccd::routing
