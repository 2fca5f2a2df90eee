// The message classifier on the shipped configuration (config/routing.yaml, read by the real
// parser): normalization, segmentation, language, sentiment, safety signals, the confidence
// fallback, and accuracy on the shared sample and on a held-out set written for this test.
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
#include "routing/classify/safety.hpp"
#include "routing/classify/text_normalizer.hpp"
#include "routing/classify/tokenizer.hpp"
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

ClassifierConfig shippedConfig() {
    return ccd::testing::shippedRouting()->classification;
}

/// One classifier for the whole test program: training takes tens of milliseconds.
Classifier& classifier() {
    static Classifier instance(shippedConfig());
    return instance;
}

Classification classify(const std::string& text, const ClassifyHints& hints = {}) {
    return classifier().classify(text, hints);
}

bool hasSignal(const Classification& c, const std::string& name) {
    return std::find(c.safety.begin(), c.safety.end(), name) != c.safety.end();
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

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

// --- safety ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(safety)

struct SafetyCase {
    const char* signal;
    const char* text;
};

// Each case's text raises its signal.
template <std::size_t N>
void expectSignals(const SafetyCase (&cases)[N]) {
    for (const auto& c : cases) {
        const Classification got = classify(c.text);
        BOOST_TEST(hasSignal(got, c.signal),
                   c.text << ": expected " << c.signal << ", got [" << joined(got.safety) << "]");
    }
}

// A hazard told as past and settled raises nothing; told as happening now (another clause, or
// "again" in its own), it does.
BOOST_AUTO_TEST_CASE(a_hazard_told_as_past_and_settled_is_not_one_now) {
    const char* settled[] = {
        "Last year my toaster caught fire and your team handled it brilliantly, replaced within "
        "two days. This year I have a question about the kettle.",
        "The charger that sparked last month: you replaced it in two days and the new one has "
        "been perfect. Great service, thanks!",
        "上次充电器冒火花的事你们处理得很快，换的新的用着一直很好，谢谢！",
        "去年家裡電暖器冒煙那次你們處理得很好，可是這次只是問個問題，等了兩週都沒人回。",
        // what recurs is told in the hazard's own part of the clause, not in the next one
        "上个月那台冒烟的除湿机已经处理完毕、也赔偿了，现在想问一下保修卡怎么登记",
        "Back in March the dryer caught fire, you compensated us, all settled. Now a billing "
        "question.",
    };
    for (const char* text : settled) {
        auto c = classify(text);
        BOOST_TEST(c.safety.empty(), text << " -> " << joined(c.safety));
    }
    const SafetyCase now[] = {
        // another clause, in the present
        {"burning_smell", "Last week it sparked and was replaced, but now the new one smells of "
                          "burning."},
        {"burning_smell", "Last year it sparked and you replaced it. Today the new one smells of "
                          "burning."},
        // "again" in the hazard's own clause
        {"fire", "Last year it caught fire and you replaced it, and the new one caught fire too."},
        {"sparks", "上次冒火花，你们处理得很快，这次又冒火花了"},
        {"fire", "Last year the dryer caught fire and you replaced it, now the new one caught "
                 "fire."},
        // past, but nothing says it was settled
        {"fire", "Last month the heater caught fire and nobody has called me back."},
        // settled elsewhere, but this hazard is not told as past
        {"smoke", "You replaced the charger, thanks. The kettle is smoking right now."},
    };
    expectSignals(now);
}

// An exclusion cancels what lies inside it, a pattern's match as well as a keyword ("no burning
// smell"), and nothing it merely touches: an alarm named in an exclusion still sounds.
BOOST_AUTO_TEST_CASE(an_exclusion_cancels_the_matches_inside_it) {
    const char* absent[] = {
        "No smoke, no burning smell, nothing dramatic: the heater just stopped blowing warm air.",
        "How often should I change the battery in the carbon monoxide detector?",
    };
    for (const char* text : absent) {
        auto c = classify(text);
        BOOST_TEST(c.safety.empty(), text << " -> " << joined(c.safety));
    }
    const SafetyCase present[] = {
        {"burning_smell", "No smoke, but there is a burning smell from the back."},
        {"alarm_triggered", "一氧化碳报警器一直响，我们已经开窗了"},
        {"gas_leak", "The carbon monoxide detector is fine but I can smell gas in the kitchen."},
    };
    expectSignals(present);
}

BOOST_AUTO_TEST_CASE(every_signal_in_three_languages) {
    const SafetyCase cases[] = {
        {"fire", "The charger caught fire on my desk."},
        {"fire", "插线板突然着火了。"},
        {"fire", "延長線起火了，燒到窗簾。"},
        {"smoke", "Smoke is coming out of the back of the TV."},
        {"smoke", "电饭煲底部在冒烟。"},
        {"smoke", "電暖器冒煙了，我馬上拔掉插頭。"},
        {"sparks", "The socket sparks whenever I plug the kettle in."},
        {"sparks", "插头插进去的时候冒火花。"},
        {"sparks", "開關一按就噴出火花。"},
        {"burning_smell", "There is a burning smell coming from the dryer."},
        {"burning_smell", "吹风机有一股烧焦味。"},
        {"burning_smell", "洗衣機一直有燒焦的味道。"},
        {"electric_shock", "I got an electric shock from the washing machine door."},
        {"electric_shock", "摸到冰箱外壳被电了一下。"},
        {"electric_shock", "碰到熱水器的時候被電到。"},
        {"gas_leak", "I can smell gas near the stove."},
        {"gas_leak", "燃气灶好像漏气了，一股煤气味。"},
        {"gas_leak", "瓦斯管線好像有漏，一打開櫥櫃就聞到瓦斯。"},
        {"injury", "The blade came loose and my son cut his hand badly."},
        {"injury", "门把手掉下来把孩子砸伤了。"},
        {"injury", "電扇倒下來，我的腳受傷了。"},
        {"battery_swelling", "The phone battery is swollen and the back cover is bulging."},
        {"battery_swelling", "平板的电池鼓包了，屏幕都被顶起来了。"},
        {"battery_swelling", "行動電源的電池膨脹變形了。"},
    };
    expectSignals(cases);
}

BOOST_AUTO_TEST_CASE(exclusions_cancel_harmless_look_alikes) {
    const char* harmless[] = {
        "How do I install apps on my Fire TV stick?",
        "My Kindle Fire tablet will not charge.",
        "燃气灶打不着火，点了好几次都没反应。",
        "熱水器打不著火。",
        "Where can I buy a new battery for the smoke detector?",
        "The car's shock absorbers arrived scratched.",
        "The firewall settings on the router are confusing.",
    };
    for (const char* text : harmless) {
        const Classification c = classify(text);
        BOOST_TEST(c.safety.empty(), text << ": unexpected [" << joined(c.safety) << "]");
    }
}

BOOST_AUTO_TEST_CASE(a_sounding_alarm_is_a_signal_of_its_own) {
    // A detector that goes off may be a real fire: routing.yaml raises alarm_triggered, not
    // smoke (nobody said there was smoke).
    const Classification c = classify("The smoke alarm went off twice tonight for no reason.");
    BOOST_TEST(hasSignal(c, "alarm_triggered"), joined(c.safety));
    BOOST_TEST(!hasSignal(c, "smoke"), joined(c.safety));
}

BOOST_AUTO_TEST_CASE(exclusion_does_not_hide_a_real_hazard_elsewhere) {
    const Classification c = classify("My Fire TV stick caught fire while charging.");
    BOOST_TEST(hasSignal(c, "fire"), joined(c.safety));
}

// A hazard's word between quotation marks is a name: a colour, a product, a title, a line item,
// a code. The shipped lists raise nothing for it, and the learned urgency model, which learned
// hazards by the same words, does not speak for the message either. Speech in quotation marks
// (with ! or ?) and a hazard told outside the quotation still count.
BOOST_AUTO_TEST_CASE(a_hazard_word_in_a_quoted_name_is_a_name) {
    const char* names[] = {
        "The seat cover we ordered in 'Flame Orange' has faded to a blotchy pink.",
        "We ordered the kettle and toaster set in the colour 'Charcoal Smoke'. Nothing's wrong "
        "with how they work, but the toaster came out a muddy brown next to the kettle.",
        "Please reissue invoice 7712. The line item reads 'Fire suppression check' but you did a "
        "telematics install.",
        "訂的是「火焰橘」車頂燈，收到的燈殼顏色很不均勻，一邊深一邊淺。",
        "除濕機顯示「FIRE-02」，查了說明書原來是濾網提醒代碼。",
        "买了套《爆炸科学》互动软件，跟我们的触控桌不兼容，想退款。",
        "How do I load our new tour \"Explosion of Colour: Fauvism 1905\" onto the audio guides?",
        "結算單上有一項“火災報警聯動模組”的費用，但我們沒有訂這個模組。",
    };
    for (const char* text : names) {
        const Classification c = classify(text);
        BOOST_TEST((c.safety.empty() && c.urgency.empty()),
                   text << " -> [" << joined(c.safety) << "] [" << joined(c.urgency) << "]");
    }
    const SafetyCase hazards[] = {
        // speech, not a name
        {"smoke", "My daughter shouted 'there's smoke coming out of the dryer!' and we ran."},
        {"fire", "他在厨房喊“着火了！”，我们赶紧拔了插头"},
        // the hazard told outside the quotation
        {"smoke", "The 'Flame Orange' heater is smoking right now."},
        {"fire", "我们买的「火焰橘」取暖器刚才着火了"},
        // an apostrophe inside a word opens nothing
        {"fire", "It's on fire, the kids' heater caught fire in the bedroom."},
    };
    expectSignals(hazards);
    ClassifyHints hints;
    hints.explain = true;
    const Classification c = classify("Where are our 200 lanyards in 'Flame Orange'?", hints);
    const bool said = std::any_of(c.evidence.begin(), c.evidence.end(), [](const auto& e) {
        return e.feature == "safety:fire held back: \"flame\" in a quoted name";
    });
    BOOST_TEST(said);
}

BOOST_AUTO_TEST_CASE(quoted_names_are_short_quotations_without_speech) {
    const auto names = [](const std::string& text, std::int32_t max = 40) {
        std::vector<std::pair<std::int32_t, std::int32_t>> spans;
        const icu::UnicodeString u = icu::UnicodeString::fromUTF8(text);
        ccd::routing::quotedNames(u, max, spans);
        std::string out;
        for (const auto& [b, e] : spans) {
            std::string part;
            u.tempSubStringBetween(b, e).toUTF8String(part);
            out += "[" + part + "]";
        }
        return out;
    };
    BOOST_TEST(names("in 'Flame Orange' please") == "[Flame Orange]");
    BOOST_TEST(names("\"A\" and \"B\"") == "[A][B]");
    BOOST_TEST(names("「火焰橘」和『爆炸』和《火烧》") == "[火焰橘][爆炸][火烧]");
    BOOST_TEST(names("“烟雾效果”与‘Smoke Grey’") == "[烟雾效果][Smoke Grey]");
    // apostrophes: in a word, after a word, before none
    BOOST_TEST(names("it's the kids' room, don't") == "");
    BOOST_TEST(names("买了'火焰橙'色的") == "[火焰橙]");
    BOOST_TEST(names("'Smoke' and it's 'Ash'") == "[Smoke][Ash]");
    // speech, a quotation too long, a mark never closed
    BOOST_TEST(names("she said 'fire!' twice") == "");
    BOOST_TEST(names("他喊「着火了。」") == "");
    BOOST_TEST(names("'" + std::string(41, 'a') + "'") == "");
    BOOST_TEST(names("'" + std::string(40, 'a') + "'") == "[" + std::string(40, 'a') + "]");
    BOOST_TEST(names("an open \"quote and no end") == "");
    BOOST_TEST(names("\"" + std::string(50, 'a') + "\" and \"Fire Red\"") == "[Fire Red]");
    BOOST_TEST(names("'Flame Orange'", 0) == "");
}

BOOST_AUTO_TEST_CASE(explain_names_the_trigger) {
    ClassifyHints hints;
    hints.explain = true;
    const Classification c = classify("The toaster caught fire", hints);
    const bool named = std::any_of(c.evidence.begin(), c.evidence.end(), [](const auto& e) {
        return e.feature.rfind("safety:fire", 0) == 0;
    });
    BOOST_TEST(named);
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
