// The list precision step (classification.list_precision): its context features, a model
// trained on a few examples that learns the kinds (a question, a hypothetical, another
// person's incident) rather than the words, and the shipped step on the shipped corpus:
// questions, hypotheticals, settled incidents and figurative words lose their list signals,
// hazards happening now keep them.
#define BOOST_TEST_MODULE list_precision_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "routing/classify/classifier.hpp"
#include "routing/classify/list_precision.hpp"
#include "routing/classify/text_normalizer.hpp"
#include "tests/support/shipped_routing.hpp"

namespace {

using ccd::routing::Classification;
using ccd::routing::Classifier;
using ccd::routing::ListPrecision;
using ccd::routing::ListPrecisionDef;
using ccd::routing::TextNormalizer;
using ccd::routing::UrgencyModel;
using Tokens = std::vector<std::string>;

ListPrecisionDef def() {
    ListPrecisionDef d;
    d.threshold = 0.3;
    d.epochs = 60;
    d.l2 = 1e-3;
    d.window = 20;
    d.markers["question"] = {"?", "吗"};
    d.markers["hypothetical"] = {"what if", "如果"};
    d.markers["third_party"] = {"neighbour", "news"};
    return d;
}

bool has(const Tokens& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

Classifier& shipped() {
    static Classifier instance(*ccd::testing::shippedTrainedClassifier());
    return instance;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(list_precision)

BOOST_AUTO_TEST_CASE(context_features_name_the_signals_and_the_markers_near_a_trigger) {
    const TextNormalizer normalizer;
    const ListPrecision step(def(), normalizer);
    const auto text = normalizer.normalize("what if it caught fire? the neighbour asked. ok");
    // "caught fire" at [11, 22): the question mark closes its sentence; "neighbour" is in the
    // next sentence, so in the message but not near.
    Tokens features;
    step.contextFeatures(text, {"safety:fire"}, {{11, 22}}, features);
    BOOST_TEST(has(features, "@sig:safety:fire"));
    BOOST_TEST(has(features, "@question"));
    BOOST_TEST(has(features, "@question~"));
    BOOST_TEST(has(features, "@hypothetical~"));
    BOOST_TEST(has(features, "@third_party"));
    BOOST_TEST(!has(features, "@third_party~"));

    Tokens plain;
    step.contextFeatures(normalizer.normalize("the toaster caught fire"), {"safety:fire"},
                         {{12, 23}}, plain);
    BOOST_TEST(plain == Tokens{"@sig:safety:fire"});
}

// A not_markers phrase holds a marker without being one: the marker inside it does not count,
// the same marker elsewhere does, and the phrase is no feature of its own.
BOOST_AUTO_TEST_CASE(a_marker_inside_a_not_markers_phrase_does_not_count) {
    const TextNormalizer normalizer;
    ListPrecisionDef d = def();
    d.markers["hypothetical"].push_back("if");
    d.markers["figurative"] = {"一样"};
    d.markers["not_markers"] = {"if needed", "不一样"};
    const ListPrecision step(d, normalizer);
    auto features = [&](const char* text) {
        Tokens out;
        step.contextFeatures(normalizer.normalize(text), {"safety:sparks"}, {{0, 4}}, out);
        return out;
    };
    BOOST_TEST(features("pins blackened. please inspect and, if needed, replace it") ==
               Tokens{"@sig:safety:sparks"});
    BOOST_TEST(has(features("if it sparks, what then"), "@hypothetical"));
    BOOST_TEST(has(features("pins blackened. if needed replace it. if it sparks again?"),
                   "@hypothetical"));
    BOOST_TEST(features("椅子腿长短不一样，一坐就晃") == Tokens{"@sig:safety:sparks"});
    BOOST_TEST(has(features("响得像放鞭炮一样"), "@figurative"));
}

// The model reads the signal's sentence and one on either side, not the whole letter.
BOOST_AUTO_TEST_CASE(the_model_reads_the_sentences_around_each_signal) {
    const TextNormalizer normalizer;
    const ListPrecision step(def(), normalizer);
    const auto text = normalizer.normalize(
        "hello. i am writing for my mum. we bought it in march. last night it sparked. "
        "it is unplugged now. she is fine. regards, karen");
    const std::int32_t at = text.indexOf(u"sparked");
    BOOST_REQUIRE(at > 0);
    std::string near;
    step.neighbourhood(text, {{at, at + 7}}).toUTF8String(near);
    BOOST_TEST(near == " we bought it in march.  last night it sparked.  it is unplugged now.");
    // Two signals far apart: both neighbourhoods, in order, each sentence once.
    const std::int32_t hello = 0;
    std::string both;
    step.neighbourhood(text, {{at, at + 7}, {hello, hello + 5}}).toUTF8String(both);
    BOOST_TEST(both == "hello.  i am writing for my mum.  we bought it in march.  last night it "
                       "sparked.  it is unplugged now.");
    // A signal without a span (a lookahead): the whole text.
    BOOST_TEST((step.neighbourhood(text, {{at, at}}) == text));
    // neighbourhoodPart: nothing when the neighbourhood is the whole text (a span-less signal,
    // or signals whose sentences cover it), the part otherwise.
    BOOST_TEST(!step.neighbourhoodPart(text, {{at, at}}).has_value());
    const auto short_text = normalizer.normalize("it sparked. it is unplugged now.");
    BOOST_TEST(!step.neighbourhoodPart(short_text, {{3, 10}}).has_value());
    const auto part = step.neighbourhoodPart(text, {{at, at + 7}});
    BOOST_REQUIRE(part.has_value());
    BOOST_TEST((*part == step.neighbourhood(text, {{at, at + 7}})));
}

// Trained on other words, the model vetoes a question about a new hazard word because it is
// a question, and keeps the same word told as a report.
BOOST_AUTO_TEST_CASE(it_learns_the_kind_not_the_word) {
    const TextNormalizer normalizer;
    ListPrecision step(def(), normalizer);
    std::vector<UrgencyModel::Example> examples = {
        {{"fire", "kitchen", "@sig:safety:fire"}, true},
        {{"smoke", "socket", "@sig:safety:smoke"}, true},
        {{"sparks", "plug", "@sig:safety:sparks"}, true},
        {{"gas", "smell", "hob", "@sig:safety:gas"}, true},
        {{"fire", "heater", "@sig:safety:fire", "@question", "@question~"}, false},
        {{"smoke", "alarm", "@sig:safety:smoke", "@hypothetical", "@hypothetical~"}, false},
        {{"gas", "cooker", "@sig:safety:gas", "@question", "@question~", "@hypothetical~"}, false},
        {{"sparks", "van", "@sig:safety:sparks", "@third_party", "@third_party~"}, false},
        {{"fire", "news", "@sig:safety:fire", "@third_party", "@third_party~"}, false},
    };
    step.train(examples);
    BOOST_REQUIRE(step.trained());
    const auto& m = step.model();
    const double asked = m.probability(Tokens{"explode", "battery", "@question", "@question~"});
    const double told = m.probability(Tokens{"explode", "battery"});
    BOOST_TEST(asked < step.threshold());
    BOOST_TEST(told > step.threshold());
    BOOST_TEST(told > asked);
    // Withdrawn only when a marker that speaks against presence is near the trigger: the same
    // low probability from the words alone keeps the signal.
    BOOST_TEST(step.vetoes(asked, Tokens{"@sig:safety:fire", "@question", "@question~"}));
    BOOST_TEST(!step.vetoes(asked, Tokens{"@sig:safety:fire"}));
    BOOST_TEST(!step.vetoes(asked, {}));
    BOOST_TEST(!step.vetoes(told, Tokens{"@question"}));  // above the threshold: kept
}

// A hazard whose words the look-alikes share, told with nothing that speaks against it, is
// kept however low the words put it (dev11: the corpus's look-alikes mention blenders).
BOOST_AUTO_TEST_CASE(the_words_alone_never_withdraw_a_hazard) {
    const TextNormalizer normalizer;
    ListPrecision step(def(), normalizer);
    std::vector<UrgencyModel::Example> examples = {
        {{"fire", "kitchen", "@sig:safety:fire"}, true},
        {{"smoke", "socket", "@sig:safety:smoke"}, true},
        {{"cut", "hand", "@sig:safety:injury", "@recent"}, true},
        {{"blender", "fire", "@sig:safety:fire", "@question", "@question~"}, false},
        {{"blender", "smoke", "@sig:safety:smoke", "@hypothetical", "@hypothetical~"}, false},
        {{"blender", "cut", "@sig:safety:injury", "@question"}, false},
        {{"blender", "lid", "@sig:safety:injury", "@past", "@past~"}, false},
    };
    step.train(examples);
    BOOST_REQUIRE(step.trained());
    const auto& m = step.model();
    BOOST_REQUIRE(m.weight("@question") < 0.0);
    BOOST_REQUIRE(m.weight("@recent") > 0.0);
    const Tokens words{"blender", "lid", "cut", "@sig:safety:injury"};
    const double p = m.probability(words);
    BOOST_TEST(p < step.threshold());  // the words point away ...
    BOOST_TEST(!step.vetoes(p, Tokens{"@sig:safety:injury"}));  // ... and do not withdraw it
    BOOST_TEST(!step.vetoes(p, Tokens{"@sig:safety:injury", "@recent"}));
    // Nor does a marker elsewhere in the message: a question about the bill, then the hazard
    // told beside it (H34: "quick billing question, why was I charged ...? also ... the socket
    // behind the washer sparks a bit when it spins"). Only one near the hazard speaks about it.
    BOOST_TEST(!step.vetoes(p, Tokens{"@sig:safety:injury", "@question"}));
    BOOST_REQUIRE(m.weight("@question~") < 0.0);
    BOOST_TEST(step.vetoes(p, Tokens{"@sig:safety:injury", "@question", "@question~"}));
}

// With a words threshold, the words alone withdraw a hazard they put far below it ("the fire
// dancers were INSANE"), and only those: just above it they need a near marker as before.
BOOST_AUTO_TEST_CASE(below_the_words_threshold_the_words_alone_withdraw) {
    const TextNormalizer normalizer;
    ListPrecisionDef d = def();
    d.threshold = 0.15;
    d.words_threshold = 0.01;
    const ListPrecision step(d, normalizer);
    BOOST_TEST(step.wordsThreshold() == 0.01);
    const Tokens signal_only{"@sig:safety:fire"};
    BOOST_TEST(step.vetoes(0.005, signal_only));
    BOOST_TEST(!step.vetoes(0.01, signal_only));
    BOOST_TEST(!step.vetoes(0.05, signal_only));
    BOOST_TEST(!step.vetoes(0.5, signal_only));
    // off unless set
    const ListPrecision plain(def(), normalizer);
    BOOST_TEST(plain.wordsThreshold() == 0.0);
    BOOST_TEST(!plain.vetoes(0.001, signal_only));
}

BOOST_AUTO_TEST_CASE(the_shipped_step_vetoes_look_alikes_and_keeps_hazards_now) {
    Classifier& c = shipped();
    BOOST_REQUIRE(c.config().list_precision.threshold.has_value());
    // Hazards happening now: kept, with the step's probability.
    for (const char* text : {
             "the toaster caught fire this morning, the kitchen is full of smoke",
             "我家的插座在冒烟，还有火花，怎么办",
             "部電暖爐而家冒緊煙，有陣燶味",
             "gas smell in the kitchen getting stronger, we've opened the windows",
             // A letter whose other paragraphs (who writes, when it was bought, that the
             // writer's father is fine) once weighed against the sparks (H24).
             "Hello,\n\nThe fan heater I bought for my dad's bungalow gave off a couple of "
             "sparks from the grille last night and tripped the electrics. Dad's fine, it's "
             "unplugged and in the garage now. He still needs a heater for his front room, so "
             "rather than a refund could you swap it for a new one, or a different model if "
             "this one has a known problem?\n\nMany thanks,\nClaire Edwards",
         }) {
        const Classification r = c.classify(text);
        BOOST_TEST(!r.safety.empty(), text << ": hazard lost (p=" << r.presence_probability.value_or(-1) << ")");
        BOOST_TEST(r.vetoed.empty(), text);
        BOOST_TEST(r.presence_probability.has_value(), text);
    }
    // Look-alikes the lists raise: withdrawn.
    for (const char* text : {
             "would the patio heater set the awning on fire if the wind blew it over? not bought yet",
             "如果以后电动车电池起火了，保险赔不赔？现在没事，先问问",
         }) {
        const Classification r = c.classify(text);
        BOOST_TEST(r.safety.empty(), text << ": p=" << r.presence_probability.value_or(-1));
        BOOST_TEST(!r.vetoed.empty(), text);
        BOOST_TEST(r.urgency.empty(), text);  // the learned urgency model is not asked
    }
    // Nothing raised by the lists: the step is not asked.
    BOOST_TEST(!c.classify("can I get a copy of my invoice").presence_probability.has_value());
}

BOOST_AUTO_TEST_CASE(explain_shows_the_probability_and_the_decision) {
    ccd::routing::ClassifyHints hints;
    hints.explain = true;
    const Classification r =
        shipped().classify("what happens if the power bank catches fire on a plane?", hints);
    bool found = false;
    for (const auto& e : r.evidence) {
        if (e.feature.rfind("precision:p=", 0) == 0) {
            found = true;
            BOOST_TEST((e.feature.find(" veto") != std::string::npos ||
                        e.feature.find(" keep") != std::string::npos));
        }
    }
    BOOST_TEST(found);
}

BOOST_AUTO_TEST_SUITE_END()
