#pragma once
// Which of the supported languages a message is written in: "en", "zh-Hans", "zh-Hant", or
// "und" when it cannot tell (empty, digits and symbols only, or another script).

#include <unicode/unistr.h>

#include <optional>
#include <string>
#include <string_view>

namespace ccd::routing {

class HanTables;

/// The language tags the classifier produces.
inline constexpr std::string_view kLanguageEnglish = "en";
inline constexpr std::string_view kLanguageSimplified = "zh-Hans";
inline constexpr std::string_view kLanguageTraditional = "zh-Hant";
inline constexpr std::string_view kLanguageUnknown = "und";

/// The detector's verdict.
struct LanguageGuess {
    std::string_view language = kLanguageUnknown;
    /// False when the verdict is a default rather than evidence: Chinese text without a single
    /// character that only one script uses (你好 is both), or "und". A known locale may then
    /// decide instead.
    bool certain = false;
};

/// Letter counts by script, the evidence behind a guess.
struct ScriptCounts {
    int han = 0;
    int traditional_only = 0;  ///< Han characters used only in Traditional text (機, 請)
    int simplified_only = 0;   ///< Han characters used only in Simplified text (机, 请)
    int latin = 0;
    int kana = 0;
    int hangul = 0;
    int other = 0;  ///< letters of any other script (Cyrillic, Arabic, Thai, ...)
};

/// Detects the language from scripts: mostly Han -> Chinese, then Traditional against
/// Simplified character evidence; mostly Latin -> English (other Latin-script languages are
/// not told apart); Japanese kana, Hangul and other scripts -> "und".
/// Thread safety: immutable; any number of threads may share one instance.
class LanguageDetector {
  public:
    /// Uses the process-wide Han tables (built on first use; may throw std::runtime_error).
    LanguageDetector();

    /// `text` must be case-folded but not yet Han-folded (TextNormalizer::foldCase), so the
    /// Traditional characters are still visible.
    LanguageGuess detect(const icu::UnicodeString& text) const;

    /// The script evidence `detect` decides on.
    ScriptCounts count(const icu::UnicodeString& text) const;

  private:
    const HanTables* han_;
};

/// Maps a BCP 47 locale ("en-GB", "zh", "zh-CN", "zh_TW", "zh-Hant-HK", "yue") to "en",
/// "zh-Hans" or "zh-Hant"; nullopt for any other language.
std::optional<std::string> languageFromLocale(std::string_view locale);

}  // namespace ccd::routing
