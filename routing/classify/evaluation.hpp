#pragma once
// How well the classification and the rules do on labelled messages: the figures behind
// `ccd classify --jsonl FILE --expect` (accuracy per category, subtype, language and priority, the
// category confusion matrix, P1 recall, recall of the labelled safety signals).

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ccd::routing {

/// What a labelled message should come out as; an unset label is not scored.
struct ExpectedTriage {
    std::string id;    ///< for the list of misses
    std::string text;  ///< for the list of misses
    std::optional<std::string> category;
    std::optional<std::string> subtype;  ///< "" labels a message with no subtype
    std::optional<std::string> language;
    std::optional<std::string> priority;  ///< "P1".."P4"
    std::vector<std::string> safety;      ///< signals that must be among those found
};

/// What it came out as.
struct ObservedTriage {
    std::string category;
    std::string subtype;
    std::string language;
    std::string priority;
    std::vector<std::string> safety;
};

/// Right out of total.
struct Tally {
    std::size_t right = 0;
    std::size_t total = 0;
    /// right / total; 1 when nothing was scored.
    double rate() const { return total == 0 ? 1.0 : static_cast<double>(right) / total; }
    void add(bool ok) {
        ++total;
        right += ok ? 1 : 0;
    }
};

/// Accumulates labelled results and prints the report. Thread safety: none.
class Evaluation {
  public:
    /// Scores one message.
    void add(const ExpectedTriage& expected, const ObservedTriage& observed);

    std::size_t messages() const { return messages_; }
    const Tally& category() const { return category_; }
    const Tally& subtype() const { return subtype_; }
    const Tally& language() const { return language_; }
    const Tally& priority() const { return priority_; }
    /// Of the messages labelled P1, those that came out P1.
    const Tally& p1Recall() const { return p1_; }
    /// Of the labelled safety signals, those found.
    const Tally& safetyRecall() const { return safety_; }
    /// Per expected category, language, priority.
    const std::map<std::string, Tally>& byCategory() const { return by_category_; }
    const std::map<std::string, Tally>& bySubtype() const { return by_subtype_; }
    const std::map<std::string, Tally>& byLanguage() const { return by_language_; }
    const std::map<std::string, Tally>& byPriority() const { return by_priority_; }
    /// (expected, got) -> count, for messages with a category label.
    const std::map<std::pair<std::string, std::string>, std::size_t>& confusion() const {
        return confusion_;
    }
    /// One line per wrong field: "<id> category: fault -> other: <text>".
    const std::vector<std::string>& misses() const { return misses_; }

    /// The report as text: totals, per-label accuracy, P1 recall, safety recall, the confusion
    /// matrix (rows: expected, columns: got) and the misses.
    std::string report() const;

  private:
    void miss(const ExpectedTriage& e, const char* field, const std::string& want,
              const std::string& got);

    std::size_t messages_ = 0;
    Tally category_, subtype_, language_, priority_, p1_, safety_;
    std::map<std::string, Tally> by_category_, by_subtype_, by_language_, by_priority_;
    std::map<std::pair<std::string, std::string>, std::size_t> confusion_;
    std::vector<std::string> misses_;
};

}  // namespace ccd::routing
