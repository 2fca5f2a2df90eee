#pragma once
// The data that drives classification: categories with keywords, regular expressions and
// example phrases, the sentiment lexicon and the safety signals. Plain structs, filled by the
// configuration layer from the `classification:` section of config/routing.yaml.
//
// Every phrase (keyword, example, lexicon entry, exclusion) is compared after the same text
// normalization the classifier applies to messages: NFKC, Unicode case folding and
// Traditional -> Simplified Chinese folding. So "Refund", "ＲＥＦＵＮＤ" and "refund" are the same
// keyword, and one Chinese list written in either script serves zh-Hans and zh-Hant alike.
//
// Keyword syntax: a phrase matched as a whole; where it starts or ends with a Latin letter or a
// digit it must start/end on a word boundary ("fire" does not match "firewall"). A trailing `*`
// drops the end boundary, making the phrase a prefix ("overheat*" matches "overheating").
// Chinese phrases match anywhere.
//
// Regular expressions are ICU regular expressions searched in the normalized text: write them
// in lower case and in Simplified characters (Traditional characters in a pattern are folded
// to Simplified for you; case is not, because folding would change escapes such as \S).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ccd::routing {

/// A finer kind of a category ("leak" under fault). Once the category is decided, its subtypes
/// are scored like categories: naive Bayes over the subtype's training sentences (its examples
/// and the corpus lines labelled with it) plus subtype_weight when any of its phrases or
/// patterns matches; the best one wins. No evidence at all: no subtype.
struct SubtypeDef {
    std::string name;                     ///< unique across every category
    std::vector<std::string> keywords;    ///< any match adds keyword_weight, once
    std::vector<std::string> regexes;     ///< ICU patterns, as a category's
    std::vector<std::string> exclusions;  ///< cancel a keyword match inside them
    /// Example messages per language tag: trained on, for the subtype and its category.
    std::map<std::string, std::vector<std::string>> examples;
};

/// One labelled sentence of the training corpus (`classification.corpus`).
struct LabelledText {
    std::string category;  ///< a configured category
    std::string subtype;   ///< one of that category's subtypes, or "" (trains the category only)
    std::string language;  ///< en, zh-Hans, zh-Hant
    std::string text;
    /// Optional "urgent" label (a safety hazard or an urgency signal): the sentences that carry
    /// it train the learned urgency model (UrgencyModelDef).
    std::optional<bool> urgent;
};

/// The learned urgency model: logistic regression over the tokens of the corpus sentences
/// labelled `urgent`, beside the urgency lists. It fires the urgency signal "learned" when the
/// probability of urgent reaches `threshold`. Off when `threshold` is unset (no
/// `classification.learned_urgency`) or no sentence is labelled.
struct UrgencyModelDef {
    std::optional<double> threshold;  ///< in (0, 1)
    double l2 = 1e-3;                 ///< L2 penalty per example
    int epochs = 30;
    /// After training, every word's weight is held within [-max_weight, max_weight]: one word
    /// met in a few urgent corpus sentences ("pallet", "guide") cannot make a message urgent on
    /// its own. None: uncapped.
    std::optional<double> max_weight;
};

/// The learned precision step for the safety and urgency lists (classification.list_precision):
/// when a list raises a signal, a logistic regression over the message's tokens and context
/// features (the signals raised; each marker kind found anywhere, "@question", and near a
/// trigger, "@question~") gives P(the hazard or urgency is present now). Below `threshold`
/// the lists' signals are withdrawn (a veto). Trained at start-up on the corpus sentences in
/// which a list raises something: labelled by their `urgent` label, urgent without one. Off
/// when `threshold` is unset.
struct ListPrecisionDef {
    std::optional<double> threshold;  ///< in (0, 1): veto below it
    /// Below this presence probability (< threshold) the step withdraws the signals on the
    /// words alone, with no marker near a trigger ("the fire dancers were INSANE", "I am
    /// honestly about to explode"). None: only a near marker withdraws.
    std::optional<double> words_threshold;
    double l2 = 0.03;                 ///< L2 penalty per example
    int epochs = 30;
    /// How far (UTF-16 code units) from a trigger a marker counts as near it, within its
    /// sentence.
    int window = 40;
    /// Marker phrases by kind ("question", "hypothetical", "past", "negation", "third_party",
    /// "figurative", "present", ...): phrase syntax as keywords.
    std::map<std::string, std::vector<std::string>> markers;
};

/// The learned category model: softmax regression over the naive Bayes features, trained on
/// the same examples and corpus. Its log-odds, times `weight`, are added to each category's
/// score. Off when `weight` is unset (no `classification.learned_category`).
struct CategoryModelDef {
    std::optional<double> weight;  ///< > 0
    double l2 = 1e-3;              ///< L2 penalty per example
    int epochs = 20;
    /// Weight of a second model over every subtype (0: off), joining naive Bayes in the
    /// subtype's score the same way.
    double subtype_weight = 0.0;
};

/// One category a message can be classified into.
struct CategoryDef {
    std::string name;                   ///< "fault", "billing", ...; unique
    std::vector<std::string> keywords;  ///< each distinct match adds keyword_weight
    std::vector<std::string> regexes;   ///< each matching pattern adds regex_weight
    /// Example messages per language tag ("en", "zh-Hans", "zh-Hant"): the naive Bayes
    /// training set. Every category except the fallback needs at least one example.
    std::map<std::string, std::vector<std::string>> examples;
    std::vector<SubtypeDef> subtypes;  ///< may be empty: no subtype
};

/// Sentiment words and how negation flips them.
struct SentimentLexicon {
    std::vector<std::string> positive;  ///< "happy", "满意", ...
    std::vector<std::string> negative;  ///< "disappointed", "问题", ...
    std::vector<std::string> negators;  ///< "not", "不", "没有", ...: flip what follows
    /// Words that end a negator's reach ("but", "但是"); punctuation always does.
    std::vector<std::string> clause_breaks;
    /// How far a negator reaches: Latin words, or Chinese characters, between its end and the
    /// start of the sentiment word it flips.
    int negation_window = 3;
    /// Weight of a negated negative word ("no problem", "没有问题"), counted as positive. A
    /// negated positive word ("not happy", "不满意") counts as a full negative.
    double negated_negative_weight = 0.5;
    /// |score| below this is neutral.
    double neutral_band = 0.5;
};

/// One safety signal (a hazard to people or property) and the phrases that reveal it.
struct SafetySignalDef {
    std::string name;                   ///< "fire", "gas_leak", ...; unique
    std::vector<std::string> keywords;  ///< any match fires the signal
    std::vector<std::string> regexes;   ///< any match fires the signal
    /// Phrases that cancel a keyword match lying inside them ("fire tv" for "fire",
    /// "打不着火" for "着火"), and so a pattern match ("burning smell" in "no burning smell").
    std::vector<std::string> exclusions;
    /// When not empty, a keyword raises the signal only if the message also holds one of these
    /// phrases, anywhere (phrase syntax as keywords): a device's name is no urgency unless the
    /// message tells of some trouble ("not", "alarm", "坏", "还没到"). Patterns carry their own
    /// conditions and are not held to it.
    std::vector<std::string> keywords_need;
    /// Keywords that name a setting more often than a hazard (a hospital, an emergency room:
    /// the writer's workplace, or where a child went after a fall): each raises the signal
    /// only in a message that also holds one of `setting_need` (the trouble told: hurt, 摔,
    /// 流血). Like keywords_need, a filter: the learned models train without it.
    std::vector<std::string> setting_keywords;
    std::vector<std::string> setting_need;
};

/// Hazards told as past and settled ("last year my toaster caught fire and you replaced it within
/// two days"): a safety keyword is not a hazard now when the clause that holds it has a `past`
/// phrase, the part of that clause that holds it (up to a comma or colon) has no `again`
/// phrase, and the message has a `settled` phrase. Clauses end at sentence punctuation and at
/// the sentiment lexicon's clause breaks ("but", "可是"). A
/// pattern's match is discounted the same way (a later match of it may still count). Empty
/// lists: nothing is discounted.
struct SettledHazards {
    std::vector<std::string> past;     ///< "last year", "上次", ...
    std::vector<std::string> settled;  ///< "replaced", "处理得很好", ...
    std::vector<std::string> again;    ///< "again", "又", "still", ...: it is happening now
};

/// Everything the classifier needs; see config/routing.yaml for the shipped values.
struct ClassifierConfig {
    std::vector<CategoryDef> categories;
    std::string fallback_category = "other";  ///< must name one of `categories`
    /// Below this confidence the message goes to the fallback category.
    double confidence_threshold = 0.45;
    double keyword_weight = 2.0;  ///< log-evidence (nats) per distinct keyword match
    double regex_weight = 2.0;    ///< log-evidence (nats) per matching regular expression
    /// log-evidence (nats) for a subtype when any of its phrases or patterns matches.
    double subtype_weight = 2.0;
    double smoothing = 0.5;       ///< additive (Lidstone) smoothing of the naive Bayes counts
    /// Divides the naive Bayes log-likelihoods before rule evidence is added: naive Bayes
    /// treats overlapping features (words and character bigrams) as independent and is
    /// over-confident without it. Rule weights are not divided.
    double temperature = 3.0;
    /// The category a reported hazard points to ("fault": a toaster on fire is broken), and the
    /// log-evidence (nats) added to it when any safety signal fires. Empty: no such evidence.
    std::string safety_category;
    double safety_weight = 0.0;
    std::vector<std::string> stopwords;  ///< tokens ignored by naive Bayes ("the", "的", ...)
    /// The training corpus, beside the categories' own examples: read from the JSON-lines file
    /// `corpus_path` names (absolute; "" when there is none) and trained on at start-up and at
    /// every reload.
    std::vector<LabelledText> corpus;
    std::string corpus_path;
    SentimentLexicon sentiment;
    std::vector<SafetySignalDef> safety;
    SettledHazards settled_hazards;
    /// A safety or urgency keyword or pattern inside quotation marks of at most this many
    /// UTF-16 units is a name (a colour, a product, a title, a line item, a code), not a
    /// hazard told (SafetyDetector::setQuotedNames). 0: off.
    std::int32_t quoted_name_length = 0;
    /// Urgency signals: someone depends on the product right now (production stopped, a
    /// business that cannot trade, a medical device, a child at risk). Same shape and matching
    /// as safety signals; they never add evidence to a category, so urgency does not hang on
    /// the category being right.
    std::vector<SafetySignalDef> urgency;
    UrgencyModelDef learned_urgency;
    ListPrecisionDef list_precision;
    CategoryModelDef learned_category;
    /// SHA-256 (hex) of what this configuration was read from: the `classification` section as
    /// parsed and the corpus file's bytes; "" when it was not read from a file. Two
    /// configurations with the same digest train the same classifier, so a reload that changes
    /// only rules, queues or templates reuses the trained one (routing/engine.cpp). Code that
    /// changes a parsed configuration must clear it.
    std::string source_digest;
};

}  // namespace ccd::routing
