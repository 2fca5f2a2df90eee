// RegexSet: the literal prefilter (which patterns can match a text) and the patterns' own
// matching, on hand-made patterns and on every shipped pattern against the labelled texts.
#include "routing/classify/regex_set.hpp"
#include "routing/classify/regex_text.hpp"

#define BOOST_TEST_MODULE regex_set_test
#include <unicode/regex.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/routing_config_parser.hpp"
#include "routing/classify/text_normalizer.hpp"
#include "tests/support/labelled_texts.hpp"
#include "tests/support/shipped_routing.hpp"

namespace {

using ccd::routing::ClassifierConfig;
using ccd::routing::finiteLanguage;
using ccd::routing::RegexSet;
using ccd::routing::requiredLiterals;
using ccd::routing::singleLetterSets;
using ccd::routing::TextNormalizer;

ClassifierConfig shippedConfig() {
    return ccd::testing::shippedRouting()->classification;
}

// Every regular expression of the shipped configuration, with Traditional characters folded as
// the classifier compiles them.
struct ShippedPatterns {
    std::vector<std::string> text;
    std::vector<icu::UnicodeString> folded;
};

ShippedPatterns shippedPatterns() {
    const ClassifierConfig config = shippedConfig();
    ShippedPatterns out;
    const auto add = [&](const std::vector<std::string>& regexes) {
        out.text.insert(out.text.end(), regexes.begin(), regexes.end());
    };
    for (const auto& c : config.categories) {
        add(c.regexes);
        for (const auto& s : c.subtypes) add(s.regexes);
    }
    for (const auto& s : config.safety) add(s.regexes);
    for (const auto& s : config.urgency) add(s.regexes);
    TextNormalizer normalizer;
    for (const auto& p : out.text) {
        icu::UnicodeString u = icu::UnicodeString::fromUTF8(p);
        normalizer.foldHan(u);
        out.folded.push_back(u);
    }
    return out;
}

// The labelled texts of the repository, normalized as the classifier sees them.
std::vector<icu::UnicodeString> labelledTexts() {
    return ccd::testing::labelledTexts(
        {"tests/data/classify-sample.jsonl", "tests/data/classify-holdout.jsonl",
         "tests/data/classify-dev.jsonl", "tests/data/classify-dev2.jsonl",
         "config/classification-corpus.jsonl"});
}

// ICU's own search for the whole pattern, compiled once.
class IcuSearch {
  public:
    explicit IcuSearch(const icu::UnicodeString& pattern) {
        UParseError where{};
        UErrorCode status = U_ZERO_ERROR;
        pattern_.reset(icu::RegexPattern::compile(pattern, 0, where, status));
        BOOST_REQUIRE(U_SUCCESS(status));
        matcher_.reset(pattern_->matcher(status));
        BOOST_REQUIRE(U_SUCCESS(status));
    }
    bool finds(const icu::UnicodeString& text) {
        UErrorCode status = U_ZERO_ERROR;
        matcher_->reset(text);
        return matcher_->find(status) && U_SUCCESS(status);
    }

  private:
    std::unique_ptr<icu::RegexPattern> pattern_;
    std::unique_ptr<icu::RegexMatcher> matcher_;
};

bool icuFinds(const icu::UnicodeString& pattern, const icu::UnicodeString& text) {
    return IcuSearch(pattern).finds(text);
}

bool setFinds(const std::string& pattern, const std::string& text) {
    RegexSet set({icu::UnicodeString::fromUTF8(pattern)});
    return set.find(0, icu::UnicodeString::fromUTF8(text)).has_value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(regex_prefilter)

std::string literalSets(const std::string& pattern) {
    std::string out;
    for (const auto& set : requiredLiterals(icu::UnicodeString::fromUTF8(pattern))) {
        out += "{";
        for (const auto& literal : set) {
            std::string s;
            literal.toUTF8String(s);
            out += s + (&literal == &set.back() ? "" : "|");
        }
        out += "}";
    }
    return out;
}

BOOST_AUTO_TEST_CASE(required_literals) {
    BOOST_TEST(literalSets("电池.{0,6}(鼓|胀)") == "{电池}{鼓|胀}");
    BOOST_TEST(literalSets("\\b(won't|does not)\\s+(turn(s|ing)? on|start)") ==
               "{won't|does not}{turn|start}");
    BOOST_TEST(literalSets("colou?r") == "{colo}");
    BOOST_TEST(literalSets("ab+c") == "{ab}");
    BOOST_TEST(literalSets("(gets?|got)\\s+hot") == "{get|got}{hot}");
    BOOST_TEST(literalSets("(x)?yz") == "{yz}");
    // An alternative that starts with a group: that group's alternatives' literals.
    BOOST_TEST(literalSets("\\bwet\\b.{0,9}\\b(servers?|(network|data) (rack|room)s?)\\b") ==
               "{wet}{server|network|data}");
    BOOST_TEST(literalSets("(ab|(cd|(?:ef|gh))ij)klm") == "{ab|cd|ef|gh}{klm}");
    // A group that may be left out: its literals, or those of what follows it.
    BOOST_TEST(literalSets("(ab|(cd)?ij)klm") == "{ab|cd|ij}{klm}");
    BOOST_TEST(literalSets("(ab|(cd)*ij)klm") == "{ab|cd|ij}{klm}");
    BOOST_TEST(literalSets("(ab|(cd)?)klm") == "{klm}");       // nothing known after the group
    BOOST_TEST(literalSets("(ab|(cd)?\\s)klm") == "{klm}");  // nor after it here
    BOOST_TEST(literalSets("烟(?!雾报)") == "{烟}");
    BOOST_TEST(literalSets("[abc]+d\\.e") == "{d.e}");
    // Lookaheads require their literals too; (?s) changes no literal.
    BOOST_TEST(literalSets("(?s)^(?=.*(冷库|冷柜))(?=.*\\b(坏|停了))") == "{冷库|冷柜}{坏|停了}");
    BOOST_TEST(literalSets("(?=.*(ab|bc\\w*|\\d+x))yz") == "{yz}");
    BOOST_TEST(literalSets("(?=.*(ab|cd))\\bef") == "{ab|cd}{ef}");
    // A set with a one-character ASCII literal filters nothing: {a|bc} and {d} are not kept.
    BOOST_TEST(literalSets("(a|bc)d+ ef") == "{ ef}");
    // Not understood: always run.
    BOOST_TEST(literalSets("fire|smoke") == "");
    BOOST_TEST(literalSets("(?i)fire") == "");
    BOOST_TEST(literalSets("\\p{Han}+") == "");
    BOOST_TEST(literalSets("(\\w+|x)yz").find("{yz}") != std::string::npos);
}

std::string texts(const std::string& pattern, std::size_t limit = 64) {
    std::vector<std::string> out;
    for (const auto& t : finiteLanguage(icu::UnicodeString::fromUTF8(pattern), limit)) {
        std::string s;
        out.push_back(t.toUTF8String(s));
    }
    std::sort(out.begin(), out.end());
    std::string joined;
    for (const auto& t : out) joined += (joined.empty() ? "" : "|") + t;
    return joined;
}

// A pattern of literals, groups, plain sets and '?' matches a few texts, each once.
BOOST_AUTO_TEST_CASE(few_texts) {
    BOOST_TEST(texts("(开|关)不(了|上)?") == "关不|关不上|关不了|开不|开不上|开不了");
    BOOST_TEST(texts("[退换](货|款)") == "换款|换货|退款|退货");
    BOOST_TEST(texts("(?:ab|a)(b)?c") == "abbc|abc|ac");  // abc twice, kept once
    BOOST_TEST(texts("ab|cd") == "ab|cd");                // a top-level '|'
    BOOST_TEST(texts("(a|(b|c)d)e") == "ae|bde|cde");
    BOOST_TEST(texts("x\\u0041y") == "");                 // an escape
    BOOST_TEST(texts("x\U0001F525?y") == "xy|x\U0001F525y");  // '?' takes the code point
    BOOST_TEST(texts("好ð¥") == "好ð¥");  // a surrogate pair
    BOOST_TEST(texts("(a|b)(c|d)(e|f)", 8) == "ace|acf|ade|adf|bce|bcf|bde|bdf");
    BOOST_TEST(texts("(a|b)(c|d)(e|f)", 7) == "");  // more than the limit
    // Not understood, or not few: nothing.
    for (const char* p : {"a.b", "ab+", "ab*", "a{2}", "\\bab", "(?<!x)y", "(?=x)y", "(?i)ab",
                          "[^a]b", "[a-c]d", "a??b", "a?+b", "(a)?", "a|", "^ab", "ab$", "a b",
                          "(ab", "[ab"}) {
        BOOST_TEST(texts(p) == "", p);
    }
}

std::string sets(const std::string& pattern) {
    std::string out;
    singleLetterSets(icu::UnicodeString::fromUTF8(pattern)).toUTF8String(out);
    return out;
}

// A group of single letters is searched as a set: the same matches and groups, one step.
BOOST_AUTO_TEST_CASE(single_letter_groups_become_sets) {
    BOOST_TEST(sets("(割|划|刮)(伤|破)") == "([割划刮])([伤破])");
    BOOST_TEST(sets("(?:a|b|7)?c") == "(?:[ab7])?c");
    BOOST_TEST(sets("(手|手指|脚)(被|给)?") == "(手|手指|脚)([被给])?");  // 手指: two letters
    BOOST_TEST(sets("(x|(y|z))") == "(x|([yz]))");                    // the inner group only
    BOOST_TEST(sets("(a|)b") == "(a|)b");                               // an empty branch
    BOOST_TEST(sets("(a)b") == "(a)b");                                 // one branch: as written
    BOOST_TEST(sets("(\\.|,)") == "(\\.|,)");                           // escapes, punctuation
    BOOST_TEST(sets("(-|^)") == "(-|^)");                               // special in a set
    BOOST_TEST(sets("(。|，)") == "(。|，)");                           // CJK punctuation
    BOOST_TEST(sets("(?<!不|没)(好|坏)") == "(?<!不|没)([好坏])");       // lookbehinds kept
    BOOST_TEST(sets("(?s)^(?=.*(冷|热))") == "(?s)^(?=.*([冷热]))");
    BOOST_TEST(sets("[(a|b)](c|d)") == "[(a|b)]([cd])");                // a set is copied
    BOOST_TEST(sets("\\((a|b)\\)") == "\\(([ab])\\)");
    BOOST_TEST(sets("\\Q(a|b)\\E") == "\\Q(a|b)\\E");
}

// Every shipped pattern, rewritten, finds what it finds as written, where it finds it.
BOOST_AUTO_TEST_CASE(single_letter_sets_match_as_written_on_the_shipped_patterns) {
    const ShippedPatterns patterns = shippedPatterns();
    const std::vector<icu::UnicodeString> texts = labelledTexts();
    std::size_t rewritten = 0, matches = 0;
    for (std::size_t i = 0; i < patterns.folded.size(); ++i) {
        const icu::UnicodeString& written = patterns.folded[i];
        const icu::UnicodeString rewrite = singleLetterSets(written);
        if (rewrite == written) continue;
        ++rewritten;
        UParseError where{};
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::RegexPattern> a(icu::RegexPattern::compile(written, 0, where, status));
        std::unique_ptr<icu::RegexPattern> b(icu::RegexPattern::compile(rewrite, 0, where, status));
        BOOST_REQUIRE(U_SUCCESS(status));
        std::unique_ptr<icu::RegexMatcher> ma(a->matcher(status)), mb(b->matcher(status));
        BOOST_REQUIRE(U_SUCCESS(status));
        BOOST_TEST(ma->groupCount() == mb->groupCount(), patterns.text[i]);
        for (const auto& text : texts) {
            ma->reset(text);
            mb->reset(text);
            const bool found = ma->find(status);
            BOOST_TEST_REQUIRE(found == mb->find(status), patterns.text[i]);
            if (!found) continue;
            ++matches;
            BOOST_TEST(ma->start(status) == mb->start(status), patterns.text[i]);
            BOOST_TEST(ma->end(status) == mb->end(status), patterns.text[i]);
        }
    }
    BOOST_TEST(rewritten > 30u);  // 43 on 2026-12-06
    BOOST_TEST(matches > 200u);   // 350
}

// A pattern without required literals runs on every message, at every index of it: the usage
// "schedule" pattern of H34, written as one group whose second alternative began with a group,
// cost 31,000 instructions a message (a third of the classification) until that alternative
// was written out word by word. Every shipped pattern has literals every match needs (a
// lookahead conjunction's come from its parts; docs/classification.md "Writing patterns that
// stay fast").
// The shipped patterns that match few texts (the rest are filtered by required literals).
BOOST_AUTO_TEST_CASE(many_shipped_patterns_match_few_texts) {
    const ShippedPatterns patterns = shippedPatterns();
    std::size_t few = 0, total = 0;
    for (const auto& p : patterns.folded) {
        const auto t = finiteLanguage(p, 4096);
        few += !t.empty();
        total += t.size();
    }
    BOOST_TEST_MESSAGE(few << " of " << patterns.folded.size() << " shipped patterns match "
                           << total << " texts in all");
    BOOST_TEST(few > 30u);  // 38 of 392 on 2026-12-06, 13,389 texts
}

BOOST_AUTO_TEST_CASE(every_shipped_pattern_is_filtered_by_its_literals) {
    const ShippedPatterns patterns = shippedPatterns();
    std::vector<std::string> unfiltered;
    for (std::size_t i = 0; i < patterns.folded.size(); ++i) {
        if (requiredLiterals(patterns.folded[i]).empty()) unfiltered.push_back(patterns.text[i]);
    }
    for (const auto& p : unfiltered) BOOST_TEST_MESSAGE("no required literal: " << p);
    BOOST_TEST(unfiltered.empty(), unfiltered.size() << " shipped patterns run on every message");
}

// The prefilter must never hide a match: for every shipped pattern and every labelled text, a
// pattern that matches has a literal of each of its sets in the text.
BOOST_AUTO_TEST_CASE(prefilter_is_sound_on_the_shipped_patterns) {
    const ShippedPatterns patterns = shippedPatterns();
    const std::vector<icu::UnicodeString> texts = labelledTexts();
    BOOST_TEST_REQUIRE(texts.size() >= 100u);
    RegexSet filtered(patterns.folded);
    std::size_t matches = 0;
    for (const auto& text : texts) {
        const auto candidates = filtered.candidates(text);
        for (std::size_t i = 0; i < patterns.text.size(); ++i) {
            if (!filtered.find(i, text)) continue;
            ++matches;
            const bool kept =
                std::find(candidates.begin(), candidates.end(), i) != candidates.end();
            std::string utf8;
            BOOST_TEST(kept, patterns.text[i] << " matches but was filtered out: "
                                              << text.toUTF8String(utf8));
        }
    }
    BOOST_TEST(matches > 300u);
}

// A candidate pattern whose matches begin with known literals is tried only where they occur
// (findCandidate): the same match as ICU's search of the whole text, begin and end, for every
// shipped pattern that is a candidate of every labelled text.
BOOST_AUTO_TEST_CASE(candidates_found_where_their_first_literals_are_match_as_icu_finds) {
    const ShippedPatterns patterns = shippedPatterns();
    const std::vector<icu::UnicodeString> texts = labelledTexts();
    RegexSet set(patterns.folded);
    std::vector<std::unique_ptr<icu::RegexPattern>> icu_patterns;  // the matchers' owners
    std::vector<std::unique_ptr<icu::RegexMatcher>> icu_matchers;
    for (const auto& p : patterns.folded) {
        UParseError where{};
        UErrorCode status = U_ZERO_ERROR;
        icu_patterns.emplace_back(icu::RegexPattern::compile(p, 0, where, status));
        BOOST_REQUIRE(U_SUCCESS(status));
        icu_matchers.emplace_back(icu_patterns.back()->matcher(status));
        BOOST_REQUIRE(U_SUCCESS(status));
    }
    std::size_t runs = 0, matches = 0;
    for (const auto& text : texts) {
        const std::vector<std::uint32_t> candidates = set.candidates(text);
        for (const std::uint32_t i : candidates) {
            ++runs;
            icu::RegexMatcher& m = *icu_matchers[i];
            m.reset(text);
            UErrorCode status = U_ZERO_ERROR;
            const bool expected = m.find(status) && U_SUCCESS(status);
            const auto got = set.findCandidate(i, text);
            std::string utf8;
            if (got.has_value() != expected) {
                BOOST_TEST(got.has_value() == expected,
                           patterns.text[i] << " on " << text.toUTF8String(utf8));
                continue;
            }
            if (!expected || patterns.text[i].rfind("(?s)^(?=.*", 0) == 0) continue;
            ++matches;
            BOOST_TEST(got->begin == m.start(status), patterns.text[i] << " on " << text.toUTF8String(utf8));
            BOOST_TEST(got->end == m.end(status), patterns.text[i] << " on " << text.toUTF8String(utf8));
        }
    }
    BOOST_TEST(runs > 5000u);  // 6,340 on 2026-12-05
    BOOST_TEST(matches > 1000u);
}

// The shapes: a lookbehind and \b before the group, a literal start, a start inside a word,
// the leftmost of several, and a pattern whose start is optional (searched as it is).
BOOST_AUTO_TEST_CASE(find_candidate_on_each_shape) {
    RegexSet set({icu::UnicodeString(u"(?<!not )\\b(smoke|fire)\\b"),
                  icu::UnicodeString(u"电池.{0,6}(鼓|胀)"),
                  icu::UnicodeString(u"\\bfire\\w*\\s+alarm"),
                  icu::UnicodeString(u"(the )?heater\\s+(sparks|smokes)"),
                  icu::UnicodeString(u"(还|就)?收(了)?\\d{2,}")});
    const auto check = [&](const char* utf8, std::size_t i, std::int32_t begin, std::int32_t end) {
        const icu::UnicodeString text = icu::UnicodeString::fromUTF8(utf8);
        const auto& c = set.candidates(text);
        BOOST_TEST_CONTEXT(utf8 << " pattern " << i) {
            BOOST_REQUIRE(std::find(c.begin(), c.end(), i) != c.end());
            const auto got = set.findCandidate(i, text);
            const auto plain = set.find(i, text);
            BOOST_TEST(got.has_value() == (begin >= 0));
            BOOST_TEST(plain.has_value() == (begin >= 0));
            if (got && plain) {
                BOOST_TEST(got->begin == begin);
                BOOST_TEST(got->end == end);
                BOOST_TEST(plain->begin == begin);
                BOOST_TEST(plain->end == end);
            }
        }
    };
    check("not smoke here, but fire there", 0, 20, 24);
    check("not smoke, not fire", 0, -1, -1);
    check("新电池有点鼓，旧电池胀了", 1, 1, 6);
    check("bonfire smoke set off the fire alarm", 2, 26, 36);
    check("the heater smokes", 3, 0, 17);
    check("so the heater sparks", 3, 3, 20);
    check("a heater smokes", 3, 2, 15);
    // A match may start in the optional group or, left out, at what follows it.
    check("他就收了50", 4, 1, 6);
    check("就是收了50块", 4, 2, 6);
    check("还说收99", 4, 2, 5);
    check("还收了", 4, -1, -1);
}

// A pattern of few texts is a candidate where one of them occurs and is tried only there; its
// match is ICU's, begin and end, whichever of its texts comes first.
BOOST_AUTO_TEST_CASE(few_texts_found_where_they_occur) {
    const icu::UnicodeString pattern(u"(ab|a)(c|bcd)?(x|yz)");
    BOOST_TEST_REQUIRE(finiteLanguage(pattern, 64).size() == 12u);
    RegexSet set({pattern, icu::UnicodeString(u"(开|启动|打)不(了|开)")});
    const auto check = [&](const char* utf8, std::size_t i, std::int32_t begin, std::int32_t end) {
        const icu::UnicodeString text = icu::UnicodeString::fromUTF8(utf8);
        const auto& c = set.candidates(text);
        BOOST_TEST_CONTEXT(utf8 << " pattern " << i) {
            const bool candidate = std::find(c.begin(), c.end(), i) != c.end();
            BOOST_TEST(candidate == (begin >= 0));
            const auto plain = set.find(i, text);
            BOOST_TEST(plain.has_value() == (begin >= 0));
            if (candidate) {
                const auto got = set.findCandidate(i, text);
                BOOST_TEST_REQUIRE(got.has_value());
                BOOST_TEST(got->begin == begin);
                BOOST_TEST(got->end == end);
                BOOST_TEST(plain->begin == begin);
                BOOST_TEST(plain->end == end);
            }
        }
    };
    check("zz abcdx", 0, 3, 8);
    check("abyz ax", 0, 0, 4);
    check("a b c", 0, -1, -1);
    check("门打不开，也启动不了", 1, 1, 4);
    check("打不到", 1, -1, -1);
}

BOOST_AUTO_TEST_SUITE_END()

// "(?s)^(?=.*A)(?=.*B)" is searched as A, then B: the same answers as ICU running it whole.
BOOST_AUTO_TEST_SUITE(lookahead_conjunction)

BOOST_AUTO_TEST_CASE(every_part_must_occur_anywhere) {
    const std::string p = "(?s)^(?=.*\\b(cold rooms?|freezers?)\\b)(?=.*\\b(warm\\w*|alarm)\\b)";
    BOOST_TEST(setFinds(p, "the alarm is beeping and the cold room is at 9 degrees"));
    BOOST_TEST(setFinds(p, "our freezer\nis warming up"));  // (?s): across lines
    BOOST_TEST(!setFinds(p, "the cold room door squeaks"));
    BOOST_TEST(!setFinds(p, "the alarm clock is broken"));
    BOOST_TEST(!setFinds(p, "the cold roomy freezerless kitchen alarm"));  // \b inside a part holds
    // Lookbehind inside a part still sees the text before it.
    const std::string q = "(?s)^(?=.*(?<![到收])货)(?=.*变质)";
    BOOST_TEST(setFinds(q, "冷库里的货都要变质了"));
    BOOST_TEST(!setFinds(q, "收货的时候发现变质"));
}

// After candidates(), a part that begins with known literals is tried only where they occur:
// the same answers as searching each part anywhere, including a part with a lookbehind and one
// ("(\\d|...)") that cannot be anchored.
BOOST_AUTO_TEST_CASE(parts_anchored_at_their_literals_answer_as_searched_anywhere) {
    const std::vector<std::string> patterns = {
        "(?s)^(?=.*\\b(cold rooms?|freezers?)\\b)(?=.*\\b(warm\\w*|alarm)\\b)",
        "(?s)^(?=.*(?<![到收])货)(?=.*变质)",
        "(?s)^(?=.*\\b(\\d+ years? old|elderly)\\b)(?=.*\\b(heater|heating)\\b)"};
    std::vector<icu::UnicodeString> compiled;
    for (const auto& p : patterns) compiled.push_back(icu::UnicodeString::fromUTF8(p));
    RegexSet set(compiled);
    for (const char* utf8 :
         {"the alarm is beeping and the cold room is at 9 degrees", "our freezer\nis warming up",
          "the cold roomy freezerless kitchen alarm", "freezers freezer warm", "冷库里的货都要变质了",
          "收货的时候发现变质, 货也坏了", "收货的时候发现变质", "my 93 years old mum has no heating",
          "elderly heaters", "the heating is off, elderly neighbour"}) {
        const icu::UnicodeString text = icu::UnicodeString::fromUTF8(utf8);
        const std::vector<std::uint32_t> candidates = set.candidates(text);
        for (const std::uint32_t i : candidates) {
            BOOST_TEST(set.findCandidate(i, text).has_value() == icuFinds(compiled[i], text),
                       patterns[i] << " on " << utf8);
        }
    }
    BOOST_TEST(setFinds(patterns[0], "freezers freezer warm"));
    BOOST_TEST(!setFinds(patterns[2], "elderly heaters"));
}

BOOST_AUTO_TEST_CASE(other_shapes_run_whole) {
    // Not only lookaheads, or without (?s): ICU's own semantics, unchanged.
    BOOST_TEST(setFinds("(?s)^(?=.*ab)x", "xab"));
    BOOST_TEST(!setFinds("(?s)^(?=.*ab)x", "yab"));
    BOOST_TEST(!setFinds("^(?=.*ab)(?=.*cd)", "cd\nab"));  // '.' stops at the line end
    BOOST_TEST(setFinds("^(?=.*ab)(?=.*cd)", "cd ab"));
}

BOOST_AUTO_TEST_CASE(same_answers_as_icu_on_the_shipped_patterns) {
    const ShippedPatterns patterns = shippedPatterns();
    const std::vector<icu::UnicodeString> texts = labelledTexts();
    RegexSet set(patterns.folded);
    std::size_t conjunctions = 0;
    std::size_t matches = 0;
    for (std::size_t i = 0; i < patterns.text.size(); ++i) {
        if (patterns.text[i].rfind("(?s)^(?=.*", 0) != 0) continue;
        ++conjunctions;
        IcuSearch icu(patterns.folded[i]);
        for (const auto& text : texts) {
            const bool expected = icu.finds(text);
            matches += expected;
            std::string utf8;
            BOOST_TEST(set.find(i, text).has_value() == expected,
                       patterns.text[i] << " on " << text.toUTF8String(utf8));
        }
    }
    BOOST_TEST(conjunctions >= 5u);
    BOOST_TEST(matches > 20u);  // 26 on 2026-12-04
}

BOOST_AUTO_TEST_SUITE_END()
