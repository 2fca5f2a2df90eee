#include "routing/classify/language_detector.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <cctype>
#include <vector>

#include "routing/classify/han_tables.hpp"

namespace ccd::routing {

LanguageDetector::LanguageDetector() : han_(&HanTables::instance()) {}

ScriptCounts LanguageDetector::count(const icu::UnicodeString& text) const {
    ScriptCounts n;
    for (int32_t i = 0; i < text.length();) {
        const UChar32 c = text.char32At(i);
        i += U16_LENGTH(c);
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ++n.latin;
            continue;
        }
        if (HanTables::isHan(c)) {
            ++n.han;
            if (han_->isTraditionalOnly(c)) ++n.traditional_only;
            if (han_->isSimplifiedOnly(c)) ++n.simplified_only;
            continue;
        }
        if (!u_isalpha(c)) continue;
        UErrorCode status = U_ZERO_ERROR;
        switch (uscript_getScript(c, &status)) {
            case USCRIPT_LATIN:
                ++n.latin;
                break;
            case USCRIPT_HIRAGANA:
            case USCRIPT_KATAKANA:
                ++n.kana;
                break;
            case USCRIPT_HANGUL:
                ++n.hangul;
                break;
            default:
                ++n.other;
                break;
        }
    }
    return n;
}

LanguageGuess LanguageDetector::detect(const icu::UnicodeString& text) const {
    const ScriptCounts n = count(text);
    // A Han character carries about as much as a short Latin word, so Latin letters count
    // half: "VIP客户投诉" is Chinese, "Please check 订单" is English.
    const double han = n.han;
    const double latin = n.latin * 0.5;
    const double foreign = n.hangul + n.other * 0.5;
    // Japanese mixes kanji with kana; a few kana in Chinese text are noise.
    const bool japanese = n.kana >= 2 && n.kana * 4 >= n.han;
    if (japanese || (foreign > han && foreign > latin) || (han == 0 && latin == 0)) {
        return {kLanguageUnknown, false};
    }
    if (han >= latin) {
        if (n.traditional_only > n.simplified_only) return {kLanguageTraditional, true};
        return {kLanguageSimplified, n.simplified_only > n.traditional_only};
    }
    return {kLanguageEnglish, true};
}

std::optional<std::string> languageFromLocale(std::string_view locale) {
    std::vector<std::string> parts(1);
    for (const char c : locale) {
        if (c == '-' || c == '_') {
            parts.emplace_back();
        } else {
            parts.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    const std::string& lang = parts.front();
    if (lang == "en") return std::string(kLanguageEnglish);
    if (lang == "yue") return std::string(kLanguageTraditional);
    if (lang != "zh") return std::nullopt;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const std::string& p = parts[i];
        if (p == "hant" || p == "tw" || p == "hk" || p == "mo") {
            return std::string(kLanguageTraditional);
        }
        if (p == "hans") return std::string(kLanguageSimplified);
    }
    return std::string(kLanguageSimplified);
}

}  // namespace ccd::routing
