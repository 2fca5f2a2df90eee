// The `classification:` section of routing.yaml: each mistake is reported once, at its own
// line and column, with its YAML path.
#include "config/classification_parser.hpp"

#define BOOST_TEST_MODULE classification_config_test
#include <boost/test/unit_test.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "config/routing_config_parser.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/shipped_routing.hpp"

using ccd::config::ConfigError;
using ccd::config::ConfigIssue;

namespace {

// A valid section; the tests change one line (1-based numbers in the comments).
const std::vector<std::string> kBase = {
    "classification:",                  // 1
    "  fallback_category: other",       // 2
    "  confidence_threshold: 0.4",      // 3
    "  categories:",                    // 4
    "    - name: fault",                // 5
    "      keywords: [broken, 坏了]",   // 6
    "      regexes: ['不(工作|转)']",   // 7
    "      examples:",                  // 8
    "        en: [\"it is broken\"]",   // 9
    "        zh-Hans: [\"坏了\"]",      // 10
    "    - name: billing",              // 11
    "      examples:",                  // 12
    "        en: [\"charged twice\"]",  // 13
    "    - name: other",                // 14
    "  sentiment:",                     // 15
    "    positive: [good]",             // 16
    "    negative: [bad]",              // 17
    "    negation_window: 3",           // 18
    "  safety:",                        // 19
    "    - name: fire",                 // 20
    "      keywords: [fire]",           // 21
    "      exclusions: [fire tv]",      // 22
};

std::string text(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

/// The base file with lines `first`..`last` (1-based, inclusive) replaced by `replacement`
/// (which may hold several lines).
std::string withLines(int first, int last, const std::string& replacement) {
    auto lines = kBase;
    lines.erase(lines.begin() + (first - 1), lines.begin() + last);
    lines.insert(lines.begin() + (first - 1), replacement);
    return text(lines);
}

std::string withLine(int number, const std::string& replacement) {
    return withLines(number, number, replacement);
}

std::vector<ConfigIssue> issuesOf(const std::string& yaml) {
    try {
        ccd::config::parseRoutingConfig(yaml, "/etc/ccd/routing.yaml");
    } catch (const ConfigError& e) {
        return e.issues();
    }
    return {};
}

void expectIssue(const std::string& yaml, int line, int column, const std::string& path,
                 const std::string& words) {
    ccd::testing::expectOneIssue(issuesOf(yaml), yaml, line, column, path, words,
                                 "/etc/ccd/routing.yaml");
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_base_section_parses) {
    const auto cfg = ccd::config::parseRoutingConfig(text(kBase), "routing.yaml");
    const auto& c = cfg->classification;
    BOOST_REQUIRE_EQUAL(c.categories.size(), 3u);
    BOOST_TEST(c.categories[0].name == "fault");
    BOOST_TEST(c.categories[0].keywords.size() == 2u);
    BOOST_TEST(c.categories[0].regexes.size() == 1u);
    BOOST_TEST(c.categories[0].examples.at("zh-Hans").front() == "坏了");
    BOOST_TEST(c.categories[2].examples.empty());
    BOOST_TEST(c.fallback_category == "other");
    BOOST_TEST(c.confidence_threshold == 0.4);
    BOOST_TEST(c.sentiment.negation_window == 3);
    BOOST_REQUIRE_EQUAL(c.safety.size(), 1u);
    BOOST_TEST(c.safety[0].exclusions.front() == "fire tv");
}

BOOST_AUTO_TEST_CASE(the_shipped_section_parses) {
    const auto cfg = ccd::testing::shippedRouting();
    const auto& c = cfg->classification;
    BOOST_TEST(c.categories.size() == 8u);
    BOOST_TEST(c.fallback_category == "other");
    BOOST_TEST(c.safety.size() >= 8u);
    BOOST_TEST(!c.stopwords.empty());
    BOOST_TEST(c.quoted_name_length == 40);
}

BOOST_AUTO_TEST_CASE(a_file_without_the_section_keeps_the_defaults) {
    const auto cfg = ccd::config::parseRoutingConfig("queues: {}\n", "routing.yaml");
    BOOST_TEST(cfg->classification.categories.empty());
    BOOST_TEST(cfg->classification.fallback_category == "other");
}

BOOST_AUTO_TEST_CASE(unknown_keys) {
    expectIssue(withLine(3, "  confidence_treshold: 0.4"), 3, 3,
                "classification.confidence_treshold", "did you mean \"confidence_threshold\"");
    expectIssue(withLine(6, "      keyword: [broken]"), 6, 7,
                "classification.categories[0].keyword", "did you mean \"keywords\"");
    expectIssue(withLine(10, "        zh-CN: [\"坏了\"]"), 10, 9,
                "classification.categories[0].examples.zh-CN", "unknown key");
    expectIssue(withLine(18, "    window: 3"), 18, 5, "classification.sentiment.window",
                "unknown key");
    expectIssue(withLine(22, "      exclusion: [fire tv]"), 22, 7,
                "classification.safety[0].exclusion", "did you mean \"exclusions\"");
}

BOOST_AUTO_TEST_CASE(wrong_types) {
    expectIssue(withLines(4, 14, "  categories: fault"), 4, 15, "classification.categories",
                "expected a list");
    expectIssue(withLine(6, "      keywords: {broken: 1}"), 6, 17,
                "classification.categories[0].keywords", "expected a list of strings");
    expectIssue(withLine(6, "      keywords: [broken, [nested]]"), 6, 26,
                "classification.categories[0].keywords[1]", "expected a string");
    expectIssue(withLines(8, 10, "      examples: [\"it is broken\"]"), 8, 17,
                "classification.categories[0].examples", "expected a map");
    expectIssue(withLines(15, 18, "  sentiment: [good]"), 15, 14, "classification.sentiment",
                "expected a map");
    expectIssue(withLine(18, "    negation_window: three"), 18, 22,
                "classification.sentiment.negation_window", "expected an integer");
    expectIssue(withLines(19, 22, "  safety: fire"), 19, 11, "classification.safety",
                "expected a list");
    expectIssue(withLines(1, 22, "classification: [other]"), 1, 17, "classification",
                "expected a map");
}

BOOST_AUTO_TEST_CASE(out_of_range_numbers) {
    expectIssue(withLine(3, "  confidence_threshold: 1.5"), 3, 25,
                "classification.confidence_threshold", "between 0 and 1");
    expectIssue(withLine(3, "  smoothing: 0"), 3, 14, "classification.smoothing", "between");
    expectIssue(withLine(3, "  temperature: -1"), 3, 16, "classification.temperature", "between");
    expectIssue(withLine(3, "  keyword_weight: 50"), 3, 19, "classification.keyword_weight",
                "between 0 and 20");
    expectIssue(withLine(18, "    negation_window: -1"), 18, 22,
                "classification.sentiment.negation_window", "between 0 and 20");
    expectIssue(withLine(18, "    neutral_band: 0"), 18, 19,
                "classification.sentiment.neutral_band", "between");
    expectIssue(withLine(3, "  quoted_name_length: -1"), 3, 23,
                "classification.quoted_name_length", "between 0 and 200");
    expectIssue(withLine(3, "  quoted_name_length: long"), 3, 23,
                "classification.quoted_name_length", "expected an integer");
}

BOOST_AUTO_TEST_CASE(duplicate_names) {
    expectIssue(withLine(11, "    - name: fault"), 11, 13, "classification.categories[1].name",
                "duplicate category \"fault\"");
    expectIssue(withLine(22, "    - name: fire\n      keywords: [flames]"), 22, 13,
                "classification.safety[1].name", "duplicate safety signal \"fire\"");
}

BOOST_AUTO_TEST_CASE(missing_and_empty_names) {
    expectIssue(withLines(11, 13, "    - examples: {en: [\"charged twice\"]}"), 11, 7,
                "classification.categories[1].name", "missing required key \"name\"");
    expectIssue(withLine(11, "    - name: \"\""), 11, 13, "classification.categories[1].name",
                "must not be empty");
}

BOOST_AUTO_TEST_CASE(fallback_must_name_a_category) {
    expectIssue(withLine(2, "  fallback_category: misc"), 2, 22, "classification.fallback_category",
                "no category named \"misc\"");
    // The default fallback ("other") must exist too when the key is left out.
    auto lines = kBase;
    lines.erase(lines.begin() + 13);  // "- name: other"
    lines.erase(lines.begin() + 1);   // fallback_category
    expectIssue(text(lines), 2, 3, "classification.fallback_category",
                "no category named \"other\" (the default");
}

BOOST_AUTO_TEST_CASE(urgency_signals_read_and_checked_like_safety_signals) {
    const std::string urgency =
        "    - name: fire\n      keywords: [fire]\n"
        "  urgency:\n"
        "    - name: production_stopped\n"
        "      keywords: [停产, line stopped]\n"
        "      regexes: ['(产线|生产线).{0,6}停']\n"
        "      exclusions: [line stopped printing]";
    const auto cfg = ccd::config::parseRoutingConfig(withLines(20, 22, urgency), "routing.yaml");
    BOOST_REQUIRE_EQUAL(cfg->classification.urgency.size(), 1u);
    BOOST_TEST(cfg->classification.urgency[0].name == "production_stopped");
    BOOST_TEST(cfg->classification.urgency[0].keywords.size() == 2u);
    BOOST_TEST(cfg->classification.urgency[0].exclusions.size() == 1u);
    // In the replaced file "  urgency:" is line 22 and the list's second item starts at 27.
    expectIssue(withLines(20, 22, urgency + "\n    - name: production_stopped\n"
                                            "      keywords: [停工]"),
                27, 13, "classification.urgency[1].name",
                "duplicate urgency signal \"production_stopped\"");
    expectIssue(withLines(20, 22, urgency + "\n    - name: business_down"), 27, 7,
                "classification.urgency[1]", "an urgency signal needs keywords or regexes");
    expectIssue(withLines(20, 22, urgency + "\n    - name: child\n      regexes: ['(孩子']"), 28,
                17, "classification.urgency[1].regexes[0]", "invalid regular expression");
}

BOOST_AUTO_TEST_CASE(keywords_need_is_read_and_checked) {
    // "  urgency:" is line 22; the item's keys follow from line 23.
    const std::string base =
        "    - name: fire\n      keywords: [fire]\n"
        "  urgency:\n"
        "    - name: medical_device\n";
    const auto cfg = ccd::config::parseRoutingConfig(
        withLines(20, 22, base + "      keywords: [ventilator]\n      keywords_need: [alarm*, 坏]"),
        "routing.yaml");
    BOOST_REQUIRE_EQUAL(cfg->classification.urgency.size(), 1u);
    BOOST_TEST(cfg->classification.urgency[0].keywords_need.size() == 2u);
    expectIssue(withLines(20, 22, base + "      keywords: [ventilator]\n      keywords_need: []"), 25,
                22, "classification.urgency[0].keywords_need",
                "keywords_need needs at least one phrase");
    expectIssue(withLines(20, 22, base + "      regexes: [ventilator]\n      keywords_need: [alarm]"),
                25, 22, "classification.urgency[0].keywords_need",
                "keywords_need without keywords");
    expectIssue(withLines(20, 22, base + "      keywords: [ventilator]\n      keyword_need: [alarm]"),
                25, 7, "classification.urgency[0].keyword_need", "unknown key \"keyword_need\"");
}

BOOST_AUTO_TEST_CASE(setting_keywords_are_read_and_checked) {
    // "  urgency:" is line 22; the item's keys follow from line 23.
    const std::string base =
        "    - name: fire\n      keywords: [fire]\n"
        "  urgency:\n"
        "    - name: injury\n      keywords: [bleeding]\n";
    const auto cfg = ccd::config::parseRoutingConfig(
        withLines(20, 22, base + "      setting_keywords: [hospital, 医院]\n"
                                 "      setting_need: [hurt, 摔]"),
        "routing.yaml");
    BOOST_REQUIRE_EQUAL(cfg->classification.urgency.size(), 1u);
    BOOST_TEST(cfg->classification.urgency[0].setting_keywords.size() == 2u);
    BOOST_TEST(cfg->classification.urgency[0].setting_need.size() == 2u);
    expectIssue(withLines(20, 22, base + "      setting_keywords: [hospital]"), 25, 25,
                "classification.urgency[0].setting_keywords", "need a setting_need list");
    expectIssue(withLines(20, 22, base + "      setting_need: [hurt]"), 25, 21,
                "classification.urgency[0].setting_need", "setting_need without setting_keywords");
}

BOOST_AUTO_TEST_CASE(subtypes_read_and_checked) {
    // Line 11 "    - name: billing" becomes billing with subtypes (lines 11..).
    const std::string billing =
        "    - name: billing\n"
        "      subtypes:\n"
        "        - name: charge\n"
        "          keywords: [charged twice]\n"
        "          examples: {en: [\"I was charged twice\"]}";
    const auto cfg = ccd::config::parseRoutingConfig(withLine(11, billing), "routing.yaml");
    BOOST_REQUIRE_EQUAL(cfg->classification.categories[1].subtypes.size(), 1u);
    const auto& charge = cfg->classification.categories[1].subtypes[0];
    BOOST_TEST(charge.name == "charge");
    BOOST_TEST(charge.keywords.size() == 1u);
    BOOST_TEST(charge.examples.at("en").size() == 1u);
    // The same name under another category (fault, line 5, one line longer now): rules name
    // a subtype without its category.
    auto lines = kBase;
    lines[10] = billing;
    lines[4] = "    - name: fault\n      subtypes: [{name: charge, keywords: [x]}]";
    expectIssue(text(lines), 14, 17, "classification.categories[1].subtypes[0].name",
                "duplicate subtype \"charge\" (also under category \"fault\")");
    expectIssue(withLine(11, "    - name: billing\n      subtypes:\n        - name: charge"), 13,
                11, "classification.categories[1].subtypes[0]",
                "a subtype needs keywords or regexes");
}

BOOST_AUTO_TEST_CASE(safety_category_must_name_a_category) {
    expectIssue(withLine(3, "  safety_category: faults"), 3, 20, "classification.safety_category",
                "no category named \"faults\"");
    expectIssue(withLine(3, "  safety_weight: 30"), 3, 18, "classification.safety_weight",
                "between 0 and 20");
    const auto cfg = ccd::config::parseRoutingConfig(
        withLine(3, "  safety_category: fault\n  safety_weight: 3"), "routing.yaml");
    BOOST_TEST(cfg->classification.safety_category == "fault");
    BOOST_TEST(cfg->classification.safety_weight == 3.0);
}

BOOST_AUTO_TEST_CASE(a_category_without_examples) {
    expectIssue(withLines(12, 13, "      keywords: [invoice]\n      examples:"), 11, 7,
                "classification.categories[1]", "needs at least one example");
    expectIssue(withLine(13, "        en: []"), 13, 9, "classification.categories[1].examples",
                "needs at least one example");
    // The fallback category may have none (line 14 has none): the base file is proof.
}

BOOST_AUTO_TEST_CASE(bad_regular_expressions_are_reported_at_the_pattern) {
    expectIssue(withLine(7, "      regexes: ['ok', '不(工作|转']"), 7, 23,
                "classification.categories[0].regexes[1]", "invalid regular expression");
    expectIssue(withLine(7, "      regexes:\n        - 'a{2,1}'"), 8, 11,
                "classification.categories[0].regexes[0]", "invalid regular expression");
    expectIssue(withLine(22, "      regexes: ['[unclosed']"), 22, 17,
                "classification.safety[0].regexes[0]", "invalid regular expression");
    expectIssue(withLine(7, "      regexes: ['']"), 7, 17,
                "classification.categories[0].regexes[0]", "must not be empty");
}

BOOST_AUTO_TEST_CASE(phrases_that_would_match_everything) {
    expectIssue(withLine(6, "      keywords: [broken, '*']"), 6, 26,
                "classification.categories[0].keywords[1]", "at least one letter or digit");
    expectIssue(withLine(21, "      keywords: ['']"), 21, 18,
                "classification.safety[0].keywords[0]", "at least one letter or digit");
}

BOOST_AUTO_TEST_CASE(a_safety_signal_needs_something_to_match) {
    expectIssue(withLine(21, "      regexes: []") + "", 20, 7, "classification.safety[0]",
                "needs keywords or regexes");
}

BOOST_AUTO_TEST_CASE(a_word_in_two_sentiment_lists) {
    expectIssue(withLine(17, "    negative: [bad, good]"), 17, 21,
                "classification.sentiment.negative[1]", "also in positive");
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_not_only_the_first) {
    auto lines = kBase;
    lines[2] = "  confidence_threshold: 2";
    lines[6] = "      regexes: ['(']";
    lines[10] = "    - name: fault";
    const auto issues = issuesOf(text(lines));
    BOOST_TEST(issues.size() == 3u);
}

namespace {

// A folder with routing.yaml (the base section plus `corpus:`) and a corpus file.
struct CorpusFiles {
    std::filesystem::path dir;
    explicit CorpusFiles(const std::string& corpus, const std::string& corpus_line = "  corpus: corpus.jsonl") {
        dir = std::filesystem::temp_directory_path() /
              ("ccd-corpus-" + std::to_string(::getpid()) + "-" + std::to_string(++count()));
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "corpus.jsonl") << corpus;
        auto lines = kBase;
        lines.insert(lines.begin() + 3, corpus_line);  // before "  categories:" (line 4)
        std::ofstream(dir / "routing.yaml") << text(lines);
    }
    ~CorpusFiles() { std::filesystem::remove_all(dir); }
    static int& count() {
        static int n = 0;
        return n;
    }
    std::vector<ConfigIssue> issues() const {
        try {
            ccd::config::loadRoutingConfig((dir / "routing.yaml").string());
        } catch (const ConfigError& e) {
            return e.issues();
        }
        return {};
    }
    std::string corpusFile() const { return (dir / "corpus.jsonl").lexically_normal().string(); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_corpus_is_read_relative_to_the_routing_file) {
    CorpusFiles files(
        "{\"lang\": \"en\", \"category\": \"fault\", \"subtype\": \"\", \"text\": \"it hums\"}\n"
        "\n"
        "{\"lang\": \"zh-Hant\", \"category\": \"billing\", \"text\": \"多收了錢\", \"id\": 7}\r\n");
    const auto cfg = ccd::config::loadRoutingConfig((files.dir / "routing.yaml").string());
    const auto& c = cfg->classification;
    BOOST_TEST(c.corpus_path == files.corpusFile());
    BOOST_REQUIRE_EQUAL(c.corpus.size(), 2u);
    BOOST_TEST(c.corpus[0].text == "it hums");
    BOOST_TEST(c.corpus[1].language == "zh-Hant");
    BOOST_TEST(c.corpus[1].category == "billing");
}

BOOST_AUTO_TEST_CASE(each_bad_corpus_line_is_reported_at_its_line) {
    CorpusFiles files(
        "{\"lang\": \"en\", \"category\": \"fault\", \"text\": \"fine\"}\n"
        "{\"lang\": \"en\", \"category\": \"fault\", \"text\": \"cut off\n"
        "{\"lang\": \"fr\", \"category\": \"fault\", \"text\": \"en panne\"}\n"
        "{\"lang\": \"en\", \"category\": \"faults\", \"text\": \"x\"}\n"
        "{\"lang\": \"en\", \"category\": \"fault\", \"subtype\": \"leak\", \"text\": \"x\"}\n"
        "{\"lang\": \"en\", \"category\": \"fault\", \"text\": \"  \"}\n"
        "{\"lang\": \"en\", \"category\": \"fault\", \"text\": \"x\", \"label\": 1}\n"
        "[1, 2]\n");
    const auto issues = files.issues();
    std::string all;
    for (const auto& issue : issues) all += issue.format() + "\n";
    BOOST_TEST_CONTEXT(all) {
        BOOST_REQUIRE_EQUAL(issues.size(), 7u);
        const std::vector<std::pair<int, std::string>> expected = {
            {2, "invalid JSON"},
            {3, "\"lang\" must be en, zh-Hans or zh-Hant (got \"fr\")"},
            {4, "no category named \"faults\""},
            {5, "category \"fault\" has no subtype named \"leak\""},
            {6, "\"text\" must be a non-empty string"},
            {7, "unknown key \"label\""},
            {8, "expected a JSON object"},
        };
        for (std::size_t i = 0; i < expected.size(); ++i) {
            BOOST_TEST(issues[i].file == files.corpusFile());
            BOOST_TEST(issues[i].line == expected[i].first);
            BOOST_TEST(issues[i].path == "classification.corpus");
            BOOST_TEST(issues[i].message.find(expected[i].second) != std::string::npos,
                       issues[i].message);
        }
        BOOST_TEST(issues[0].column > 1);  // where the JSON breaks off
    }
}

BOOST_AUTO_TEST_CASE(the_urgent_label_trains_the_learned_urgency_model) {
    CorpusFiles files(
        "{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": true, \"text\": \"eggs cooling\"}\n"
        "{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": false, \"text\": \"it hums\"}\n"
        "{\"lang\": \"en\", \"category\": \"fault\", \"text\": \"no label\"}\n",
        "  corpus: corpus.jsonl\n  learned_urgency: {threshold: 0.6, l2: 0.01, epochs: 5, max_weight: 1.5}");
    const auto cfg = ccd::config::loadRoutingConfig((files.dir / "routing.yaml").string());
    const auto& c = cfg->classification;
    BOOST_REQUIRE_EQUAL(c.corpus.size(), 3u);
    BOOST_TEST((c.corpus[0].urgent == std::optional<bool>(true)));
    BOOST_TEST((c.corpus[1].urgent == std::optional<bool>(false)));
    BOOST_TEST(!c.corpus[2].urgent.has_value());
    BOOST_TEST((c.learned_urgency.threshold == std::optional<double>(0.6)));
    BOOST_TEST(c.learned_urgency.l2 == 0.01);
    BOOST_TEST(c.learned_urgency.epochs == 5);
    BOOST_TEST((c.learned_urgency.max_weight == std::optional<double>(1.5)));
}

BOOST_AUTO_TEST_CASE(a_bad_urgent_label_or_learned_urgency_is_reported) {
    CorpusFiles label("{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": \"yes\", \"text\": \"x\"}\n");
    auto issues = label.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].file == label.corpusFile());
    BOOST_TEST(issues[0].line == 1);
    BOOST_TEST(issues[0].message == "\"urgent\" must be true or false");

    CorpusFiles unlabelled("{\"lang\": \"en\", \"category\": \"fault\", \"text\": \"x\"}\n",
                           "  corpus: corpus.jsonl\n  learned_urgency: {threshold: 0.5}");
    issues = unlabelled.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].line == 5);
    BOOST_TEST(issues[0].path == "classification.learned_urgency");
    BOOST_TEST(issues[0].message.find("labelled \"urgent\"") != std::string::npos,
               issues[0].message);

    CorpusFiles no_threshold("{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": true, \"text\": \"x\"}\n",
                             "  corpus: corpus.jsonl\n  learned_urgency: {threshold: 1.5}");
    issues = no_threshold.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].path == "classification.learned_urgency.threshold");

    CorpusFiles no_cap("{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": true, \"text\": \"x\"}\n",
                       "  corpus: corpus.jsonl\n  learned_urgency: {threshold: 0.5, max_weight: 0}");
    issues = no_cap.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].path == "classification.learned_urgency.max_weight");
    BOOST_TEST(issues[0].line == 5);
}

BOOST_AUTO_TEST_CASE(the_list_precision_step_is_read_and_checked) {
    CorpusFiles files(
        "{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": true, \"text\": \"fire now\"}\n",
        "  corpus: corpus.jsonl\n"
        "  list_precision:\n"
        "    threshold: 0.25\n"
        "    l2: 0.05\n"
        "    epochs: 12\n"
        "    window: 30\n"
        "    markers: {question: [\"?\", 吗], past: [last year]}");
    const auto cfg = ccd::config::loadRoutingConfig((files.dir / "routing.yaml").string());
    const auto& p = cfg->classification.list_precision;
    BOOST_TEST((p.threshold == std::optional<double>(0.25)));
    BOOST_TEST(p.l2 == 0.05);
    BOOST_TEST(p.epochs == 12);
    BOOST_TEST(p.window == 30);
    BOOST_REQUIRE_EQUAL(p.markers.size(), 2u);
    BOOST_TEST(p.markers.at("question").size() == 2u);
    BOOST_TEST(p.markers.at("past").front() == "last year");

    CorpusFiles bad("{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": true, \"text\": \"x\"}\n",
                    "  corpus: corpus.jsonl\n  list_precision: {threshold: 1.5}");
    auto issues = bad.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].path == "classification.list_precision.threshold");
    BOOST_TEST(issues[0].line == 5);

    // the words alone may withdraw less than the words with a marker
    CorpusFiles words("{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": true, \"text\": \"x\"}\n",
                      "  corpus: corpus.jsonl\n  list_precision:\n    threshold: 0.1\n"
                      "    words_threshold: 0.2\n");
    issues = words.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].path == "classification.list_precision.words_threshold");
    BOOST_TEST(issues[0].line == 7);
    BOOST_TEST(issues[0].message.find("below threshold") != std::string::npos, issues[0].message);
    CorpusFiles words_ok("{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": true, \"text\": \"x\"}\n",
                         "  corpus: corpus.jsonl\n  list_precision: {threshold: 0.15, words_threshold: 0.01}");
    BOOST_TEST(words_ok.issues().empty());

    CorpusFiles kind("{\"lang\": \"en\", \"category\": \"fault\", \"urgent\": true, \"text\": \"x\"}\n",
                     "  corpus: corpus.jsonl\n  list_precision: {threshold: 0.2, markers: {\"a b\": [x]}}");
    issues = kind.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].message.find("plain name") != std::string::npos, issues[0].message);

    CorpusFiles unlabelled("{\"lang\": \"en\", \"category\": \"fault\", \"text\": \"x\"}\n",
                           "  corpus: corpus.jsonl\n  list_precision: {threshold: 0.2}");
    issues = unlabelled.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].path == "classification.list_precision");
    BOOST_TEST(issues[0].message.find("labelled \"urgent\"") != std::string::npos,
               issues[0].message);
}

BOOST_AUTO_TEST_CASE(the_learned_category_model_is_read_and_checked) {
    auto cfg = ccd::config::parseRoutingConfig(
        withLine(3, "  learned_category: {weight: 1.5, subtype_weight: 0.5, l2: 0.01, epochs: 7}"),
        "routing.yaml");
    const auto& learned = cfg->classification.learned_category;
    BOOST_TEST((learned.weight == std::optional<double>(1.5)));
    BOOST_TEST(learned.subtype_weight == 0.5);
    BOOST_TEST(learned.l2 == 0.01);
    BOOST_TEST(learned.epochs == 7);
    BOOST_TEST(!ccd::config::parseRoutingConfig(text(kBase), "routing.yaml")
                    ->classification.learned_category.weight.has_value());

    expectIssue(withLine(3, "  learned_category: {l2: 0.01}"), 3, 21,
                "classification.learned_category", "needs a weight");
    expectIssue(withLine(3, "  learned_category: {weight: 0}"), 3, 30,
                "classification.learned_category.weight", "between");
    expectIssue(withLine(3, "  learned_category: {weight: 1, epoch: 3}"), 3, 33,
                "classification.learned_category.epoch", "did you mean \"epochs\"");
    expectIssue(withLine(3, "  learned_category: {weight: 1, subtype_weight: -1}"), 3, 49,
                "classification.learned_category.subtype_weight", "between");
}

BOOST_AUTO_TEST_CASE(a_missing_or_empty_corpus_is_reported_at_the_key) {
    CorpusFiles missing("", "  corpus: nowhere.jsonl");
    auto issues = missing.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].line == 4);
    BOOST_TEST(issues[0].column == 11);
    BOOST_TEST(issues[0].message.find("cannot read the corpus file") != std::string::npos,
               issues[0].message);
    CorpusFiles empty("\n\n");
    issues = empty.issues();
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].message.find("is empty") != std::string::npos, issues[0].message);
}

BOOST_AUTO_TEST_CASE(corpus_sentences_count_as_a_categorys_examples) {
    // billing (lines 12-13) loses its examples but keeps corpus sentences: no issue.
    auto lines = kBase;
    lines.erase(lines.begin() + 11, lines.begin() + 13);
    lines.insert(lines.begin() + 3, "  corpus: corpus.jsonl");
    const auto dir = std::filesystem::temp_directory_path() /
                     ("ccd-corpus-billing-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "routing.yaml") << text(lines);
    std::ofstream(dir / "corpus.jsonl")
        << "{\"lang\": \"en\", \"category\": \"billing\", \"text\": \"charged twice\"}\n";
    const auto cfg = ccd::config::loadRoutingConfig((dir / "routing.yaml").string());
    BOOST_TEST(cfg->classification.corpus.size() == 1u);
    std::filesystem::remove_all(dir);
}
