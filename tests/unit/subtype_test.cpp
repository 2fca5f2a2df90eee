// Subtypes: on the shipped configuration (config/routing.yaml) every category has subtypes and
// each subtype's own examples come out as it; on a small configuration, the corpus teaches a
// subtype words its phrases do not list, phrases outweigh single tokens, and a text with no
// evidence gets none; rules can test the subtype, waiting rules too (the conversation's).
#include "routing/classify/classifier.hpp"

#define BOOST_TEST_MODULE subtype_test
#include <boost/test/unit_test.hpp>
#include <string>

#include "config/routing_config_parser.hpp"
#include "routing/engine.hpp"
#include "routing/rules.hpp"
#include "tests/support/engine_actions.hpp"
#include "tests/support/shipped_routing.hpp"

namespace {

using ccd::routing::Classification;

ccd::routing::RoutingConfigPtr shipped() { return ccd::testing::shippedRouting(); }

Classification classify(const std::string& text) {
    static ccd::routing::Classifier classifier(*ccd::testing::shippedTrainedClassifier());
    return classifier.classify(text);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_shipped_file_has_subtypes_under_each_category) {
    std::size_t subtypes = 0;
    for (const auto& category : shipped()->classification.categories) {
        subtypes += category.subtypes.size();
        BOOST_TEST(!category.subtypes.empty(), category.name << " has no subtypes");
    }
    BOOST_TEST(subtypes >= 30u);
}

BOOST_AUTO_TEST_CASE(every_example_comes_out_as_its_subtype) {
    std::size_t examples = 0, right = 0;
    for (const auto& category : shipped()->classification.categories) {
        for (const auto& subtype : category.subtypes) {
            BOOST_TEST(subtype.examples.size() == 3u, subtype.name << ": one example per language");
            for (const auto& [language, list] : subtype.examples) {
                for (const auto& text : list) {
                    ++examples;
                    const Classification c = classify(text);
                    const bool ok = c.category == category.name && c.subtype == subtype.name;
                    right += ok ? 1 : 0;
                    BOOST_TEST(ok, language << " " << text << ": expected " << category.name
                                            << "/" << subtype.name << ", got " << c.category
                                            << "/" << c.subtype);
                }
            }
        }
    }
    BOOST_TEST_MESSAGE("subtype examples: " << right << "/" << examples);
}

BOOST_AUTO_TEST_CASE(no_evidence_no_subtype) {
    const Classification c = classify("asdf qwer");
    BOOST_TEST(c.category == "other");
    BOOST_TEST(c.subtype.empty());
}

namespace {

// fault {leak: "leak", noise: "noise"} and other; the corpus teaches hums and drips.
ccd::routing::ClassifierConfig smallConfig() {
    using namespace ccd::routing;
    ClassifierConfig cfg;
    CategoryDef fault;
    fault.name = "fault";
    fault.keywords = {"broken"};
    fault.examples["en"] = {"it is broken"};
    SubtypeDef leak;
    leak.name = "leak";
    leak.keywords = {"leak*"};
    SubtypeDef noise;
    noise.name = "noise";
    noise.keywords = {"noise", "noisy"};
    fault.subtypes = {leak, noise};
    CategoryDef other;
    other.name = "other";
    other.examples["en"] = {"what are your opening hours"};
    cfg.categories = {fault, other};
    cfg.fallback_category = "other";
    cfg.confidence_threshold = 0.4;
    cfg.corpus = {
        {"fault", "noise", "en", "the pump hums all night", std::nullopt},
        {"fault", "noise", "en", "a loud hum from the motor", std::nullopt},
        {"fault", "leak", "en", "water drips from the bottom", std::nullopt},
        {"fault", "leak", "en", "it drips onto the floor", std::nullopt},
        {"fault", "", "en", "the machine is broken again", std::nullopt},
    };
    return cfg;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_corpus_teaches_what_the_phrases_do_not_list) {
    ccd::routing::Classifier small(smallConfig());
    Classification c = small.classify("broken, it hums");
    BOOST_TEST(c.category == "fault");
    BOOST_TEST(c.subtype == "noise");
    BOOST_TEST(c.subtype_confidence > 0.5);
    c = small.classify("broken and it drips");
    BOOST_TEST(c.subtype == "leak");
    // A phrase match is worth keyword_weight: it beats one corpus token of the other subtype.
    c = small.classify("broken: it hums and there is a leak");
    BOOST_TEST(c.subtype == "leak");
    // "broken" is a fault word no subtype saw: it decides the category, not the subtype.
    c = small.classify("broken");
    BOOST_TEST(c.category == "fault");
    BOOST_TEST(c.subtype.empty());
}

BOOST_AUTO_TEST_CASE(a_corpus_line_with_an_unknown_label_is_refused) {
    auto cfg = smallConfig();
    cfg.corpus.push_back({"fault", "smell", "en", "it smells", std::nullopt});
    BOOST_CHECK_THROW(ccd::routing::Classifier{cfg}, std::invalid_argument);
    cfg = smallConfig();
    cfg.corpus.push_back({"billing", "", "en", "charged twice", std::nullopt});
    BOOST_CHECK_THROW(ccd::routing::Classifier{cfg}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(rules_can_test_the_subtype) {
    ccd::routing::RuleDef leak;
    leak.name = "leak";
    leak.when.subtypes = {"leak"};
    leak.then.priority = 2;
    ccd::routing::RuleSet rules({leak}, nullptr, "", [](std::string_view s) { return std::string(s); });
    Classification c = classify("The washing machine is leaking water all over the floor.");
    BOOST_TEST(c.subtype == "leak");
    ccd::routing::RuleInput in;
    in.classification = &c;
    BOOST_TEST(rules.evaluate(in).priority.value_or(0) == 2);
    c.subtype = "noise";
    BOOST_TEST(!rules.evaluate(in).priority.has_value());
}

// A waiting rule that names a subtype sees the conversation's, kept from its first message
// (before, the waiting rules were given the category alone and such a rule never matched).
BOOST_AUTO_TEST_CASE(a_waiting_rule_sees_the_conversations_subtype) {
    using namespace ccd::routing;
    using namespace std::chrono_literals;
    std::string text = ccd::testing::shippedRoutingText();
    const std::string rule =
        "    when: {waiting_at_least: 20m, category: [usage, other]}\n    then: {priority: P3}\n";
    auto at = text.find(rule);
    BOOST_REQUIRE(at != std::string::npos);
    text.replace(at, rule.size(),
                 "    when: {waiting_at_least: 20m, subtype: leak}\n    then: {priority: P2}\n");
    Engine e(ccd::config::parseRoutingConfig(text, CCD_SOURCE_DIR "/config/routing.yaml"));
    const TimePoint open = TimePoint(std::chrono::seconds(1795485600));  // Tuesday 10:00 Shanghai
    e.handle(ccd::testing::firstMessage(1, ChannelKind::Api,
                                        "The washing machine is leaking water all over the floor."),
             open);
    e.handle(
        ccd::testing::firstMessage(2, ChannelKind::Api, "The fridge makes a loud noise all night"),
        open);
    BOOST_REQUIRE(e.conversation(1)->subtype == "leak");
    BOOST_REQUIRE(e.conversation(2)->subtype != "leak");
    BOOST_TEST(e.conversation(1)->priority > 2);
    auto out = e.handle(Tick{}, open + 21min);
    auto raised = ccd::testing::one<PriorityChanged>(out);  // the leak only
    BOOST_TEST(raised.conversation_id == 1);
    BOOST_TEST(raised.to == 2);
}
