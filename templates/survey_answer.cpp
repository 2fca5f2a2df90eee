#include "templates/survey_answer.hpp"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <string>
#include <utility>

namespace ccd::templates {
namespace {

// NFKC folds full-width digits and letters ("５" -> "5"), then lower case.
std::string fold(std::string_view text) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    if (U_SUCCESS(status)) {
        icu::UnicodeString n = nfkc->normalize(u, status);
        if (U_SUCCESS(status)) u = n;
    }
    u.toLower(icu::Locale::getRoot());
    // End punctuation and spaces are not part of the answer: "5!" "满意。" " 4 ".
    static const icu::UnicodeString kTrim = icu::UnicodeString::fromUTF8(" \t\r\n.!~。！～,，");
    int32_t start = 0, end = u.length();
    while (start < end && kTrim.indexOf(u.charAt(start)) >= 0) ++start;
    while (end > start && kTrim.indexOf(u.charAt(end - 1)) >= 0) --end;
    std::string out;
    u.tempSubStringBetween(start, end).toUTF8String(out);
    return out;
}

std::optional<int> digitRating(const std::string& s) {
    if (s.empty() || s[0] < '1' || s[0] > '5') return std::nullopt;
    int rating = s[0] - '0';
    std::string rest = s.substr(1);
    while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    static const char* const kSuffixes[] = {"", "/5", "/ 5", "star", "stars", "分", "星",
                                            "颗星", "顆星", "stars out of 5", "out of 5"};
    for (const char* suffix : kSuffixes)
        if (rest == suffix) return rating;
    return std::nullopt;
}

}  // namespace

std::optional<int> parseSurveyRating(std::string_view text) {
    if (text.size() > 64) return std::nullopt;
    std::string s = fold(text);
    if (auto r = digitRating(s)) return r;
    static const std::pair<const char*, int> kWords[] = {
        {"很满意", 5},         {"非常满意", 5},      {"满意", 4},          {"一般", 3},
        {"不满意", 2},         {"很不满意", 1},      {"非常不满意", 1},    {"非常滿意", 5},
        {"很滿意", 5},         {"滿意", 4},          {"普通", 3},          {"不滿意", 2},
        {"非常不滿意", 1},     {"很不滿意", 1},      {"very satisfied", 5}, {"satisfied", 4},
        {"neutral", 3},        {"dissatisfied", 2},  {"unsatisfied", 2},   {"very dissatisfied", 1},
        {"very unsatisfied", 1},
    };
    for (const auto& [word, rating] : kWords)
        if (s == word) return rating;
    return std::nullopt;
}

}  // namespace ccd::templates
