#pragma once
// A small classification section and corpus with every part the shipped one trains (naive Bayes
// over categories and subtypes in three languages, the learned category and subtype models, the
// learned urgency model, the list precision step) and the lists beside them (safety, urgency,
// settled hazards, quoted names, sentiment): trained in a fraction of a second, also under the
// sanitizers. Read through the real parser from a folder of the test's own, so that the
// configuration has a source_digest as the shipped one does.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/routing_config_parser.hpp"
#include "routing/routing_config.hpp"
#include "tests/support/temp_dir.hpp"

namespace ccd::testing {

inline const char* kSmallClassification = R"(classification:
  fallback_category: other
  confidence_threshold: 0.4
  safety_category: fault
  safety_weight: 1.0
  stopwords: [the, a, is, my, 的, 了]
  corpus: corpus.jsonl
  quoted_name_length: 30
  categories:
    - name: fault
      keywords: [broken, 坏了, 壞了]
      regexes: ['不(工作|转)']
      examples:
        en: ["the printer is broken", "it will not turn on"]
        zh-Hans: ["打印机坏了"]
        zh-Hant: ["印表機壞了"]
      subtypes:
        - name: leak
          keywords: [leak*, puddle, 漏水]
          examples:
            en: ["water leaks under the door"]
            zh-Hans: ["洗碗机漏水"]
        - name: overheating
          keywords: [overheat*, too hot, 发烫]
          regexes: ['温控.{0,4}失灵']
          examples:
            en: ["the charger gets too hot"]
            zh-Hant: ["吹風機很燙"]
    - name: billing
      keywords: [refund, invoice, 退款]
      examples:
        en: ["I was charged twice", "the invoice is wrong"]
        zh-Hans: ["多扣了钱"]
    - name: delivery
      keywords: [parcel, 快递]
      examples:
        en: ["where is my parcel"]
        zh-Hant: ["包裹還沒到"]
    - name: other
  sentiment:
    positive: [good, thanks, 满意]
    negative: [bad, angry, 生气]
    negators: [not, 不]
    clause_breaks: [but, 但是]
    negation_window: 3
  safety:
    - name: fire
      keywords: [fire, caught fire, 着火]
      regexes: ['(冒|窜)出(火|火苗)']
      exclusions: [fire tv]
    - name: smoke
      keywords: [smoke, smoking, 冒烟]
  settled_hazards:
    past: [last year, 去年]
    settled: [replaced it, 换了]
    again: [again, 又]
  urgency:
    - name: production_stopped
      keywords: [production line, 停产]
      keywords_need: [stopped, down, 停]
  learned_category:
    weight: 1.0
    subtype_weight: 1.0
    epochs: 5
  learned_urgency:
    threshold: 0.5
    max_weight: 2.0
    epochs: 5
  list_precision:
    threshold: 0.3
    epochs: 5
    markers:
      question: ["?", 吗]
      hypothetical: [if, what if, 如果]
      past: [last year, 去年]
      not_markers: [if needed]
)";

inline const char* kSmallCorpus =
    R"({"lang": "en", "category": "fault", "subtype": "leak", "text": "the washing machine leaks water everywhere"}
{"lang": "en", "category": "fault", "subtype": "leak", "urgent": false, "text": "a small puddle under the fridge"}
{"lang": "zh-Hans", "category": "fault", "subtype": "leak", "text": "热水器一直漏水"}
{"lang": "zh-Hant", "category": "fault", "subtype": "leak", "text": "冷氣一直滴水漏水"}
{"lang": "en", "category": "fault", "subtype": "overheating", "text": "the laptop overheats after an hour"}
{"lang": "zh-Hans", "category": "fault", "subtype": "overheating", "text": "充电器用一会儿就发烫"}
{"lang": "en", "category": "fault", "urgent": true, "text": "the toaster caught fire and there is smoke in the kitchen"}
{"lang": "en", "category": "fault", "urgent": true, "text": "our production line stopped, the motor is smoking"}
{"lang": "zh-Hans", "category": "fault", "urgent": true, "text": "插座着火了，还在冒烟"}
{"lang": "zh-Hant", "category": "fault", "urgent": true, "text": "電暖器冒出火苗"}
{"lang": "en", "category": "fault", "urgent": false, "text": "what if the battery caught fire on a plane?"}
{"lang": "en", "category": "fault", "urgent": false, "text": "last year my kettle caught fire and you replaced it"}
{"lang": "zh-Hans", "category": "fault", "urgent": false, "text": "如果着火了怎么办吗"}
{"lang": "en", "category": "fault", "urgent": true, "text": "the incubator has no power and the chicks are cold"}
{"lang": "en", "category": "billing", "urgent": false, "text": "a refund for the double charge"}
{"lang": "en", "category": "billing", "text": "please send the invoice again"}
{"lang": "zh-Hans", "category": "billing", "text": "退款什么时候到账"}
{"lang": "zh-Hant", "category": "billing", "text": "發票開錯了"}
{"lang": "en", "category": "delivery", "text": "the parcel never arrived"}
{"lang": "zh-Hans", "category": "delivery", "urgent": false, "text": "快递三天了还没到"}
{"lang": "en", "category": "other", "text": "do you have a shop in town"}
)";

/// A folder with routing.yaml (`routing`, kSmallClassification by default) and its corpus.
class SmallClassification {
  public:
    explicit SmallClassification(const std::string& routing = kSmallClassification,
                                 const std::string& corpus = kSmallCorpus) {
        std::ofstream(dir_.file("corpus.jsonl")) << corpus;
        std::ofstream(dir_.file("routing.yaml")) << routing;
    }
    /// The folder's routing.yaml, read again (a new configuration, the same digest).
    routing::RoutingConfigPtr read() const {
        return config::loadRoutingConfig(dir_.file("routing.yaml"));
    }
    const std::filesystem::path& dir() const { return dir_.path(); }

  private:
    TempDir dir_;
};

/// Texts for comparing two classifiers: the three languages, hazards raised, denied, asked
/// about and told as past, urgency, subtypes, sentiment, quoted names, an unknown language.
inline const std::vector<std::string>& variedTexts() {
    static const std::vector<std::string> texts = {
        "my printer is broken",
        "The dishwasher leaks and there's a puddle on the floor",
        "the charger gets too hot, I'm angry",
        "打印机坏了，我很生气",
        "印表機壞了，不能用",
        "热水器温控失灵了，一直发烫",
        "洗碗机漏水",
        "I was charged twice, I want a refund",
        "發票開錯了，要退款",
        "where is my parcel? 快递三天了",
        "the toaster caught fire!",
        "smoke is coming out of the socket",
        "插座冒出火苗，还在冒烟",
        "電暖器冒出火苗",
        "what if the battery caught fire?",
        "last year my kettle caught fire and you replaced it",
        "it's not on fire, no smoke, all good thanks",
        "my fire tv remote is broken",
        "I ordered the colour 'Smoke Grey' and got black",
        "our production line stopped, the machine is down",
        "the production line brochure please",
        "the incubator has no power and the chicks are cold",
        "good service, thanks, 满意",
        "not bad but the parcel is late",
        "12345",
        "Привет, у меня сломался принтер",
        "",
    };
    return texts;
}

}  // namespace ccd::testing
