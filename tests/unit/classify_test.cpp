// The message classifier on the shipped configuration (config/routing.yaml, read by the real
// parser): normalization, segmentation, language, sentiment, the confidence fallback, and
// accuracy on the shared sample and on a held-out set written for this test (its safety
// signals too). The safety signals' own cases are in safety_signals_test.cpp.
#include "routing/classify/classifier.hpp"

#define BOOST_TEST_MODULE classify_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/routing_config_parser.hpp"
#include "routing/classify/text_normalizer.hpp"
#include "routing/classify/tokenizer.hpp"
#include "tests/support/shipped_classifier.hpp"
#include "tests/support/shipped_routing.hpp"

namespace ccd::routing {
// Boost.Test prints the values of a failed comparison.
std::ostream& operator<<(std::ostream& os, Sentiment s) { return os << toString(s); }
}  // namespace ccd::routing

namespace {

using ccd::routing::Classification;
using ccd::routing::Classifier;
using ccd::routing::ClassifierConfig;
using ccd::routing::ClassifyHints;
using ccd::routing::Sentiment;

using ccd::testing::classify;
using ccd::testing::hasSignal;
using ccd::testing::joined;

ClassifierConfig shippedConfig() {
    return ccd::testing::shippedRouting()->classification;
}

Classifier& classifier() { return ccd::testing::shippedClassifier(); }

// --- labelled sets -------------------------------------------------------------------------

struct Labelled {
    std::string id, text, category, priority, lang, tier, channel;
    std::vector<std::string> safety;  ///< expected signals (held-out set only; may be empty)
};

std::vector<Labelled> loadJsonl(const std::string& path) {
    std::ifstream in(path);
    BOOST_TEST_REQUIRE(static_cast<bool>(in), "cannot read " << path);
    std::vector<Labelled> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const auto j = nlohmann::json::parse(line);
        Labelled m;
        m.id = j.value("id", "");
        m.text = j.at("text").get<std::string>();
        m.category = j.at("category").get<std::string>();
        m.priority = j.at("priority").get<std::string>();
        m.lang = j.at("lang").get<std::string>();
        m.tier = j.value("tier", "standard");
        m.channel = j.value("channel", "");
        if (j.contains("safety")) m.safety = j.at("safety").get<std::vector<std::string>>();
        out.push_back(std::move(m));
    }
    return out;
}

/// The priority the routing rules derive from a classification: a hazard or a VIP's fault or
/// complaint is P1; any other complaint or VIP request P2; usage and other P4; the rest P3.
std::string derivedPriority(const Classification& c, const std::string& tier) {
    const bool vip = tier == "vip";
    if (!c.safety.empty() || (vip && (c.category == "fault" || c.category == "complaint"))) {
        return "P1";
    }
    if (c.category == "complaint" || vip) return "P2";
    if (c.category == "usage" || c.category == "other") return "P4";
    return "P3";
}

struct Scores {
    std::size_t total = 0, category = 0, language = 0, priority = 0;
    std::size_t p1 = 0, p1_found = 0;
    std::size_t expected_signals = 0, signals_found = 0;
    double categoryAccuracy() const { return double(category) / double(total); }
    double languageAccuracy() const { return double(language) / double(total); }
    double priorityAccuracy() const { return double(priority) / double(total); }
};

Scores evaluate(const std::vector<Labelled>& set, const std::string& name) {
    Scores s;
    for (const Labelled& m : set) {
        const Classification c = classify(m.text);
        const std::string priority = derivedPriority(c, m.tier);
        ++s.total;
        const bool cat_ok = c.category == m.category;
        s.category += cat_ok;
        s.language += c.language == m.lang;
        s.priority += priority == m.priority;
        if (m.priority == "P1") {
            ++s.p1;
            const bool found = priority == "P1";
            s.p1_found += found;
            BOOST_TEST(found, name << " " << m.id << ": P1 message without a safety signal or a "
                                   << "VIP fault/complaint (category " << c.category
                                   << "): " << m.text);
        }
        for (const auto& expected : m.safety) {
            ++s.expected_signals;
            const bool found = hasSignal(c, expected);
            s.signals_found += found;
            BOOST_TEST(found, name << " " << m.id << ": signal " << expected << " missing (got ["
                                   << joined(c.safety) << "]): " << m.text);
        }
        if (m.safety.empty() && m.priority != "P1" && !c.safety.empty()) {
            BOOST_TEST_MESSAGE(name << " " << m.id << ": unexpected safety [" << joined(c.safety)
                                    << "]: " << m.text);
        }
        if (!cat_ok || c.language != m.lang) {
            BOOST_TEST_MESSAGE(name << " " << m.id << ": expected " << m.category << "/" << m.lang
                                    << ", got " << c.category << " (top " << c.top_category << " "
                                    << c.confidence << ")/" << c.language << ": " << m.text);
        }
    }
    std::cout << name << ": " << s.total << " messages, category " << s.category << "/" << s.total
              << " (" << 100.0 * s.categoryAccuracy() << "%), language " << s.language << "/"
              << s.total << " (" << 100.0 * s.languageAccuracy() << "%), derived priority "
              << s.priority << "/" << s.total << " (" << 100.0 * s.priorityAccuracy()
              << "%), P1 recall " << s.p1_found << "/" << s.p1 << ", expected signals "
              << s.signals_found << "/" << s.expected_signals << "\n";
    return s;
}

}  // namespace

// --- normalization and segmentation ---------------------------------------------------------

BOOST_AUTO_TEST_SUITE(normalization)

BOOST_AUTO_TEST_CASE(nfkc_folds_full_width_forms) {
    BOOST_TEST(classifier().normalize("ＲＥＦＵＮＤ　１２３") == "refund 123");
    BOOST_TEST(classifier().normalize("ｅｒｒｏｒ Ｅ１５！") == "error e15!");
}

BOOST_AUTO_TEST_CASE(case_folding_is_unicode_aware) {
    BOOST_TEST(classifier().normalize("My Printer Is BROKEN") == "my printer is broken");
    BOOST_TEST(classifier().normalize("Straße") == "strasse");
    BOOST_TEST(classifier().normalize("ΣΊΣΥΦΟΣ") == classifier().normalize("σίσυφος"));
}

BOOST_AUTO_TEST_CASE(traditional_folds_to_simplified) {
    BOOST_TEST(classifier().normalize("打印機") == "打印机");
    BOOST_TEST(classifier().normalize("退貨退款") == "退货退款");
    BOOST_TEST(classifier().normalize("電話號碼") == "电话号码");
    BOOST_TEST(classifier().normalize("打印机") == "打印机");  // Simplified stays as it is
}

BOOST_AUTO_TEST_CASE(curly_apostrophes_become_straight) {
    BOOST_TEST(classifier().normalize("It won’t start") == "it won't start");
}

// A speech-to-text transcript (or a hurried typist) puts spaces between Chinese words: they go,
// between two Han characters only, so that the lists and bigrams read the words as written.
BOOST_AUTO_TEST_CASE(spaces_between_han_characters_go) {
    BOOST_TEST(classifier().normalize("热水器 点火的时候  闻到 臭 鸡蛋 味") ==
               "热水器点火的时候闻到臭鸡蛋味");
    BOOST_TEST(classifier().normalize("我的 iPhone 屏幕 碎了") == "我的 iphone 屏幕碎了");
    BOOST_TEST(classifier().normalize("熱水器 點火 的時候") == "热水器点火的时候");
    BOOST_TEST(classifier().normalize("error E5 了 ") == "error e5 了 ");
    BOOST_TEST(hasSignal(classify("热水器 点火的时候 闻到 臭 鸡蛋 味"), "gas_leak"));
}

BOOST_AUTO_TEST_CASE(ill_formed_utf8_is_replaced_not_rejected) {
    const std::string bad = std::string("abc") + char(0xFF) + "def";
    BOOST_TEST(classifier().normalize(bad) ==
               "abc\xEF\xBF\xBD"
               "def");
    BOOST_CHECK_NO_THROW(classify(bad));
    BOOST_CHECK_NO_THROW(classify(""));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(segmentation)

BOOST_AUTO_TEST_CASE(han_runs_give_bigrams) {
    const auto tokens = classifier().tokens("打印机坏了");
    const auto has = [&](const std::string& t) {
        return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
    };
    BOOST_TEST(has("打印"), joined(tokens));
    BOOST_TEST(has("印机"), joined(tokens));
    BOOST_TEST(has("机坏"), joined(tokens));
    BOOST_TEST(has("坏了"), joined(tokens));
}

BOOST_AUTO_TEST_CASE(traditional_text_gives_the_same_tokens) {
    BOOST_TEST(classifier().tokens("印表機壞了") == classifier().tokens("印表机坏了"));
}

BOOST_AUTO_TEST_CASE(english_words_are_stemmed_and_stopwords_dropped) {
    const auto tokens = classifier().tokens("The batteries stopped charging");
    BOOST_TEST(joined(tokens) == "batter,stop,charg");
}

BOOST_AUTO_TEST_CASE(numbers_and_punctuation_are_not_tokens) {
    BOOST_TEST(joined(classifier().tokens("12345 !!! ... 2024")) == "");
}

BOOST_AUTO_TEST_CASE(mixed_scripts) {
    const auto tokens = classifier().tokens("iPhone屏幕碎了");
    BOOST_TEST(std::count(tokens.begin(), tokens.end(), "iphon") == 1, joined(tokens));
    BOOST_TEST(std::count(tokens.begin(), tokens.end(), "屏幕") >= 1, joined(tokens));
}

BOOST_AUTO_TEST_CASE(a_lone_han_character_is_a_token) {
    // (Between punctuation: a space between two Han characters goes, "退 款" is 退款.)
    const auto tokens = classifier().tokens("退，款");
    BOOST_TEST(joined(tokens) == "退,款");
    BOOST_TEST(joined(classifier().tokens("退 款")) == "退款");
    // Stopwords are dropped, alone or as a bigram.
    BOOST_TEST(joined(classifier().tokens("我，我们")) == "");
}

BOOST_AUTO_TEST_CASE(english_stemmer) {
    const auto stem = [](std::string w) {
        ccd::routing::stemEnglish(w);
        return w;
    };
    BOOST_TEST(stem("charging") == stem("charged"));
    BOOST_TEST(stem("charges") == stem("charge"));
    BOOST_TEST(stem("deliveries") == stem("delivery"));
    BOOST_TEST(stem("stopped") == "stop");
    BOOST_TEST(stem("won't") == "won't");
    BOOST_TEST(stem("fan") == "fan");
}

BOOST_AUTO_TEST_SUITE_END()

// --- language -------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(language)

BOOST_AUTO_TEST_CASE(detects_the_three_languages) {
    BOOST_TEST(classify("My order has not arrived yet.").language == "en");
    BOOST_TEST(classify("我的订单还没有到。").language == "zh-Hans");
    BOOST_TEST(classify("我的訂單還沒有到。").language == "zh-Hant");
}

// Written Cantonese is Hong Kong's, beside Traditional characters: its own characters count
// for zh-Hant, also in a reply with no other clue, or with one written the Simplified way
// (晒, the Simplified form of 曬, is also a Cantonese particle). Mandarin is not moved.
BOOST_AUTO_TEST_CASE(written_cantonese_is_traditional) {
    BOOST_TEST(classify("你好？有冇人？").language == "zh-Hant");
    BOOST_TEST(classify("多謝晒，搞掂咗").language == "zh-Hant");
    // Cantonese written with Simplified characters goes by its script (the labelling guide)
    BOOST_TEST(classify("部机坏咗，唔该帮手").language == "zh-Hans");
    BOOST_TEST(classify("你好，有人吗？").language == "zh-Hans");
    BOOST_TEST(classify("谢谢，搞定了").language == "zh-Hans");
}

BOOST_AUTO_TEST_CASE(mixed_text_goes_by_the_main_script) {
    BOOST_TEST(classify("VIP客户投诉：设备坏了").language == "zh-Hans");
    BOOST_TEST(classify("Please check order 订单 12345 for me, it is late").language == "en");
}

BOOST_AUTO_TEST_CASE(undetermined_text) {
    BOOST_TEST(classify("12345").language == "und");
    BOOST_TEST(classify("!!! ???").language == "und");
    BOOST_TEST(classify("").language == "und");
    BOOST_TEST(classify("안녕하세요 배송이 늦어요").language == "und");
    BOOST_TEST(classify("注文した商品がまだ届きません").language == "und");
}

BOOST_AUTO_TEST_CASE(known_locale_decides_what_the_text_cannot) {
    ClassifyHints tw;
    tw.known_locale = "zh-TW";
    BOOST_TEST(classify("12345", tw).language == "zh-Hant");
    // 你好 is the same in both scripts: the contact's locale decides.
    BOOST_TEST(classify("你好", tw).language == "zh-Hant");
    // Script-specific characters beat the locale unless the caller prefers the locale.
    BOOST_TEST(classify("我的订单还没有到", tw).language == "zh-Hans");
    tw.prefer_known_locale = true;
    BOOST_TEST(classify("我的订单还没有到", tw).language == "zh-Hant");

    ClassifyHints en;
    en.known_locale = "en-GB";
    BOOST_TEST(classify("12345", en).language == "en");
    BOOST_TEST(classify("Where is my parcel?", en).language == "en");
    ClassifyHints unknown;
    unknown.known_locale = "fr-FR";
    BOOST_TEST(classify("12345", unknown).language == "und");
}

BOOST_AUTO_TEST_SUITE_END()

// --- sentiment ------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(sentiment)

BOOST_AUTO_TEST_CASE(english_polarity_and_negation) {
    BOOST_TEST(classify("I am very happy with the repair, thank you").sentiment ==
               Sentiment::Positive);
    BOOST_TEST(classify("I am not happy with the repair").sentiment == Sentiment::Negative);
    BOOST_TEST(classify("This is terrible service").sentiment == Sentiment::Negative);
    BOOST_TEST(classify("No problem at all").sentiment != Sentiment::Negative);
    BOOST_TEST(classify("The parcel arrived on Tuesday").sentiment == Sentiment::Neutral);
}

BOOST_AUTO_TEST_CASE(chinese_polarity_and_negation) {
    BOOST_TEST(classify("师傅很专业，非常满意").sentiment == Sentiment::Positive);
    BOOST_TEST(classify("对这次维修很不满意").sentiment == Sentiment::Negative);
    BOOST_TEST(classify("安装好了，没有问题").sentiment != Sentiment::Negative);
    BOOST_TEST(classify("服務態度太差了，很失望").sentiment == Sentiment::Negative);
    BOOST_TEST(classify("不滿意").sentiment == Sentiment::Negative);
}

BOOST_AUTO_TEST_CASE(negation_stops_at_a_clause_break) {
    // "not" does not reach past "but": the customer is still disappointed.
    BOOST_TEST(classify("Not bad at first, but now I am disappointed").sentiment ==
               Sentiment::Negative);
    BOOST_TEST(classify("不是很贵，但是我很失望").sentiment == Sentiment::Negative);
}

BOOST_AUTO_TEST_SUITE_END()

// --- categories -----------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(categories)

BOOST_AUTO_TEST_CASE(clear_cases) {
    BOOST_TEST(classify("I was charged twice for the same invoice.").category == "billing");
    BOOST_TEST(classify("我要退货，请给我退款。").category == "return");
    BOOST_TEST(classify("包裹什麼時候會送到？").category == "delivery");
    BOOST_TEST(classify("The washing machine won't turn on.").category == "fault");
}

BOOST_AUTO_TEST_CASE(low_confidence_falls_back_to_other) {
    for (const char* text : {"asdf qwer zxcv", "ok", "12345", "嗯嗯", ""}) {
        const Classification c = classify(text);
        BOOST_TEST(c.category == "other", text << ": " << c.category << " " << c.confidence);
    }
}

BOOST_AUTO_TEST_CASE(fallback_applies_below_the_threshold) {
    ClassifierConfig config = shippedConfig();
    config.confidence_threshold = 1.0;  // nothing is ever that certain
    config.source_digest.clear();       // changed here: not the file's classifier
    Classifier strict(config);
    const Classification c = strict.classify("I was charged twice for the same invoice.");
    BOOST_TEST(c.top_category == "billing");
    BOOST_TEST(c.category == "other");
    BOOST_TEST(c.confidence < 1.0);
}

BOOST_AUTO_TEST_CASE(confidence_is_a_probability) {
    const Classification c = classify("Where is my parcel? The tracking has not moved.");
    BOOST_TEST(c.confidence > 0.0);
    BOOST_TEST(c.confidence <= 1.0);
    BOOST_TEST(c.top_category == c.category);
}

BOOST_AUTO_TEST_CASE(copies_classify_alike) {
    Classifier copy(classifier());
    for (const char* text : {"打印機卡紙了", "refund please", "Where is my parcel?"}) {
        const Classification a = classify(text);
        const Classification b = copy.classify(text);
        BOOST_TEST(a.category == b.category);
        BOOST_TEST(a.confidence == b.confidence);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// --- accuracy -------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(accuracy)

BOOST_AUTO_TEST_CASE(shared_sample) {
    const auto set = loadJsonl(CCD_SOURCE_DIR "/tests/data/classify-sample.jsonl");
    BOOST_TEST_REQUIRE(set.size() >= 40u);
    const Scores s = evaluate(set, "sample");
    BOOST_TEST(s.categoryAccuracy() >= 0.90);
    BOOST_TEST(s.languageAccuracy() >= 0.95);
    BOOST_TEST(s.p1_found == s.p1);
}

BOOST_AUTO_TEST_CASE(held_out_set) {
    const auto set = loadJsonl(CCD_SOURCE_DIR "/tests/data/classify-holdout.jsonl");
    BOOST_TEST_REQUIRE(set.size() >= 80u);
    const Scores s = evaluate(set, "holdout");
    BOOST_TEST(s.categoryAccuracy() >= 0.90);
    BOOST_TEST(s.languageAccuracy() >= 0.95);
    BOOST_TEST(s.p1_found == s.p1);
    BOOST_TEST(s.expected_signals >= 15u);
    BOOST_TEST(s.signals_found == s.expected_signals);
}

BOOST_AUTO_TEST_SUITE_END()
