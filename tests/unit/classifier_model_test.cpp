// A classifier restored from the bytes of a trained one (Classifier::serializeModel, restore)
// classifies exactly as the trained one, field by field and bit for bit, without its corpus;
// malformed bytes and bytes of another configuration are refused; loadOrTrain restores what a
// store holds, and trains and saves what it does not.
#include "routing/classify/classifier.hpp"

#define BOOST_TEST_MODULE classifier_model
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "routing/classify/model_store.hpp"
#include "tests/support/fake_model_store.hpp"
#include "tests/support/small_classification.hpp"

using ccd::routing::Classification;
using ccd::routing::Classifier;
using ccd::routing::ClassifierConfig;
using ccd::routing::ClassifierOrigin;
using ccd::routing::ClassifyHints;
using ccd::testing::FakeModelStore;
using ccd::testing::SmallClassification;
using ccd::testing::variedTexts;

namespace {

bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool sameBits(const std::optional<double>& a, const std::optional<double>& b) {
    return a.has_value() == b.has_value() && (!a || sameBits(*a, *b));
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

// The fields in which `a` and `b` differ ("" when none), doubles compared bit for bit.
std::string difference(const Classification& a, const Classification& b) {
    std::ostringstream out;
    const auto text = [&out](const char* name, const std::string& x, const std::string& y) {
        if (x != y) out << name << ": '" << x << "' != '" << y << "'; ";
    };
    const auto number = [&out](const char* name, const auto& x, const auto& y) {
        if (!sameBits(x, y)) out << name << " differs; ";
    };
    text("category", a.category, b.category);
    text("top_category", a.top_category, b.top_category);
    text("subtype", a.subtype, b.subtype);
    number("subtype_confidence", a.subtype_confidence, b.subtype_confidence);
    number("confidence", a.confidence, b.confidence);
    text("language", a.language, b.language);
    if (a.sentiment != b.sentiment) out << "sentiment differs; ";
    number("sentiment_score", a.sentiment_score, b.sentiment_score);
    text("safety", joined(a.safety), joined(b.safety));
    text("urgency", joined(a.urgency), joined(b.urgency));
    number("urgency_probability", a.urgency_probability, b.urgency_probability);
    number("presence_probability", a.presence_probability, b.presence_probability);
    text("vetoed", joined(a.vetoed), joined(b.vetoed));
    if (a.evidence.size() != b.evidence.size()) {
        out << "evidence: " << a.evidence.size() << " != " << b.evidence.size() << " items; ";
    } else {
        for (std::size_t i = 0; i < a.evidence.size(); ++i) {
            text("evidence feature", a.evidence[i].feature, b.evidence[i].feature);
            number("evidence weight", a.evidence[i].weight, b.evidence[i].weight);
        }
    }
    text("runner_up", a.runner_up, b.runner_up);
    number("runner_up_confidence", a.runner_up_confidence, b.runner_up_confidence);
    text("subtype_runner_up", a.subtype_runner_up, b.subtype_runner_up);
    number("subtype_runner_up_confidence", a.subtype_runner_up_confidence,
           b.subtype_runner_up_confidence);
    return out.str();
}

// The ways a text is classified: plainly, explained, with a known locale decisive or not.
std::vector<ClassifyHints> hintVariants() {
    std::vector<ClassifyHints> out(4);
    out[1].explain = true;
    out[2].known_locale = "zh-TW";
    out[2].explain = true;
    out[3].known_locale = "en-GB";
    out[3].prefer_known_locale = true;
    return out;
}

// Every varied text, every way, in both: the same classification.
void expectSameOutputs(Classifier& trained, Classifier& restored) {
    for (const std::string& text : variedTexts()) {
        for (const ClassifyHints& hints : hintVariants()) {
            const std::string diff =
                difference(trained.classify(text, hints), restored.classify(text, hints));
            BOOST_TEST(diff.empty(),
                       "\"" << text << "\" (explain " << hints.explain << "): " << diff);
        }
        BOOST_TEST(trained.normalize(text) == restored.normalize(text));
        BOOST_TEST(trained.tokens(text) == restored.tokens(text));
    }
}

struct Trained {
    SmallClassification files;
    ClassifierConfig config = files.read()->classification;
    Classifier classifier{config};
    std::string bytes = classifier.serializeModel();
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_small_configuration_trains_every_learned_part, Trained) {
    // Otherwise the round trip below would leave a part untried.
    bool learned_urgency = false, precision = false, learned_category = false;
    bool subtype = false, chinese = false, traditional = false;
    for (const std::string& text : variedTexts()) {
        ClassifyHints hints;
        hints.explain = true;
        const Classification c = classifier.classify(text, hints);
        learned_urgency |= c.urgency_probability.has_value();
        precision |= c.presence_probability.has_value();
        for (const auto& e : c.evidence) learned_category |= e.feature.rfind("learned:", 0) == 0;
        subtype |= !c.subtype.empty();
        chinese |= c.language == "zh-Hans";
        traditional |= c.language == "zh-Hant";
    }
    BOOST_TEST(learned_urgency);
    BOOST_TEST(precision);
    BOOST_TEST(learned_category);
    BOOST_TEST(subtype);
    BOOST_TEST(chinese);
    BOOST_TEST(traditional);
}

BOOST_FIXTURE_TEST_CASE(a_restored_classifier_classifies_exactly_as_the_trained_one, Trained) {
    Classifier restored = Classifier::restore(config, bytes);
    expectSameOutputs(classifier, restored);
    // And its copies (another thread's) too.
    Classifier copy = restored;
    expectSameOutputs(classifier, copy);
}

BOOST_FIXTURE_TEST_CASE(a_restored_classifier_serializes_to_the_same_bytes, Trained) {
    const Classifier restored = Classifier::restore(config, bytes);
    BOOST_TEST((restored.serializeModel() == bytes));
    // Training is deterministic: a second training gives the same bytes too.
    BOOST_TEST((Classifier(config).serializeModel() == bytes));
}

BOOST_FIXTURE_TEST_CASE(restoring_needs_no_corpus, Trained) {
    // What was learned from the corpus is in the bytes: without it, the same outputs.
    ClassifierConfig without = config;
    without.corpus.clear();
    Classifier restored = Classifier::restore(without, bytes);
    expectSameOutputs(classifier, restored);
}

BOOST_FIXTURE_TEST_CASE(malformed_bytes_are_refused, Trained) {
    BOOST_CHECK_THROW(Classifier::restore(config, ""), std::invalid_argument);
    for (std::size_t part = 1; part < 16; ++part) {
        const std::string cut = bytes.substr(0, bytes.size() * part / 16);
        BOOST_CHECK_THROW(Classifier::restore(config, cut), std::invalid_argument);
    }
    BOOST_CHECK_THROW(Classifier::restore(config, bytes + "x"), std::invalid_argument);
    std::string magic = bytes;
    magic[10] ^= 0x20;
    BOOST_CHECK_THROW(Classifier::restore(config, magic), std::invalid_argument);
}

BOOST_FIXTURE_TEST_CASE(bytes_of_another_configuration_are_refused, Trained) {
    ClassifierConfig smoothing = config;
    smoothing.smoothing = 0.7;
    BOOST_CHECK_THROW(Classifier::restore(smoothing, bytes), std::invalid_argument);
    ClassifierConfig fewer = config;
    fewer.categories.erase(fewer.categories.begin() + 2);  // delivery
    BOOST_CHECK_THROW(Classifier::restore(fewer, bytes), std::invalid_argument);
    ClassifierConfig no_learned_urgency = config;
    no_learned_urgency.learned_urgency.threshold.reset();
    BOOST_CHECK_THROW(Classifier::restore(no_learned_urgency, bytes), std::invalid_argument);
}

BOOST_FIXTURE_TEST_CASE(load_or_train_trains_and_saves_then_restores, Trained) {
    FakeModelStore store;
    const std::size_t trained = ccd::routing::classifiersTrained();
    const std::size_t restored = ccd::routing::classifiersRestored();
    ClassifierOrigin origin{};
    auto first = ccd::routing::loadOrTrain(config, &store, &origin);
    BOOST_TEST((origin == ClassifierOrigin::Trained));
    BOOST_TEST(store.saves == 1);
    BOOST_REQUIRE(store.models.size() == 1u);
    BOOST_TEST(store.models.begin()->first == ccd::routing::classifierModelKey(config));
    BOOST_TEST((store.models.begin()->second == bytes));

    auto second = ccd::routing::loadOrTrain(config, &store, &origin);
    BOOST_TEST((origin == ClassifierOrigin::Restored));
    BOOST_TEST(store.saves == 1);
    BOOST_TEST(ccd::routing::classifiersTrained() == trained + 1);
    BOOST_TEST(ccd::routing::classifiersRestored() == restored + 1);
    Classifier a = *first;
    Classifier b = *second;
    expectSameOutputs(a, b);
}

BOOST_FIXTURE_TEST_CASE(load_or_train_replaces_bytes_that_do_not_restore, Trained) {
    FakeModelStore store;
    const std::string key = ccd::routing::classifierModelKey(config);
    store.models[key] = bytes.substr(0, bytes.size() / 2);
    ClassifierOrigin origin{};
    ccd::routing::loadOrTrain(config, &store, &origin);
    BOOST_TEST((origin == ClassifierOrigin::Trained));
    BOOST_TEST(store.rejected.size() == 1u);
    BOOST_TEST((store.models[key] == bytes));
}

BOOST_FIXTURE_TEST_CASE(the_key_follows_the_configuration_s_digest, Trained) {
    const std::string key = ccd::routing::classifierModelKey(config);
    BOOST_TEST(key.find(config.source_digest) != std::string::npos);
    ClassifierConfig other = config;
    other.source_digest = std::string(64, '0');
    BOOST_TEST(ccd::routing::classifierModelKey(other) != key);
    // Not read from a file: nothing to key it by, and nothing is kept.
    other.source_digest.clear();
    BOOST_TEST(ccd::routing::classifierModelKey(other).empty());
    FakeModelStore store;
    ccd::routing::loadOrTrain(other, &store);
    BOOST_TEST(store.loads == 0);
    BOOST_TEST(store.saves == 0);
}
