#pragma once
// Language tags and the locale fallback chain of the template catalog:
//   zh-Hant-TW -> zh-Hant -> zh -> (default)
//   zh-TW, zh-HK, zh-MO -> zh-Hant;  zh-CN, zh-SG, zh -> zh-Hans;  en-GB -> en

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccd::templates {

/// A BCP 47 language tag reduced to what template selection uses, in canonical case:
/// language "zh", script "Hant", region "TW". Variants and extensions are dropped.
struct LanguageTag {
    std::string language;
    std::string script;  ///< empty when the tag has none
    std::string region;  ///< empty when the tag has none

    /// "zh-Hant-TW", "en-GB", "en".
    std::string str() const;
};

/// Parses "zh-hant-tw", "zh_TW", "en-GB", "en_US.UTF-8"; nullopt when malformed.
std::optional<LanguageTag> parseLanguageTag(std::string_view text);

/// Whether ICU knows `language` as an ISO 639 code ("en", "zh", "yue"); "xx" is unknown.
bool isKnownLanguage(std::string_view language);

/// The tags to try for `requested`, most specific first, without the catalog's default
/// (which the caller appends). Empty when `requested` is malformed.
/// Chinese without a script gets one from its region: TW, HK, MO -> Hant; others -> Hans.
std::vector<std::string> localeFallbackChain(std::string_view requested);

}  // namespace ccd::templates
