// The figures of `ccd classify --jsonl FILE --expect`: accuracy per label, the confusion
// matrix, P1 recall, safety recall and the misses.
#include "routing/classify/evaluation.hpp"

#define BOOST_TEST_MODULE classify_evaluation_test
#include <boost/test/unit_test.hpp>
#include <string>

namespace {

using ccd::routing::Evaluation;
using ccd::routing::ExpectedTriage;
using ccd::routing::ObservedTriage;

ExpectedTriage expected(const char* id, const char* category, const char* language,
                        const char* priority) {
    ExpectedTriage e;
    e.id = id;
    e.text = std::string("text of ") + id;
    e.category = category;
    e.language = language;
    e.priority = priority;
    return e;
}

ObservedTriage observed(const char* category, const char* language, const char* priority) {
    return {category, "", language, priority, {}};
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tallies_each_label_and_the_confusion_matrix) {
    Evaluation ev;
    ev.add(expected("a", "fault", "en", "P1"), observed("fault", "en", "P1"));
    ev.add(expected("b", "fault", "zh-Hans", "P1"), observed("other", "zh-Hans", "P2"));
    ev.add(expected("c", "billing", "zh-Hant", "P3"), observed("billing", "zh-Hans", "P3"));
    ev.add(expected("d", "other", "en", "P4"), observed("other", "en", "P4"));

    BOOST_TEST(ev.messages() == 4u);
    BOOST_TEST(ev.category().right == 3u);
    BOOST_TEST(ev.category().total == 4u);
    BOOST_TEST(ev.language().right == 3u);
    BOOST_TEST(ev.priority().right == 3u);
    BOOST_TEST(ev.p1Recall().right == 1u);
    BOOST_TEST(ev.p1Recall().total == 2u);
    BOOST_TEST(ev.p1Recall().rate() == 0.5);
    BOOST_TEST(ev.byCategory().at("fault").right == 1u);
    BOOST_TEST(ev.byCategory().at("fault").total == 2u);
    BOOST_TEST(ev.byLanguage().at("zh-Hant").right == 0u);
    BOOST_TEST(ev.byPriority().at("P1").total == 2u);
    BOOST_TEST(ev.confusion().at({"fault", "other"}) == 1u);
    BOOST_TEST(ev.confusion().at({"fault", "fault"}) == 1u);
    BOOST_TEST(ev.confusion().count({"billing", "other"}) == 0u);
    BOOST_REQUIRE_EQUAL(ev.misses().size(), 3u);
    BOOST_TEST(ev.misses()[0] == "b category: fault -> other: text of b");
    BOOST_TEST(ev.misses()[1] == "b priority: P1 -> P2: text of b");
    BOOST_TEST(ev.misses()[2] == "c language: zh-Hant -> zh-Hans: text of c");
}

BOOST_AUTO_TEST_CASE(unlabelled_fields_are_not_scored) {
    Evaluation ev;
    ExpectedTriage e;
    e.text = "no labels";
    ev.add(e, observed("fault", "en", "P3"));
    BOOST_TEST(ev.messages() == 1u);
    BOOST_TEST(ev.category().total == 0u);
    BOOST_TEST(ev.priority().total == 0u);
    BOOST_TEST(ev.p1Recall().rate() == 1.0);  // nothing to miss
    BOOST_TEST(ev.misses().empty());
    BOOST_TEST(!contains(ev.report(), "confusion"));
}

BOOST_AUTO_TEST_CASE(subtypes_are_scored_where_labelled) {
    Evaluation ev;
    ExpectedTriage leak = expected("l", "fault", "en", "P3");
    leak.subtype = "leak";
    ev.add(leak, {"fault", "leak", "en", "P3", {}});
    ExpectedTriage none = expected("n", "other", "en", "P4");
    none.subtype = "";  // labelled: no subtype
    ev.add(none, {"other", "noise", "en", "P4", {}});
    BOOST_TEST(ev.subtype().right == 1u);
    BOOST_TEST(ev.subtype().total == 2u);
    BOOST_TEST(ev.bySubtype().at("(none)").right == 0u);
    BOOST_REQUIRE_EQUAL(ev.misses().size(), 1u);
    BOOST_TEST(ev.misses()[0] == "n subtype: (none) -> noise: text of n");
    BOOST_TEST(contains(ev.report(), "subtype     1/2 (50.0%)\n"));
}

BOOST_AUTO_TEST_CASE(labelled_safety_signals_must_be_found) {
    Evaluation ev;
    ExpectedTriage e = expected("s", "fault", "en", "P1");
    e.safety = {"fire", "smoke"};
    ev.add(e, {"fault", "", "en", "P1", {"smoke"}});
    BOOST_TEST(ev.safetyRecall().right == 1u);
    BOOST_TEST(ev.safetyRecall().total == 2u);
    BOOST_REQUIRE_EQUAL(ev.misses().size(), 1u);
    BOOST_TEST(ev.misses()[0] == "s safety: fire -> (none): text of s");
}

BOOST_AUTO_TEST_CASE(the_report_prints_every_figure) {
    Evaluation ev;
    ev.add(expected("a", "fault", "en", "P1"), observed("fault", "en", "P1"));
    ev.add(expected("b", "fault", "zh-Hans", "P1"), observed("other", "zh-Hans", "P2"));
    const std::string r = ev.report();
    BOOST_TEST_MESSAGE(r);
    BOOST_TEST(contains(r, "messages    2\n"));
    BOOST_TEST(contains(r, "category    1/2 (50.0%)\n"));
    BOOST_TEST(contains(r, "  fault     1/2 (50.0%)\n"));
    BOOST_TEST(contains(r, "language    2/2 (100.0%)\n"));
    BOOST_TEST(contains(r, "priority    1/2 (50.0%)\n"));
    BOOST_TEST(contains(r, "P1 recall   1/2 (50.0%)\n"));
    BOOST_TEST(contains(r, "confusion (rows: expected, columns: got)\n"));
    BOOST_TEST(contains(r, "  fault 1     1\n"));  // fault row: 1 fault, 1 other
    BOOST_TEST(contains(r, "  other .     .\n"));
    BOOST_TEST(contains(r, "misses (2)\n  b category: fault -> other: text of b\n"));
    BOOST_TEST(!contains(r, " \n"));  // no trailing blanks
}
