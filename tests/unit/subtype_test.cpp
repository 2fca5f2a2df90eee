// Subtypes on the shipped configuration (config/routing.yaml): every example written under a
// subtype comes out as its category and that subtype; a subtype is looked for only under the
// decided category; rules can test it.
#include "routing/classify/classifier.hpp"

#define BOOST_TEST_MODULE subtype_test
#include <boost/test/unit_test.hpp>
#include <string>

#include "config/routing_config_parser.hpp"
#include "routing/engine.hpp"
#include "routing/rules.hpp"

namespace {

using ccd::routing::Classification;

ccd::routing::RoutingConfigPtr shipped() {
    static auto cfg = ccd::config::loadRoutingConfig(CCD_SOURCE_DIR "/config/routing.yaml");
    return cfg;
}

Classification classify(const std::string& text) {
    static ccd::routing::Classifier classifier(shipped()->classification);
    return classifier.classify(text);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_shipped_file_has_subtypes_under_each_category) {
    std::size_t subtypes = 0;
    for (const auto& category : shipped()->classification.categories) {
        subtypes += category.subtypes.size();
        if (category.name != "other") {
            BOOST_TEST(!category.subtypes.empty(), category.name << " has no subtypes");
        }
    }
    BOOST_TEST(subtypes >= 25u);
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

BOOST_AUTO_TEST_CASE(no_subtype_outside_the_decided_category) {
    const Classification c = classify("asdf qwer");
    BOOST_TEST(c.category == "other");
    BOOST_TEST(c.subtype.empty());
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
