#include "templates/locale_chain.hpp"

#include <unicode/locid.h>

#include <algorithm>
#include <cctype>

namespace ccd::templates {
namespace {

bool allOf(std::string_view s, int (*pred)(int)) {
    return std::all_of(s.begin(), s.end(), [pred](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::string LanguageTag::str() const {
    std::string out = language;
    if (!script.empty()) out += "-" + script;
    if (!region.empty()) out += "-" + region;
    return out;
}

std::optional<LanguageTag> parseLanguageTag(std::string_view text) {
    // POSIX forms: "en_US.UTF-8", "de_DE@euro".
    auto cut = text.find_first_of(".@");
    if (cut != std::string_view::npos) text = text.substr(0, cut);
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find_first_of("-_", start);
        if (end == std::string_view::npos) end = text.size();
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    for (auto p : parts)
        if (p.empty() || p.size() > 8 || !allOf(p, &isalnum)) return std::nullopt;
    LanguageTag tag;
    std::string_view lang = parts[0];
    if (lang.size() < 2 || lang.size() > 8 || lang.size() == 4 || !allOf(lang, &isalpha))
        return std::nullopt;
    tag.language = lower(lang);
    std::size_t i = 1;
    if (i < parts.size() && parts[i].size() == 4 && allOf(parts[i], &isalpha)) {
        tag.script = lower(parts[i]);
        tag.script[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(tag.script[0])));
        ++i;
    }
    if (i < parts.size() && ((parts[i].size() == 2 && allOf(parts[i], &isalpha)) ||
                             (parts[i].size() == 3 && allOf(parts[i], &isdigit)))) {
        tag.region = upper(parts[i]);
        ++i;
    }
    return tag;
}

bool isKnownLanguage(std::string_view language) {
    std::string lang = lower(language);
    if (lang == "und") return false;
    for (const char* const* p = icu::Locale::getISOLanguages(); *p != nullptr; ++p)
        if (lang == *p) return true;
    // getISOLanguages() lists two-letter codes; three-letter ones (yue, fil) are checked by
    // whether ICU maps them to a display name other than the code itself.
    if (lang.size() == 3) {
        icu::Locale loc(lang.c_str());
        icu::UnicodeString name;
        loc.getDisplayLanguage(icu::Locale::getEnglish(), name);
        std::string utf8;
        name.toUTF8String(utf8);
        return !utf8.empty() && utf8 != lang;
    }
    return false;
}

std::vector<std::string> localeFallbackChain(std::string_view requested) {
    std::vector<std::string> chain;
    auto tag = parseLanguageTag(requested);
    if (!tag) return chain;
    auto add = [&chain](std::string s) {
        if (std::find(chain.begin(), chain.end(), s) == chain.end()) chain.push_back(std::move(s));
    };
    add(tag->str());
    std::string script = tag->script;
    if (script.empty() && tag->language == "zh")
        script = (tag->region == "TW" || tag->region == "HK" || tag->region == "MO") ? "Hant"
                                                                                    : "Hans";
    if (!script.empty()) {
        if (!tag->region.empty()) add(tag->language + "-" + script + "-" + tag->region);
        add(tag->language + "-" + script);
    }
    add(tag->language);
    return chain;
}

}  // namespace ccd::templates
