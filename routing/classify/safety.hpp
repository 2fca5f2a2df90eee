#pragma once
// Safety signals: phrases that reveal a hazard to people or property (fire, smoke, sparks,
// electric shock, gas leak, injury, swelling battery, ...). Missing one is the worst error the
// classifier can make, so the lists are generous. A signal's exclusions name what is not the
// hazard (a product name, slang, a hazard said to be absent: "no smoke"); an exclusion cancels
// the keyword and pattern matches that lie inside it, nothing else in the text: "no
// smoke, but it smells burnt" still raises the burning smell, and a person checks. A signal
// may hold its keywords to a second list (`keywords_need`): a device's name raises it only in
// a message that also tells of some trouble.
//
// The same detector finds the urgency signals (production stopped, business down, a medical
// device, a child at risk): a second instance over the `urgency:` list, with kind "urgency".

#include <unicode/unistr.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "routing/classify/classification.hpp"
#include "routing/classify/classifier_config.hpp"
#include "routing/classify/regex_set.hpp"
#include "routing/classify/term_matcher.hpp"
#include "routing/classify/term_pass.hpp"

namespace ccd::routing {

class TextNormalizer;

/// Finds the configured safety signals in normalized text.
/// Thread safety: not thread-safe (regex matchers keep state); copy it for another thread —
/// copies share the phrase tables and compiled patterns.
class SafetyDetector {
  public:
    /// Normalizes the phrases with `normalizer` and compiles the patterns (Traditional
    /// characters folded). Throws std::invalid_argument for a duplicate or empty signal name,
    /// an empty phrase, a signal with neither keywords nor regexes, or a bad pattern.
    /// `kind` ("safety", "urgency") names the list in those messages and in evidence.
    SafetyDetector(const std::vector<SafetySignalDef>& signals, const TextNormalizer& normalizer,
                   const std::string& kind = "safety");
    /// With `settled`: keyword hits in a hazard told as past and settled do not count
    /// (SettledHazards); `clause_breaks` end clauses as punctuation does.
    SafetyDetector(const std::vector<SafetySignalDef>& signals, const TextNormalizer& normalizer,
                   const std::string& kind, const SettledHazards& settled,
                   const std::vector<std::string>& clause_breaks);

    /// Appends to `found` the names of the signals present in `text` (normalized), in
    /// configuration order, each once; with `evidence`, also what triggered each of them.
    /// With `scan` (a TermPass scan of `text` this detector was attached to), its phrases
    /// are taken from there instead of a walk of their own.
    void detect(const icu::UnicodeString& text, std::vector<std::string>& found,
                std::vector<Evidence>* evidence = nullptr, const TermScan* scan = nullptr);

    /// Whether keywords are held to their signal's `keywords_need`, and setting keywords to its
    /// `setting_need` (on by default). The learned
    /// models train on what the lists raise with it off, so a need list filters messages
    /// without moving what the models learned.
    void applyNeeds(bool on) { apply_needs_ = on; }

    /// A keyword or pattern match that lies inside a quoted name (quotedNames) of at most
    /// `max_length` UTF-16 units does not raise its signal: 'Flame Orange', 「爆炸科學」, a
    /// line item "smoke machine hire". 0 (the default) turns the rule off. Like the need
    /// lists, it filters messages: applyQuotedNames(false) while the learned models train.
    void setQuotedNames(std::int32_t max_length) { quoted_max_ = max_length; }
    void applyQuotedNames(bool on) { quoted_on_ = on; }

    /// Attaches this detector's phrase lists (its phrases, its patterns' literals) to `pass`.
    void attachTo(TermPass& pass) const;

    /// Where each signal found by the last detect() was raised: UTF-16 offsets [begin, end) of
    /// its trigger in the text, in the order detect() appended the names.
    const std::vector<std::pair<std::int32_t, std::int32_t>>& spans() const { return spans_; }

    /// Whether the last detect() passed over a keyword or pattern because it lay in a quoted name.
    bool sawQuotedName() const { return saw_quoted_; }

    /// The exclusions that cancelled a keyword or pattern match in the last detect(): UTF-16
    /// offsets [begin, end) of "no smoke", "fire tv". The hazard words in them are denied or
    /// name something else, so the learned urgency model does not count them either.
    const std::vector<std::pair<std::int32_t, std::int32_t>>& deniedSpans() const {
        return denied_;
    }

    /// The configured signal names, in order.
    const std::vector<std::string>& names() const { return shared_->names; }

  private:
    // A term's role: one signal's keyword or exclusion, or (signal == npos) a phrase of the
    // settled-hazard rule.
    enum class Role : std::uint8_t {
        Keyword,
        Exclusion,
        Need,
        Setting,      ///< a setting keyword: raises its signal only with a SettingNeed phrase
        SettingNeed,
        Past,
        Settled,
        Again,
        ClauseBreak
    };
    struct Use {
        std::size_t signal;
        bool exclusion;
        Role role = Role::Keyword;
    };
    // Whether the keyword hit [begin, end) lies in a clause told as past and settled.
    bool settledAt(const icu::UnicodeString& text, const TermMatch& hit) const;
    // Whether pattern `i` matches somewhere outside every exclusion of its signal and, with the
    // rule, outside any settled clause.
    bool regexFires(std::size_t i, const icu::UnicodeString& text, bool settled_told,
                    TermMatch& where);
    // Whether an exclusion of `signal` found in the text holds [begin, end); notes each such
    // exclusion in denied_.
    bool excludedAt(std::size_t signal, const TermMatch& match);
    // Whether [begin, end) lies inside a quoted name of the text.
    bool inQuotedName(const TermMatch& match);
    struct Shared {
        std::string kind;
        std::vector<std::string> names;
        TermMatcher terms;
        std::vector<std::vector<Use>> uses;     ///< by term id
        std::vector<std::size_t> regex_signal;  ///< by pattern index
        std::vector<std::string> regex_text;    ///< by pattern index, for evidence
        std::vector<char> needs;                ///< by signal: its keywords need a Need phrase
    };

    std::shared_ptr<const Shared> shared_;
    RegexSet regexes_;
    bool has_settled_rule_ = false;
    bool apply_needs_ = true;
    std::vector<TermMatch> hits_;        ///< scratch
    std::vector<char> fired_;            ///< scratch, by signal
    std::vector<char> need_met_;         ///< scratch, by signal: a Need phrase is in the text
    std::vector<char> setting_met_;      ///< scratch, by signal: a SettingNeed phrase is in it
    std::vector<std::string> triggers_;  ///< scratch, by signal (evidence only)
    std::vector<std::string> held_;      ///< scratch, by signal: a keyword held back (evidence only)
    std::vector<TermMatch> at_;          ///< scratch, by signal: the trigger's place
    std::vector<std::pair<std::int32_t, std::int32_t>> spans_;  ///< of the last detect()
    std::vector<std::pair<std::int32_t, std::int32_t>> denied_;  ///< of the last detect()
    std::int32_t quoted_max_ = 0;
    bool quoted_on_ = true;
    bool saw_quoted_ = false;  ///< of the last detect()
    bool quoted_found_ = false;  ///< quoted_ holds the quoted names of *text_
    const icu::UnicodeString* text_ = nullptr;  ///< of the detect() running
    std::vector<std::pair<std::int32_t, std::int32_t>> quoted_;  ///< scratch: quoted names
};

/// The quoted names of `text`, as UTF-16 offsets [begin, end) of what lies between the marks:
/// 「」, 『』, 《》, “”, "" and, where they stand before a word and after one (not "it's", not
/// "the kids' room"), '' and ‘’. A quotation longer than `max_length` units or holding !, ? or
/// 。 is speech, not a name ("she shouted 'there's smoke!'"), and is left out.
void quotedNames(const icu::UnicodeString& text, std::int32_t max_length,
                 std::vector<std::pair<std::int32_t, std::int32_t>>& out);

}  // namespace ccd::routing
