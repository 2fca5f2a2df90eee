#include "routing/classify/language_detector.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <cctype>
#include <vector>

#include "routing/classify/han_tables.hpp"

namespace ccd::routing {

namespace {

// Characters of written Cantonese that Mandarin text does not use: Hong Kong writes them
// beside Traditional characters, so they count with the Traditional-only ones. A short
// Cantonese reply has no other clue ("你好？有冇人？"), or one that a particle written the
// Simplified way outweighed (多謝晒: 晒 is also the Simplified form of 曬; H35).
bool isCantoneseOnly(UChar32 c) {
    switch (c) {
        case U'咗': case U'嘅': case U'哋': case U'冇': case U'喺': case U'嚟': case U'啲':
        case U'嘢': case U'乜': case U'嗰': case U'咩': case U'噉': case U'囉': case U'嘞':
        case U'冚': case U'攞': case U'睇': case U'諗': case U'揾': case U'搵': case U'唔':
            return true;
        default:
            return false;
    }
}

}  // namespace

LanguageDetector::LanguageDetector() : han_(&HanTables::instance()) {}

ScriptCounts LanguageDetector::count(const icu::UnicodeString& text) const {
    ScriptCounts n;
    const char16_t* s = text.getBuffer();
    const int32_t length = text.length();
    for (int32_t i = 0; i < length;) {
        UChar32 c;
        U16_NEXT(s, i, length, c);
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ++n.latin;
            continue;
        }
        if (HanTables::isHan(c)) {
            ++n.han;
            if (han_->isTraditionalOnly(c) || isCantoneseOnly(c)) ++n.traditional_only;
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
