// TextNormalizer: ASCII text, folded without ICU, comes out as ICU's NFKC_Casefold gives it.
// Tokenizer: its own word segmenter gives the words ICU's word iterator gives, on every labelled
// text and the corpus, and on random strings of the code units it knows (where the UAX #29 rules
// meet: letters, digits, apostrophes, full stops, commas, colons, CJK punctuation, Han).
#include "routing/classify/tokenizer.hpp"

#define BOOST_TEST_MODULE tokenizer_test
#include <boost/test/unit_test.hpp>
#include <random>
#include <string>
#include <vector>

#include <unicode/normalizer2.h>

#include "routing/classify/text_normalizer.hpp"
#include "tests/support/labelled_texts.hpp"

namespace {

using ccd::routing::Tokenizer;

std::string joined(const std::vector<std::string>& tokens) {
    std::string out;
    for (const auto& t : tokens) out += t + "|";
    return out;
}

std::string utf8(const icu::UnicodeString& text) {
    std::string out;
    return text.toUTF8String(out);
}

// The tokens of `text` by both segmenters, as "a|b|" strings.
std::pair<std::string, std::string> both(Tokenizer& tokenizer, const icu::UnicodeString& text) {
    std::vector<std::string> fast, icu;
    tokenizer.tokenize(text, fast, Tokenizer::Segmenter::Fast);
    tokenizer.tokenize(text, icu, Tokenizer::Segmenter::Icu);
    return {joined(fast), joined(icu)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(words_where_the_rules_meet_are_icus) {
    Tokenizer tokenizer;
    for (const char* text :
         {"e15", "3.5", "a1.2", "1.2a", "don't", "u.s.a.", "12,000", "wi-fi", "a:b", "a;b",
          "it's 5'o", "o'clock's", "x,y", "1,a", "a.1", "1'2", "a''b", "a..b", "2026-11-24",
          "v2.3.1b", "“quoted”", "wait…then", "ok。好的", "打印机e15坏了", "a’b", "‘tis",
          "30°c", "—dash—", "「括号」", "tom.h@fastmail.com", "a@b", "a @b", "1@2", "a@1"}) {
        const auto [fast, icu] = both(tokenizer, icu::UnicodeString::fromUTF8(text));
        BOOST_TEST(fast == icu, text << ": " << fast << " against ICU's " << icu);
    }
    std::vector<std::string> out;
    tokenizer.tokenize(icu::UnicodeString::fromUTF8("e15 don't 3.5 a1.2 15e wi-fi"), out);
    BOOST_TEST(joined(out) == "don't|15e|wi|fi|",
               "the words kept: those ending with a letter (ICU's rule status 200)");
}

BOOST_AUTO_TEST_CASE(random_strings_of_the_known_code_units_split_as_icu_splits_them) {
    // Every code unit the fast segmenter knows, each class more than once, and two it does
    // not (the text then goes to ICU, which must not change the answer either).
    const std::u16string alphabet =
        u"abZ1209.',;: @-!\n\t?\"/()\u3002\u3001\u201C\u201D\u2014\u2026\u00B0\u300C\u300D"
        u"\u2018\u2019\u6253\u5370_\u00E9";
    std::mt19937 random(20261206);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::uniform_int_distribution<int> length(1, 12);
    Tokenizer tokenizer;
    std::size_t words = 0, differ = 0;
    for (int n = 0; n < 200000; ++n) {
        icu::UnicodeString text;
        for (int k = length(random); k > 0; --k) text.append(static_cast<UChar>(alphabet[pick(random)]));
        const auto [fast, icu] = both(tokenizer, text);
        words += static_cast<std::size_t>(std::count(fast.begin(), fast.end(), '|'));
        if (fast != icu && ++differ <= 20)
            BOOST_TEST(fast == icu, utf8(text) << ": " << fast << " against ICU's " << icu);
    }
    BOOST_TEST(differ == 0u);
    BOOST_TEST(words > 100000u);
}

BOOST_AUTO_TEST_CASE(every_labelled_text_and_the_corpus_gives_icus_tokens) {
    const auto texts = ccd::testing::labelledTexts(
        {"config/classification-corpus.jsonl", "tests/data/classify-sample.jsonl",
         "tests/data/classify-dev.jsonl", "tests/data/classify-heldout26.jsonl",
         "tests/data/classify-heldout30.jsonl", "tests/data/classify-heldout33.jsonl",
         "tests/data/classify-heldout40.jsonl"});
    BOOST_TEST_REQUIRE(texts.size() >= 5000u);
    Tokenizer tokenizer({"the", "and", "is"});
    std::size_t differ = 0;
    for (const auto& text : texts) {
        const auto [fast, icu] = both(tokenizer, text);
        if (fast != icu && ++differ <= 20) BOOST_TEST(fast == icu, utf8(text));
    }
    BOOST_TEST(differ == 0u);
}

BOOST_AUTO_TEST_CASE(ascii_text_folds_as_icus_nfkc_casefold) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCCasefoldInstance(status);
    BOOST_TEST_REQUIRE(U_SUCCESS(status));
    ccd::routing::TextNormalizer normalizer;
    const auto same = [&](const std::string& text) {
        icu::UnicodeString ours, icu;
        normalizer.foldCase(text, ours);
        status = U_ZERO_ERROR;
        nfkc->normalize(icu::UnicodeString::fromUTF8(text), icu, status);
        return U_SUCCESS(status) && ours == icu;
    };
    for (int c = 0; c < 0x80; ++c) {
        const std::string one(1, static_cast<char>(c));
        BOOST_TEST(same("x" + one + "Y"), "code unit " << c);
    }
    std::mt19937 random(41);
    std::uniform_int_distribution<int> unit(0, 0x7F), length(1, 40);
    for (int n = 0; n < 20000; ++n) {
        std::string text;
        for (int k = length(random); k > 0; --k) text += static_cast<char>(unit(random));
        if (!same(text)) {
            BOOST_TEST(false, "differs from ICU: " << text);
            break;
        }
    }
    BOOST_TEST(same("Hello WORLD, it's 5 O'Clock!"));
}
