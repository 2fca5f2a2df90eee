#include "routing/classify/text_normalizer.hpp"

#include <unicode/normalizer2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "routing/classify/han_tables.hpp"

namespace ccd::routing {

TextNormalizer::TextNormalizer() : han_(&HanTables::instance()) {
    UErrorCode status = U_ZERO_ERROR;
    nfkc_cf_ = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status) || nfkc_cf_ == nullptr) {
        throw std::runtime_error(std::string("ICU NFKC_Casefold data unavailable: ") +
                                 u_errorName(status));
    }
}

void TextNormalizer::foldCase(std::string_view utf8, icu::UnicodeString& out) const {
    out.remove();
    if (utf8.empty()) return;
    // ASCII (most English messages): NFKC leaves it as it is and case folding lowers the
    // capitals, so no converter and no normalizer (tokenizer_test compares with ICU's).
    const auto capacity = static_cast<int32_t>(utf8.size());
    if (std::all_of(utf8.begin(), utf8.end(), [](char c) { return (c & 0x80) == 0; })) {
        char16_t* units = out.getBuffer(capacity);
        if (units != nullptr) {
            for (int32_t i = 0; i < capacity; ++i) {
                const char c = utf8[static_cast<std::size_t>(i)];
                units[i] = static_cast<char16_t>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            }
            out.releaseBuffer(capacity);
            return;
        }
    }
    icu::UnicodeString raw;
    // UTF-16 never needs more code units than UTF-8 has bytes.
    char16_t* buffer = raw.getBuffer(capacity);
    int32_t length = 0;
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8WithSub(buffer, capacity, &length, utf8.data(), capacity, 0xFFFD, nullptr,
                         &status);
    raw.releaseBuffer(U_SUCCESS(status) ? length : 0);

    status = U_ZERO_ERROR;
    nfkc_cf_->normalize(raw, out, status);
    if (U_FAILURE(status)) {
        out = raw;  // cannot happen for valid UTF-16; keep the text rather than lose it
    }
    const int32_t folded = out.length();
    char16_t* s = folded > 0 ? out.getBuffer(folded) : nullptr;  // the contents stay
    if (s == nullptr) return;
    for (int32_t i = 0; i < folded; ++i) {
        const char16_t c = s[i];
        if (c == u'\u2019' || c == u'\u2018' || c == u'\u02BC') s[i] = u'\'';
    }
    out.releaseBuffer(folded);
}

namespace {

// A Han ideograph of the Basic Multilingual Plane (CJK Unified Ideographs, Extension A and the
// compatibility block): what the Han bigrams and the Chinese phrase lists are made of.
bool isHan(char16_t c) {
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF);
}

}  // namespace

void TextNormalizer::foldHan(icu::UnicodeString& text) const {
    // Every mapped character is in the Basic Multilingual Plane on both sides, so the
    // replacement is in place, one code unit for one.
    bool spaced = false, han = false;
    const int32_t n = text.length();
    char16_t* t = n > 0 ? text.getBuffer(n) : nullptr;  // the contents stay; length at release
    if (t == nullptr) return;
    for (int32_t i = 0; i < n; ++i) {
        const char16_t c = t[i];
        if (c == u' ') spaced = true;
        if (c < 0x3400 || U16_IS_SURROGATE(c)) continue;
        han = han || isHan(c);
        const UChar32 s = han_->toSimplified(c);
        if (s != c) t[i] = static_cast<char16_t>(s);
    }
    if (!spaced || !han) {  // a space goes only from between two Han characters
        text.releaseBuffer(n);
        return;
    }
    // Chinese is written without spaces; a speech-to-text transcript or a hurried typist puts
    // them between words ("闻到 臭 鸡蛋 味"). Spaces between two Han characters go, so that
    // the phrase lists, the patterns and the bigrams read the words as written.
    int32_t out = 0;
    for (int32_t i = 0; i < n; ++i) {
        const char16_t c = t[i];
        if (c == u' ' && out > 0 && isHan(t[out - 1])) {
            int32_t j = i;
            while (j < n && t[j] == u' ') ++j;
            if (j < n && isHan(t[j])) {
                i = j - 1;
                continue;
            }
        }
        t[out++] = c;
    }
    text.releaseBuffer(out);
}

icu::UnicodeString TextNormalizer::normalize(std::string_view utf8) const {
    icu::UnicodeString out;
    foldCase(utf8, out);
    foldHan(out);
    return out;
}

bool endsSentence(UChar c) {
    switch (c) {
        case u'.': case u'!': case u'?': case u';': case u'\n':
        case u'\u3002': case u'\uFF01': case u'\uFF1F': case u'\uFF1B':
            return true;
        default:
            return false;
    }
}

std::string TextNormalizer::normalizeToUtf8(std::string_view utf8) const {
    std::string out;
    normalize(utf8).toUTF8String(out);
    return out;
}

}  // namespace ccd::routing
