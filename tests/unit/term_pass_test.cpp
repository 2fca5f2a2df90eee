// TermPass: several TermMatchers searched in one walk give each of them exactly what its own
// findAll() gives: the same terms, offsets and order, boundary rules kept per matcher, on hand-made
// cases and on the shipped lists against every labelled text.
#include "routing/classify/term_pass.hpp"

#define BOOST_TEST_MODULE term_pass_test
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "routing/classify/text_normalizer.hpp"
#include "tests/support/labelled_texts.hpp"
#include "tests/support/shipped_routing.hpp"

namespace {

using ccd::routing::TermMatch;
using ccd::routing::TermMatcher;
using ccd::routing::TermPass;
using ccd::routing::TermScan;
using ccd::routing::TextNormalizer;

icu::UnicodeString u(const char* s) { return icu::UnicodeString::fromUTF8(s); }

// "term@begin-end" for each hit, in order.
std::string describe(const TermMatcher& m, const std::vector<TermMatch>& hits) {
    std::string out;
    for (const TermMatch& h : hits) {
        out += m.term(h.term) + "@" + std::to_string(h.begin) + "-" + std::to_string(h.end) + " ";
    }
    return out;
}

std::string own(const TermMatcher& m, const icu::UnicodeString& text) {
    std::vector<TermMatch> hits;
    m.findAll(text, hits);
    return describe(m, hits);
}

std::string scanned(const TermScan& scan, const TermMatcher& m, const icu::UnicodeString& text) {
    std::vector<TermMatch> hits;
    scan.findAll(m, text, hits);
    return describe(m, hits);
}


}  // namespace

// "fire" must stay a whole word for the matcher that asked for it, though another matcher
// has "fire*" and a third the bare literal: the merged automaton keeps one term per rule.
BOOST_AUTO_TEST_CASE(each_matcher_keeps_its_own_boundary_rules) {
    TermMatcher strict, prefix, literal, han;
    strict.add(u("fire"));
    strict.add(u("smoke"));
    strict.build();
    prefix.add(u("fire*"));
    prefix.add(u("fire alarm"));
    prefix.build();
    literal.addLiteral(u("fire"));
    literal.addLiteral(u("re a"));
    literal.build();
    han.add(u("冒烟"));
    han.add(u("烟"));
    han.build();
    TermPass pass;
    for (const TermMatcher* m : {&strict, &prefix, &literal, &han}) pass.attach(*m);
    pass.attach(strict);  // again: ignored
    pass.build();

    for (const char* s : {"the fireplace has a fire alarm", "bonfire fire, smoke", "冒烟了 fire",
                          "no match here", ""}) {
        const icu::UnicodeString text = u(s);
        TermScan scan;
        pass.scan(text, scan);
        for (const TermMatcher* m : {&strict, &prefix, &literal, &han}) {
            BOOST_TEST(scan.covers(*m, text));
            BOOST_TEST(scanned(scan, *m, text) == own(*m, text), s);
        }
    }
    const icu::UnicodeString text = u("the fireplace has a fire alarm");
    TermScan scan;
    pass.scan(text, scan);
    BOOST_TEST(scanned(scan, strict, text) == "fire@20-24 ");
    BOOST_TEST(scanned(scan, prefix, text) == "fire@4-8 fire@20-24 fire alarm@20-30 ");
}

// A matcher the pass does not hold, or another text (even an equal one), is searched by the
// matcher's own walk.
BOOST_AUTO_TEST_CASE(what_the_scan_does_not_cover_is_walked) {
    TermMatcher attached, other;
    attached.add(u("leak"));
    attached.build();
    other.add(u("water"));
    other.build();
    TermPass pass;
    pass.attach(attached);
    pass.build();
    const icu::UnicodeString text = u("water leak");
    const icu::UnicodeString copy = text;
    TermScan scan;
    pass.scan(text, scan);
    BOOST_TEST(!scan.covers(other, text));
    BOOST_TEST(!scan.covers(attached, copy));
    BOOST_TEST(scanned(scan, other, text) == "water@0-5 ");
    BOOST_TEST(scanned(scan, attached, copy) == "leak@6-10 ");
    const TermMatcher copied = attached;  // a copy is the same matcher
    BOOST_TEST(scan.covers(copied, text));
    BOOST_TEST(TermScan().covers(attached, text) == false);
}

// The shipped lists (signals with their exclusions, category and subtype keywords, the
// sentiment lexicon, and their bare literals), one matcher each as the classifier builds
// them: one walk gives each of them what its own walk gives, on every labelled text.
BOOST_AUTO_TEST_CASE(same_hits_as_each_matchers_own_walk_on_the_shipped_lists) {
    const auto& config = ccd::testing::shippedRouting()->classification;
    TextNormalizer normalizer;
    std::vector<TermMatcher> matchers;
    const auto addList = [&](const std::vector<std::string>& phrases, bool literal) {
        matchers.emplace_back();
        for (const auto& phrase : phrases) {
            const icu::UnicodeString n = normalizer.normalize(phrase);
            if (n.isEmpty()) continue;
            if (literal) {
                matchers.back().addLiteral(n);
            } else {
                matchers.back().add(n);
            }
        }
    };
    for (const auto* signals : {&config.safety, &config.urgency}) {
        std::vector<std::string> all;
        for (const auto& s : *signals) {
            all.insert(all.end(), s.keywords.begin(), s.keywords.end());
            all.insert(all.end(), s.exclusions.begin(), s.exclusions.end());
        }
        addList(all, false);
        addList(all, true);
    }
    for (const auto& c : config.categories) {
        addList(c.keywords, false);
        for (const auto& s : c.subtypes) addList(s.keywords, false);
    }
    addList(config.sentiment.positive, false);
    addList(config.sentiment.negative, false);
    addList(config.sentiment.negators, false);
    TermPass pass;
    std::size_t attached = 0;
    for (auto& m : matchers) {
        m.build();
        if (m.size() == 0) continue;
        pass.attach(m);
        ++attached;
    }
    pass.build();
    BOOST_TEST_REQUIRE(attached >= 20u);

    const auto texts = ccd::testing::labelledTexts(
        {"tests/data/classify-sample.jsonl", "tests/data/classify-dev.jsonl",
         "tests/data/classify-heldout26.jsonl", "config/classification-corpus.jsonl"});
    BOOST_TEST_REQUIRE(texts.size() >= 1000u);
    TermScan scan;
    std::size_t hits = 0;
    for (const auto& text : texts) {
        pass.scan(text, scan);
        for (const auto& m : matchers) {
            if (m.size() == 0) continue;
            std::vector<TermMatch> expected, got;
            m.findAll(text, expected);
            scan.findAll(m, text, got);
            hits += expected.size();
            std::string utf8;
            BOOST_TEST(describe(m, got) == describe(m, expected), text.toUTF8String(utf8));
        }
    }
    BOOST_TEST(hits > 10000u);
}
