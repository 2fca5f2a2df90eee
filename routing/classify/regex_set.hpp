#pragma once
// A list of ICU regular expressions searched in normalized text. The compiled patterns are
// immutable and shared between copies; each copy owns its matchers, which are reset per text
// instead of being created per call.

#include <unicode/unistr.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/classify/term_matcher.hpp"
#include "routing/classify/term_pass.hpp"

U_NAMESPACE_BEGIN
class RegexPattern;
class RegexMatcher;
U_NAMESPACE_END

namespace ccd::routing {

/// Where a pattern matched: UTF-16 offsets [begin, end).
struct RegexHit {
    std::int32_t begin = 0;
    std::int32_t end = 0;
};

/// Compiled patterns plus this instance's matchers.
///
/// Most patterns cannot match without one of a few literals ('电池.{0,6}(鼓|胀)' needs 电池;
/// '\b(won't|doesn't)\s+...' needs won't or doesn't). candidates() finds those literals for
/// every pattern in one pass over the text, so only the patterns that can match are run:
/// ICU's matcher otherwise tries every start position of a pattern that begins with \b or a
/// group.
/// Thread safety: not thread-safe (matchers keep state); copy it for another thread — copies
/// share the compiled patterns and create their own matchers.
class RegexSet {
  public:
    RegexSet();
    /// Compiles `patterns`; throws std::invalid_argument with the pattern and ICU's error
    /// (and the offending offset) when one does not compile.
    explicit RegexSet(const std::vector<icu::UnicodeString>& patterns);
    ~RegexSet();
    RegexSet(const RegexSet& other);
    RegexSet& operator=(const RegexSet& other);
    RegexSet(RegexSet&&) noexcept;
    RegexSet& operator=(RegexSet&&) noexcept;

    std::size_t size() const { return patterns_ ? patterns_->compiled.size() : 0; }

    /// The patterns that may match `text`, in increasing order: those with a literal of every
    /// one of their required sets in it, and those without known literals. The reference stays
    /// valid until the next call. With `scan` (of `text`, by a pass this set was attached
    /// to), the literals are taken from there instead of a walk of their own.
    const std::vector<std::uint32_t>& candidates(const icu::UnicodeString& text,
                                                 const TermScan* scan = nullptr);

    /// Attaches the patterns' literals to `pass` (nothing without patterns).
    void attachTo(TermPass& pass) const;

    /// The first match of pattern `i` (< size()) in `text`. A pattern that exceeds its time
    /// limit (runaway backtracking) counts as not matching.
    std::optional<RegexHit> find(std::size_t i, const icu::UnicodeString& text);

    /// find() for a pattern candidates(text) just returned, on the same unchanged string: a
    /// pattern whose matches begin with one of a few literals is tried only where they occur
    /// (ICU's search tries every index of a pattern that begins with \b or a group). The same
    /// answer as find(), faster. On any other string it is find().
    std::optional<RegexHit> findCandidate(std::size_t i, const icu::UnicodeString& text);

  private:
    struct Patterns {
        std::vector<std::unique_ptr<icu::RegexPattern>> compiled;
        TermMatcher literals;                                  ///< every required literal
        std::vector<std::uint32_t> set_pattern;                ///< by set id
        std::vector<std::uint32_t> pattern_sets;               ///< by pattern: how many sets
        std::vector<std::uint32_t> unfiltered;                 ///< the patterns without sets
        /// By pattern: for "(?s)^(?=.*A)(?=.*B)", the parts A and B searched one by one
        /// (indices into `parts`); empty for a pattern run as it is.
        std::vector<std::vector<std::uint32_t>> pattern_parts;
        std::vector<std::unique_ptr<icu::RegexPattern>> parts;
        /// By pattern: 1 when every match begins with one of a few literals (anchorLiterals in
        /// regex_set.cpp), which find() then tries one by one.
        std::vector<char> anchored;
        /// The same for the parts of lookahead patterns: by part, 1 when anchored.
        std::vector<char> part_anchored;
        /// What a literal's hit tells, in one array for the hit loop of candidates(): literal
        /// t's set ids are uses[first[3t], first[3t+1]), the patterns it starts
        /// [first[3t+1], first[3t+2]), and the parts it starts [first[3t+2], first[3t+3]).
        std::vector<std::uint32_t> use_first;
        std::vector<std::uint32_t> uses;
    };
    void makeMatchers();
    std::optional<RegexHit> search(std::size_t i, const icu::UnicodeString& text, bool plain);
    /// Whether the last text given to candidates() is `text`, unchanged.
    bool sawLast(const icu::UnicodeString& text) const;
    /// The first match of `m` that begins at one of `at` (sorted here), leftmost first.
    static std::optional<RegexHit> lookingAtAny(icu::RegexMatcher& m,
                                                std::vector<std::int32_t>& at);

    std::shared_ptr<const Patterns> patterns_;
    std::vector<std::unique_ptr<icu::RegexMatcher>> matchers_;
    std::vector<std::unique_ptr<icu::RegexMatcher>> part_matchers_;  ///< by part
    std::vector<TermMatch> hits_;  ///< scratch, when no scan of the text holds the hits
    std::vector<char> set_hit_;                                      ///< scratch, by set
    std::vector<std::uint32_t> sets_hit_;                            ///< scratch, by pattern
    /// The sets and patterns the last candidates() marked: only they are reset, and only they
    /// (with the patterns without literals) can be candidates.
    std::vector<std::uint32_t> sets_marked_;
    std::vector<std::uint32_t> patterns_marked_;
    /// Where the last text given to candidates() has each anchored pattern's starting
    /// literals, by pattern (the patterns with any in started_); find() uses them for that text.
    std::vector<std::vector<std::int32_t>> starts_;
    std::vector<std::uint32_t> started_;
    std::vector<std::vector<std::int32_t>> part_starts_;  ///< the same, by part
    std::vector<std::uint32_t> parts_started_;
    const icu::UnicodeString* starts_text_ = nullptr;
    const char16_t* starts_buffer_ = nullptr;
    std::int32_t starts_length_ = -1;
    std::vector<std::uint32_t> candidates_;                          ///< scratch
};

/// Why `pattern` (UTF-8) is not a valid ICU regular expression, or nullopt when it is: for
/// the configuration layer, which reports it with the pattern's file position.
std::optional<std::string> regexError(std::string_view pattern);

}  // namespace ccd::routing
