// The safety signals of the shipped configuration (config/routing.yaml, read by the real
// parser): every signal in three languages, exclusions, a hazard told as past and settled, and
// quoted names (a hazard's word in a colour's, a product's or a line item's name).
#include "routing/classify/safety.hpp"

#define BOOST_TEST_MODULE safety_signals_test
#include <unicode/unistr.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "routing/classify/text_normalizer.hpp"
#include "tests/support/shipped_classifier.hpp"

namespace {

using ccd::routing::Classification;
using ccd::routing::ClassifyHints;
using ccd::testing::classify;
using ccd::testing::hasSignal;
using ccd::testing::joined;

}  // namespace

BOOST_AUTO_TEST_SUITE(safety)

struct SafetyCase {
    const char* signal;
    const char* text;
};

// No text raises a safety or an urgency signal.
template <std::size_t N>
void expectQuiet(const char* const (&texts)[N]) {
    for (const char* text : texts) {
        const Classification c = classify(text);
        BOOST_TEST((c.safety.empty() && c.urgency.empty()),
                   text << ": unexpected [" << joined(c.safety) << "] [" << joined(c.urgency) << "]");
    }
}

// The evidence `ccd classify --explain` gives for `text` holds `line` (with `prefix`, a line
// that begins with it).
bool explains(const char* text, const std::string& line, bool prefix = false) {
    ClassifyHints hints;
    hints.explain = true;
    const Classification c = classify(text, hints);
    return std::any_of(c.evidence.begin(), c.evidence.end(), [&](const auto& e) {
        return prefix ? e.feature.rfind(line, 0) == 0 : e.feature == line;
    });
}

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
        // (safety only: a past fire may still move the learned urgency model)
        const Classification c = classify(text);
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
    expectQuiet(absent);
    const SafetyCase present[] = {
        {"burning_smell", "No smoke, but there is a burning smell from the back."},
        {"alarm_triggered", "一氧化碳报警器一直响，我们已经开窗了"},
        {"gas_leak", "The carbon monoxide detector is fine but I can smell gas in the kitchen."},
    };
    expectSignals(present);
}

// The hazard words an exclusion cancels count for nothing in the learned urgency model either:
// with them the model would find "burn" and "smell" urgent (p 0.60 with the corpus of
// 2026-12-07); without them the message is a heater that stopped.
BOOST_AUTO_TEST_CASE(a_denied_hazard_does_not_move_the_learned_model) {
    const char* text =
        "No smoke, no burning smell, nothing dramatic: the heater just stopped blowing warm air.";
    const Classification denied = classify(text);
    const Classification plain = classify("nothing dramatic: the heater just stopped blowing warm air.");
    BOOST_TEST(denied.urgency.empty(), joined(denied.urgency));
    BOOST_REQUIRE(denied.urgency_probability.has_value());
    BOOST_REQUIRE(plain.urgency_probability.has_value());
    BOOST_TEST(*denied.urgency_probability == *plain.urgency_probability,
               boost::test_tools::tolerance(1e-9));
    BOOST_TEST(explains(text, "urgency:learned", /*prefix=*/true) == false);

    // The spans the detector reports are the exclusions that cancelled a match.
    const auto config = ccd::testing::shippedRouting()->classification;
    ccd::routing::TextNormalizer normalizer;
    ccd::routing::SafetyDetector safety(config.safety, normalizer, "safety");
    const icu::UnicodeString normalized = normalizer.normalize(text);
    std::vector<std::string> found;
    safety.detect(normalized, found, nullptr);
    BOOST_TEST(found.empty(), joined(found));
    std::vector<std::string> denied_texts;
    for (const auto& [begin, end] : safety.deniedSpans()) {
        std::string s;
        normalized.tempSubStringBetween(begin, end).toUTF8String(s);
        denied_texts.push_back(s);
    }
    std::sort(denied_texts.begin(), denied_texts.end());
    // ("burning smell" is an exclusion of another signal: it has one of its own)
    BOOST_TEST(joined(denied_texts) == "burning smell,no burning smell,no smoke");
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
    expectQuiet(harmless);
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
    expectQuiet(names);
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
    // (a colour the lists know, "Flame Orange", is excluded before any quotation is read)
    BOOST_TEST(explains("Where are our 200 lanyards in 'Flame Teal'?",
                        "safety:fire held back: \"flame\" in a quoted name"));
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

// A hospital named raises injury only beside the hurt told: the hospital is as often the
// writer's workplace as where a hurt child was taken.
BOOST_AUTO_TEST_CASE(a_hospital_named_is_an_injury_only_with_the_hurt_told) {
    const char* workplace[] = {
        "請將上月販賣機維修費的發票改開醫院統編 98765432，抬頭是「仁和紀念醫院」。",
        "下週送來的推床請改送到急診大樓後門卸貨區，前門在施工，貨車進不去。",
        "Hi, I work for a community hospital near Inverness. Do you have a service partner up here?",
    };
    for (const char* text : workplace) {
        const Classification c = classify(text);
        BOOST_TEST(!hasSignal(c, "injury"), text << " -> " << joined(c.safety));
    }
    const SafetyCase hurt[] = {
        {"injury", "孩子从上铺摔下来了，现在在医院"},
        {"injury", "有個細路仔食咗鈕扣電池，佢媽媽而家帶咗佢去醫院"},
        {"injury", "My son hit his head on the frame and we're in the emergency room now."},
    };
    expectSignals(hurt);
    BOOST_TEST(explains("下週送來的推床請改送到急診大樓後門",
                        "safety:injury held back: \"急诊\" without a setting_need word"));
}

BOOST_AUTO_TEST_CASE(explain_names_the_trigger) {
    BOOST_TEST(explains("The toaster caught fire", "safety:fire", true));
}

BOOST_AUTO_TEST_SUITE_END()
