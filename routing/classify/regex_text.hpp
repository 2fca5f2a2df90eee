#pragma once
// What a regular expression's text guarantees about its matches, read from the pattern as
// written (ICU syntax): the literals every match contains or starts with, a lookahead
// conjunction's parts, and an equivalent form ICU runs faster. RegexSet builds its prefilter
// and its matchers from these; each returns "nothing known" for a shape it does not
// understand, so a filter built on it can only require less, never more.

#include <unicode/unistr.h>

#include <vector>

namespace ccd::routing {

/// "(?s)^(?=.*A)(?=.*B)...": the parts A, B, ... (each with "(?s)"), which the text must each
/// contain somewhere; empty for any other shape.
std::vector<icu::UnicodeString> lookaheadConjunction(const icu::UnicodeString& pattern);

/// The literals every match of `pattern` starts with ("\b(paint|coating)\b..." -> {paint,
/// coating}); empty when not known, or when one is a single ASCII character.
std::vector<icu::UnicodeString> anchorLiterals(const icu::UnicodeString& pattern);

/// Sets of literals that a match of `pattern` must contain: at least one literal of every set
/// (found at the top level of the pattern: '电池.{0,6}(鼓|胀)' gives {电池} and {鼓, 胀}).
/// Empty when the pattern's shape is not understood.
std::vector<std::vector<icu::UnicodeString>> requiredLiterals(const icu::UnicodeString& pattern);

/// Every text `pattern` matches, when they are few: a pattern of literal characters, groups
/// of alternatives, sets of plain characters and '?' ("(开|关)不(了|上)?" -> 开不了, 开不上,
/// 开不, 关不了, ...). Empty for any other shape (escapes, '.', repeats, anchors, lookarounds,
/// lazy or possessive '?', ranges or negated sets), when the pattern can match an empty text,
/// or when there would be more than `limit`. The pattern matches a text exactly where one of
/// them occurs, so their occurrences are its only possible match starts.
std::vector<icu::UnicodeString> finiteLanguage(const icu::UnicodeString& pattern,
                                               std::size_t limit);

/// `pattern` with each group whose alternatives are single letters written as a set:
/// "(割|划|刮)" -> "([割划刮])", "(?:a|b)?" -> "(?:[ab])?" (the same matches, the same groups;
/// ICU tries a set in one step where it tries an alternation's branches one by one, a third of
/// the time on the costliest shipped pattern). Other groups are left as written.
icu::UnicodeString singleLetterSets(const icu::UnicodeString& pattern);

}  // namespace ccd::routing
