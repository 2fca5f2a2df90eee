// Urgency signals on the shipped configuration (config/routing.yaml): recall over urgent
// messages written for this test (varied phrasing, three languages, typos, mixed script; not
// copies of the vocabulary), silence on ordinary ones, and what the rules make of them: P1 for
// any customer, whatever the category came out as.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE urgency_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "config/routing_config_parser.hpp"
#include "routing/classify/classifier.hpp"
#include "routing/classify/safety.hpp"
#include "routing/classify/text_normalizer.hpp"
#include "routing/classify/urgency_model.hpp"
#include "tests/support/shipped_routing.hpp"

namespace {

using ccd::routing::Classification;
using ccd::routing::Classifier;

ccd::routing::RoutingConfigPtr shipped() { return ccd::testing::shippedRouting(); }

Classifier& classifier() {
    static Classifier instance(*ccd::testing::shippedTrainedClassifier());
    return instance;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

ccd::routing::TriageResult triage(const std::string& text, const std::string& tier) {
    static ccd::routing::Engine engine(shipped());
    ccd::routing::InboundMessage m;
    m.text = text;
    m.channel = ccd::routing::ChannelKind::Webchat;
    ccd::routing::ContactProfile contact;
    contact.tier = tier;
    // Tuesday 2026-11-24 10:00 in Shanghai: office hours, so nothing depends on the clock.
    return engine.triage(m, contact, true, ccd::routing::TimePoint(std::chrono::seconds(1795485600)));
}

// Someone depends on the product right now.
const char* const kUrgent[] = {
    // production stopped
    "Our whole assembly line machine has stopped, we need a technician now",
    "My account is VIP. The production scanner is down and nothing works.",
    "The bottling line ground to a halt at 6am and forty people are standing around.",
    "Packing line 3 is completely dead since the night shift, please send someone.",
    "The factory is down because your CNC controller keeps faulting.",
    "We have halted production until the press is fixed.",
    "production line stoped, conveyor wont move!!",
    "我们是贵公司的VIP客户，生产线上的设备全部停机了，请马上处理！",
    "车间那台注塑机一停，整条线都停了，每小时损失好几万。",
    "流水线今天早上罢工了，工人都在干等。",
    "厂里的设备全都趴窝了，今天没法生产。",
    "產線的機台全部停機，麻煩盡快派人來。",
    "我們工廠停產了，因為你們的控制器壞掉。",
    "生產線停擺一整天了還沒人處理",
    "ＰＬＣ报警之后产线停了",
    // business down
    "The till in our cafe is broken and we can't take payments, customers are walking out.",
    "Our restaurant's ordering tablets are all down and nothing works tonight.",
    "All our stores lost the POS system this morning, we cannot trade.",
    "The server is down again and the entire office is sitting idle.",
    "Shop's card reader quit on me, can't serve customers, please call back asap",
    "店里的收银系统宕机了，客人都在排队等结账。",
    "门店的电脑全部瘫痪了，今天营业不了。",
    "公司系統當機，整個辦公室都沒辦法工作。",
    "收銀機壞了，現在完全沒辦法結帳，客人在等。",
    "服務器宕機兩個小時了，業務中斷，請立刻處理",
    // medical device
    "My father's oxygen concentrator stopped working in the middle of the night.",
    "The CPAP machine beeps and shuts off, my wife cannot sleep without it.",
    "Mum's stairlift is stuck halfway and she can't get downstairs.",
    "The mobility scooter died on the way home and Dad is stranded at the bus stop.",
    "奶奶的电动轮椅突然不能动了，她一个人在楼下出不了门。",
    "The insulin pump shows an occlusion error and won't deliver.",
    "我爸的制氧机突然不出氧了，他离不开这个。",
    "家里老人用的呼吸机一直报警然后自己关机。",
    "醫療用的電動病床卡住了，病人沒辦法下來。",
    "媽媽的電動輪椅在外面突然不動了，她一個人在路邊。",
    // child at risk
    "The smart lock jammed and my toddler is locked inside the flat alone.",
    "The baby monitor went silent overnight and we didn't hear our daughter crying.",
    "Heating has been off for two days and the baby is freezing.",
    "智能门锁坏了，孩子被反锁在家里出不来。",
    "暖气坏了两天，家里宝宝冻着了在发烧。",
    // a monitor is a child at risk beside an ill child (labelling guide: "baby monitor dead
    // with a sick baby"); without one it is an ordinary fault (kOrdinary)
    "嬰兒監視器一直斷線，寶寶在發高燒，晚上聽不到她的呼吸。",
    // a business told by the work it loses or the people who cannot work
    "The laser cutter has been down since Monday and we're losing every job.",
    "Network switch died this morning, the whole office can't work.",
    "包装线从昨天停到现在，工人只能放假。",
    "午饭繁忙时间，炸炉点不着，好多单在等。",
    // animals of a farm without feed, water or air
    "Feeder in the broiler house stopped overnight and the birds have had no feed since midnight.",
    "养猪场的自动饮水系统停了，猪一上午都没水喝。",
    "魚塘嘅增氧機停咗，啲魚開始浮頭。",
    "The milking machine won't start and 60 cows need milking by five.",
    "Cake shop here, the mixer died and I have 12 orders to hand over at 3pm today.",
    "Eggs in the incubator, day 18, and the incubator went dead overnight.",
    // a ticket's fields: the device on one line, its fault on the next (H31)
    "单位：中心血站\n设备：血浆冷藏箱\n问题：今早发现压缩机停止工作，箱内温度一直在升",
};

// Hazards: raised as safety signals (P1 by the `safety` rule), listed here so the urgent list
// of issue 17 is covered in one place.
const char* const kHazards[] = {
    "Flames came out of the back of the dryer.",
    "the heater is smoking and smells like melting plastic",
    "I got zapped when I touched the fridge handle.",
    "Strong smell of gas in the kitchen since the installer left.",
    "Water is dripping from the ceiling right onto the power strip.",
    "洗衣机漏水，水都流到插座那边了。",
    "插頭一直冒煙，還有燒焦味。",
    "热水器那里有煤气味，我们已经开窗了。",
    "The box slipped off the trolley and hit my daughter's foot, it's swelling up.",
    "奶奶踩到漏出来的水滑倒了，脚踝扭到了。",
    "风扇转起来有碎片飞出来，差点打到孩子。",
    "积木里的小磁铁掉出来了，宝宝差点放进嘴里。",
    "一氧化碳报警器一开热水器就狂叫。",
    "书架往下歪了，下面就是宝宝的床。",
    "The trolley jack keeps sinking while I'm working under the car.",
    "我個仔部平板背面脹咗起嚟。",
    "鱼缸的加热棒裂了，手一伸进去就麻麻的。",
    "Rain got into the EV charger on the driveway, water dripping out of the bottom of it.",
    "电动车的电池在漏液，车库里一股怪味。",
    "婴儿床的侧板掉下来压到宝宝的手。",
};

// Ordinary requests, some with words the urgent vocabulary uses.
const char* const kOrdinary[] = {
    "The kettle stopped working after two weeks.",
    // a monitor that drops its link, no child ill (H115: 12 such messages labelled P3 or P4)
    "嬰兒監視器一直斷線，晚上聽不到寶寶哭。",
    "My laptop froze and I had to restart it.",
    "I tried everything you suggested and nothing works, the remote is still dead.",
    "How do I set up the production mode on the label printer?",
    "Can you send me an invoice for our business account?",
    "When will my order be shipped?",
    "The phone line is down at home, can you help me with the router?",
    "After the power outage my TV won't turn on.",
    "I would like to return the blender.",
    "The stroller wheel squeaks.",
    "My son's headphones have no sound in the left ear.",
    "Thanks for the quick repair yesterday!",
    "笔记本电脑经常当机，蓝屏后自动重启。",
    "洗衣机转到一半就不动了。",
    "请问你们的门店周末营业吗？",
    "冰箱不制冷了，请派师傅上门维修。",
    "我要退货，尺寸不合适。",
    "手機常常當機，可以送修嗎？",
    "退款什麼時候會到帳？",
    "雨停了以后再来送货吧。",
    "We keep a few hens as pets, which feeder size would you recommend?",
    "Our dairy farm would like a quote for a second milking machine.",
    "我们鱼塘想买一台增氧机，有什么型号推荐？",
    "The whole office loves the new coffee machine, thanks!",
    "这两把椅子的颜色不一样，能换吗？",
    "How do I export my blood pressure readings to a spreadsheet?",
    "Is the stairlift warranty transferable? We're selling the house with it installed.",
    "父亲的电动轮椅电池还在保修期内吗？买了一年两个月。",
    "等客服回复等得我头都冒烟了，订单到底发了没有？",
    "Your Black Friday fire sale price was wrong at checkout, please refund the difference.",
    // a medical device named, with nothing wrong with it (H45): keywords_need
    "How often should I clean the filter on Mum's oxygen concentrator? Can I wash it with soap?",
    "Please send the invoice for our CPAP machine to accounts, order 88-2041.",
    "请按月开具护理床的租金发票，抬头写我们单位。",
    "請問製氧機的濕化瓶要每天換水嗎？",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(recall)

BOOST_AUTO_TEST_CASE(every_urgent_message_is_flagged) {
    for (const char* text : kUrgent) {
        const Classification c = classifier().classify(text);
        BOOST_TEST(!c.urgency.empty(), text << ": no urgency signal");
    }
}

BOOST_AUTO_TEST_CASE(every_hazard_is_flagged) {
    for (const char* text : kHazards) {
        const Classification c = classifier().classify(text);
        BOOST_TEST(!c.safety.empty(), text << ": no safety signal");
    }
}

BOOST_AUTO_TEST_CASE(ordinary_messages_are_not_urgent) {
    for (const char* text : kOrdinary) {
        const Classification c = classifier().classify(text);
        BOOST_TEST(c.urgency.empty(), text << ": unexpected [" << joined(c.urgency) << "]");
        BOOST_TEST(c.safety.empty(), text << ": unexpected [" << joined(c.safety) << "]");
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(priority)

BOOST_AUTO_TEST_CASE(urgent_is_p1_for_any_customer) {
    for (const char* tier : {"vip", "standard"}) {
        for (const char* text : kUrgent) {
            const auto t = triage(text, tier);
            BOOST_TEST(t.priority == 1, tier << ": " << text << ": P" << t.priority);
        }
    }
}

BOOST_AUTO_TEST_CASE(ordinary_is_not_p1) {
    for (const char* text : kOrdinary) {
        const auto t = triage(text, "standard");
        BOOST_TEST(t.priority > 1, text << ": P1 by " << joined(t.rules));
    }
}

BOOST_AUTO_TEST_CASE(the_three_messages_of_issue_17_are_vip_faults) {
    // Each came out as `other` (confidence 0.24-0.33) and so P2.
    for (const char* text : {
             "My account is VIP. The production scanner is down and nothing works.",
             "Our whole assembly line machine has stopped, we need a technician now",
             "我们是贵公司的VIP客户，生产线上的设备全部停机了，请马上处理！",
         }) {
        const auto t = triage(text, "vip");
        BOOST_TEST(t.classification.category == "fault",
                   text << ": " << t.classification.category << " "
                        << t.classification.confidence);
        BOOST_TEST(t.priority == 1, text << ": P" << t.priority);
        BOOST_TEST(t.queue == "technical", text << ": queue " << t.queue);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// --- learned urgency ------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(learned_urgency)

using Example = ccd::routing::UrgencyModel::Example;
using Tokens = std::vector<std::string>;

BOOST_AUTO_TEST_CASE(learns_which_words_mean_someone_depends_on_it_now) {
    std::vector<Example> examples = {
        {{"incubator", "no", "power", "eggs", "cooling"}, true},
        {{"milking", "robot", "stopped", "cows", "waiting"}, true},
        {{"steamer", "broken", "pupils", "waiting", "lunch"}, true},
        {{"kettle", "stopped", "working"}, false},
        {{"invoice", "wrong", "address"}, false},
        {{"incubator", "warranty", "question"}, false},
        {{"robot", "vacuum", "stopped", "working"}, false},
    };
    const ccd::routing::UrgencyModel model(examples, 1e-3, 50);
    BOOST_REQUIRE(model.trained());
    const double urgent = model.probability(Tokens{"cows", "waiting", "feeder", "stopped"});
    const double ordinary = model.probability(Tokens{"kettle", "stopped", "working"});
    BOOST_TEST(urgent > 0.5);
    BOOST_TEST(ordinary < 0.5);
    BOOST_TEST(model.probability(Tokens{"unseen", "words"}) > 0.0);  // the bias alone
    const auto why = model.strongest(Tokens{"cows", "waiting", "kettle"}, 2);
    BOOST_REQUIRE(!why.empty());
    BOOST_TEST((why[0].first == "waiting" || why[0].first == "cows"));
    // The same examples give the same model.
    const ccd::routing::UrgencyModel again(examples, 1e-3, 50);
    BOOST_TEST(again.probability(Tokens{"cows", "waiting"}) ==
               model.probability(Tokens{"cows", "waiting"}));
}

// A word met only in urgent examples gets a large weight; max_weight holds every word's weight
// within the cap, so that one such word cannot make a message urgent alone.
BOOST_AUTO_TEST_CASE(max_weight_caps_each_words_weight) {
    std::vector<Example> examples;
    for (int i = 0; i < 6; ++i) {
        examples.push_back({{"pallet", "arrived", "w" + std::to_string(i)}, true});
        examples.push_back({{"arrived", "late", "v" + std::to_string(i)}, false});
    }
    const ccd::routing::UrgencyModel free(examples, 1e-3, 50);
    const ccd::routing::UrgencyModel capped(examples, 1e-3, 50, 0.8);
    BOOST_TEST(free.weight("pallet") > 0.8);
    BOOST_TEST(capped.weight("pallet") == 0.8);
    BOOST_TEST(capped.weight("late") >= -0.8);
    BOOST_TEST(capped.probability(Tokens{"pallet", "arrived"}) <
               free.probability(Tokens{"pallet", "arrived"}));
}

// The model is the mean of the weights after every step of the second half of the epochs
// (averaged SGD), which the model keeps without touching every weight at every step. Here the
// mean is taken the plain way, summing every weight after every step, on the same steps
// (same class weights, step sizes and shuffled order), and the two must agree.
BOOST_AUTO_TEST_CASE(weights_are_the_mean_over_the_second_half_of_the_steps) {
    std::vector<Example> examples;
    for (int i = 0; i < 7; ++i) {
        examples.push_back({{"line", "stopped", "w" + std::to_string(i % 3)}, true});
        examples.push_back({{"invoice", "wrong", "v" + std::to_string(i % 4)}, false});
        examples.push_back({{"stopped", "kettle", "v" + std::to_string(i % 2)}, false});
    }
    const double l2 = 0.01;
    const int epochs = 6;
    const ccd::routing::UrgencyModel model(examples, l2, epochs);
    BOOST_REQUIRE(model.trained());

    // The plain way: features by first appearance, each row's features once.
    std::map<std::string, std::size_t> index;
    std::vector<std::string> names;
    std::vector<std::vector<std::size_t>> rows;
    double urgent = 0;
    for (const auto& e : examples) {
        std::vector<std::size_t> row;
        for (const auto& t : e.tokens) {
            auto [it, fresh] = index.emplace(t, names.size());
            if (fresh) names.push_back(t);
            if (std::find(row.begin(), row.end(), it->second) == row.end()) row.push_back(it->second);
        }
        rows.push_back(row);
        urgent += e.urgent ? 1 : 0;
    }
    const double n = static_cast<double>(examples.size());
    const double w_urgent = n / (2.0 * urgent), w_other = n / (2.0 * (n - urgent));
    std::vector<double> w(names.size(), 0.0), sum(names.size(), 0.0);
    double bias = 0.0, bias_sum = 0.0, steps = 0.0;
    std::vector<std::size_t> order(rows.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937 shuffle(17);
    for (int epoch = 0; epoch < epochs; ++epoch) {
        std::shuffle(order.begin(), order.end(), shuffle);
        const double rate = 0.5 / (1.0 + 0.1 * epoch);
        for (const auto i : order) {
            double z = bias;
            for (const auto f : rows[i]) z += w[f];
            const double label = examples[i].urgent ? 1.0 : 0.0;
            const double gradient = (1.0 / (1.0 + std::exp(-z)) - label) *
                                    (examples[i].urgent ? w_urgent : w_other);
            bias -= rate * gradient;
            for (const auto f : rows[i]) w[f] -= rate * (gradient + l2 * w[f]);
            if (epoch >= epochs / 2) {
                for (std::size_t f = 0; f < w.size(); ++f) sum[f] += w[f];
                bias_sum += bias;
                steps += 1.0;
            }
        }
    }
    for (std::size_t f = 0; f < names.size(); ++f) {
        BOOST_TEST_CONTEXT(names[f]) {
            BOOST_TEST(model.weight(names[f]) == sum[f] / steps, boost::test_tools::tolerance(1e-9));
            // not the last step's weights
            BOOST_TEST(std::abs(model.weight(names[f]) - w[f]) > 1e-6);
        }
    }
    const double mean_bias = bias_sum / steps;
    BOOST_TEST(model.probability(Tokens{}) == 1.0 / (1.0 + std::exp(-mean_bias)),
               boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(one_class_alone_trains_nothing) {
    const ccd::routing::UrgencyModel model({{{"a"}, true}, {{"b"}, true}}, 1e-3, 10);
    BOOST_TEST(!model.trained());
    BOOST_TEST(model.probability(Tokens{"a"}) == 0.0);
}

// The shipped model: a situation the lists cannot name comes out urgent (signal "learned"),
// an ordinary request does not, and a message the lists already catch keeps their signal only.
BOOST_AUTO_TEST_CASE(the_shipped_model_adds_learned_urgency_where_the_lists_are_silent) {
    Classifier& c = classifier();
    // (an incubator with its eggs cooling was this example until the lists named it, H29)
    auto farm = c.classify("our greenhouse heating failed last night and the seedlings are "
                           "freezing, we need someone today");
    BOOST_TEST((std::find(farm.urgency.begin(), farm.urgency.end(), "learned") !=
                farm.urgency.end()));
    BOOST_REQUIRE(farm.urgency_probability.has_value());
    auto ordinary = c.classify("can I get a copy of my invoice for the kettle please");
    BOOST_TEST(ordinary.urgency.empty());
    auto listed = c.classify("our production line has stopped completely");
    BOOST_TEST((std::find(listed.urgency.begin(), listed.urgency.end(), "learned") ==
                listed.urgency.end()));
    BOOST_TEST(!listed.urgency.empty());
}

BOOST_AUTO_TEST_SUITE_END()

// A signal's keywords held to its need list (`keywords_need`): the name alone raises nothing.
BOOST_AUTO_TEST_SUITE(keywords_need)

BOOST_AUTO_TEST_CASE(a_keyword_counts_only_with_a_need_phrase_in_the_message) {
    using ccd::routing::SafetyDetector;
    using ccd::routing::SafetySignalDef;
    const ccd::routing::TextNormalizer normalizer;
    SafetySignalDef device;
    device.name = "medical_device";
    device.keywords = {"ventilator", "呼吸机"};
    device.keywords_need = {"alarm*", "坏"};
    SafetySignalDef stopped;
    stopped.name = "production_stopped";
    stopped.keywords = {"line stopped"};
    stopped.regexes = {"ventilators? on order"};
    SafetyDetector detector({device, stopped}, normalizer, "urgency");
    const auto found = [&](const std::string& text) {
        std::vector<std::string> out;
        detector.detect(normalizer.normalize(text), out);
        return joined(out);
    };
    BOOST_TEST(found("Where is the invoice for the ventilator?") == "");
    BOOST_TEST(found("The ventilator keeps alarming.") == "medical_device");
    BOOST_TEST(found("家里的呼吸機壞了") == "medical_device");  // folded like the keywords
    BOOST_TEST(found("呼吸机的发票") == "");
    // another signal's words do not meet the need; patterns are not held to it
    BOOST_TEST(found("The ventilator line stopped") == "production_stopped");
    BOOST_TEST(found("Two ventilators on order") == "production_stopped");
    // the learned models train on the lists' reach without the need lists
    detector.applyNeeds(false);
    BOOST_TEST(found("Where is the invoice for the ventilator?") == "medical_device");
    detector.applyNeeds(true);
    BOOST_TEST(found("Where is the invoice for the ventilator?") == "");
}

BOOST_AUTO_TEST_CASE(the_shipped_device_list_needs_trouble_told) {
    for (const char* text : {"My dad's oxygen concentrator just stopped and he's on it all night.",
                             "我妈的制氧机没电了，她离不开氧气。", "部呼吸機一直嗶嗶聲報警",
                             "The insulin pump supplies were meant to arrive yesterday."}) {
        const Classification c = classifier().classify(text);
        BOOST_TEST(joined(c.urgency).find("medical_device") != std::string::npos, text);
    }
}

BOOST_AUTO_TEST_SUITE_END()
