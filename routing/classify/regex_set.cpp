#include "routing/classify/regex_set.hpp"

#include <stdexcept>

#include <unicode/regex.h>

namespace ccd::routing {
namespace {

// Steps of ICU's match engine, "typically on the order of milliseconds": a bound on the cost
// of a badly written pattern on the request path.
constexpr int32_t kTimeLimit = 20;

std::unique_ptr<icu::RegexPattern> compile(const icu::UnicodeString& pattern,
                                           std::string* error) {
    UParseError where{};
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::RegexPattern> compiled(
        icu::RegexPattern::compile(pattern, 0, where, status));
    if (U_FAILURE(status) || !compiled) {
        std::string text;
        pattern.toUTF8String(text);
        *error = "invalid regular expression '" + text + "': " + u_errorName(status) +
                 " at offset " + std::to_string(where.offset);
        return nullptr;
    }
    return compiled;
}

}  // namespace

RegexSet::RegexSet() = default;
RegexSet::~RegexSet() = default;
RegexSet::RegexSet(RegexSet&&) noexcept = default;
RegexSet& RegexSet::operator=(RegexSet&&) noexcept = default;

RegexSet::RegexSet(const std::vector<icu::UnicodeString>& patterns) {
    auto compiled = std::make_shared<Patterns>();
    for (const auto& p : patterns) {
        std::string error;
        auto c = compile(p, &error);
        if (!c) throw std::invalid_argument(error);
        compiled->push_back(std::move(c));
    }
    patterns_ = std::move(compiled);
    makeMatchers();
}

RegexSet::RegexSet(const RegexSet& other) : patterns_(other.patterns_) { makeMatchers(); }

RegexSet& RegexSet::operator=(const RegexSet& other) {
    if (this != &other) {
        patterns_ = other.patterns_;
        makeMatchers();
    }
    return *this;
}

void RegexSet::makeMatchers() {
    matchers_.clear();
    if (!patterns_) return;
    for (const auto& p : *patterns_) {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::RegexMatcher> m(p->matcher(status));
        if (U_FAILURE(status) || !m) {
            throw std::runtime_error(std::string("ICU regex matcher: ") + u_errorName(status));
        }
        m->setTimeLimit(kTimeLimit, status);
        matchers_.push_back(std::move(m));
    }
}

std::optional<RegexHit> RegexSet::find(std::size_t i, const icu::UnicodeString& text) {
    icu::RegexMatcher& m = *matchers_[i];
    m.reset(text);
    UErrorCode status = U_ZERO_ERROR;
    if (!m.find(status) || U_FAILURE(status)) return std::nullopt;
    RegexHit hit;
    hit.begin = m.start(status);
    hit.end = m.end(status);
    if (U_FAILURE(status)) return std::nullopt;
    return hit;
}

std::optional<std::string> regexError(std::string_view pattern) {
    std::string error;
    const auto p = icu::UnicodeString::fromUTF8(
        icu::StringPiece(pattern.data(), static_cast<int32_t>(pattern.size())));
    if (compile(p, &error)) return std::nullopt;
    return error;
}

}  // namespace ccd::routing
