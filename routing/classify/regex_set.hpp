#pragma once
// A list of ICU regular expressions searched in normalized text. The compiled patterns are
// immutable and shared between copies; each copy owns its matchers, which are reset per text
// instead of being created per call.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unicode/unistr.h>

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

    std::size_t size() const { return patterns_ ? patterns_->size() : 0; }

    /// The first match of pattern `i` (< size()) in `text`. A pattern that exceeds its time
    /// limit (runaway backtracking) counts as not matching.
    std::optional<RegexHit> find(std::size_t i, const icu::UnicodeString& text);

private:
    using Patterns = std::vector<std::unique_ptr<icu::RegexPattern>>;
    void makeMatchers();

    std::shared_ptr<const Patterns> patterns_;
    std::vector<std::unique_ptr<icu::RegexMatcher>> matchers_;
};

/// Why `pattern` (UTF-8) is not a valid ICU regular expression, or nullopt when it is: for
/// the configuration layer, which reports it with the pattern's file position.
std::optional<std::string> regexError(std::string_view pattern);

}  // namespace ccd::routing
