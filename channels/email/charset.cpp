#include "channels/email/charset.hpp"

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <optional>

namespace ccd::channels::email {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trimLabel(std::string_view label) {
    while (!label.empty() && (std::isspace(static_cast<unsigned char>(label.front())) ||
                              label.front() == '"' || label.front() == '\''))
        label.remove_prefix(1);
    while (!label.empty() && (std::isspace(static_cast<unsigned char>(label.back())) ||
                              label.back() == '"' || label.back() == '\''))
        label.remove_suffix(1);
    return std::string(label);
}

bool isAscii(std::string_view bytes) {
    return std::all_of(bytes.begin(), bytes.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Charsets whose ASCII-looking bytes are not ASCII (escape sequences, shifts, wide units):
// plain ASCII input must still go through their converter.
bool asciiIsNotIdentity(const std::string& canonical) {
    auto l = lower(canonical);
    return l.rfind("iso-2022", 0) == 0 || l.rfind("utf-7", 0) == 0 || l.rfind("utf-16", 0) == 0 ||
           l.rfind("utf-32", 0) == 0 || l.rfind("ucs-2", 0) == 0 || l.rfind("hz", 0) == 0 ||
           l == "utf16" || l == "utf32";
}

bool isUtf8Label(const std::string& canonical) {
    auto l = lower(canonical);
    return l == "utf-8" || l == "utf8" || l == "unicode-1-1-utf-8";
}

struct ConverterCloser {
    void operator()(UConverter* c) const { ucnv_close(c); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

Converter openConverter(const std::string& name) {
    UErrorCode err = U_ZERO_ERROR;
    Converter cnv(ucnv_open(name.c_str(), &err));
    if (U_FAILURE(err)) return nullptr;
    return cnv;
}

// Decodes with ICU. strict: nullopt on the first bad byte; else bad bytes become U+FFFD.
std::optional<std::string> icuDecode(std::string_view bytes, const std::string& charset,
                                     bool strict) {
    Converter cnv = openConverter(charset);
    if (!cnv) return std::nullopt;
    UErrorCode err = U_ZERO_ERROR;
    if (strict) {
        ucnv_setToUCallBack(cnv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &err);
    } else {
        ucnv_setToUCallBack(cnv.get(), UCNV_TO_U_CALLBACK_SUBSTITUTE, nullptr, nullptr, nullptr,
                            &err);
    }
    if (U_FAILURE(err)) return std::nullopt;
    // Every input byte makes at most two UTF-16 units.
    std::u16string units(bytes.size() * 2 + 2, u'\0');
    const char* src = bytes.data();
    const char* src_end = bytes.data() + bytes.size();
    UChar* dst = reinterpret_cast<UChar*>(units.data());
    UChar* dst_end = dst + units.size();
    ucnv_toUnicode(cnv.get(), &dst, dst_end, &src, src_end, nullptr, /*flush=*/true, &err);
    if (U_FAILURE(err)) return std::nullopt;
    units.resize(static_cast<std::size_t>(dst - reinterpret_cast<UChar*>(units.data())));

    std::string out(units.size() * 3 + 1, '\0');
    int32_t len = 0;
    err = U_ZERO_ERROR;
    u_strToUTF8WithSub(out.data(), static_cast<int32_t>(out.size()), &len,
                       reinterpret_cast<const UChar*>(units.data()),
                       static_cast<int32_t>(units.size()), 0xFFFD, nullptr, &err);
    if (U_FAILURE(err)) return std::nullopt;
    out.resize(static_cast<std::size_t>(len));
    return out;
}

// Whether text decoded by a guessed (fallback) charset looks like text: C1 controls and
// private-use characters are what GB18030 and Big5 converters make of bytes that were never
// in those charsets.
bool plausible(std::string_view utf8) {
    for (std::size_t i = 0; i + 1 < utf8.size(); ++i) {
        auto c = static_cast<unsigned char>(utf8[i]);
        auto n = static_cast<unsigned char>(utf8[i + 1]);
        if (c == 0xC2 && n >= 0x80 && n <= 0x9F) return false;    // U+0080..U+009F
        if (c == 0xEE || (c == 0xEF && n <= 0xA3)) return false;  // U+E000..U+F8FF
    }
    return true;
}

bool isSingleByte(const std::string& charset) {
    Converter cnv = openConverter(charset);
    return cnv && ucnv_getMaxCharSize(cnv.get()) == 1;
}

}  // namespace

std::string canonicalCharset(std::string_view label) {
    std::string l = lower(trimLabel(label));
    // RFC 2231 lets a language ride along ("gb2312*zh"); ICU would not know the name.
    if (auto star = l.find('*'); star != std::string::npos) l.resize(star);
    if (l == "gb2312" || l == "gb_2312-80" || l == "gb-2312" || l == "gb2312-80" || l == "euc-cn" ||
        l == "euccn" || l == "x-euc-cn" || l == "gbk" || l == "x-gbk" || l == "cp936" ||
        l == "windows-936" || l == "ms936" || l == "csgb2312" || l == "chinese" || l == "gb18030")
        return "GB18030";
    if (l == "utf8") return "UTF-8";
    if (l == "big5" || l == "x-big5" || l == "cn-big5" || l == "csbig5") return "Big5";
    // Unknown to ICU but common in the wild.
    if (l == "ks_c_5601-1987" || l == "ks_c_5601") return "windows-949";
    if (l == "x-unknown" || l == "unknown-8bit" || l == "x-user-defined" || l == "default")
        return "";
    return l;
}

bool knownCharset(std::string_view label) {
    std::string name = canonicalCharset(label);
    return !name.empty() && static_cast<bool>(openConverter(name));
}

std::string sanitizeUtf8(std::string_view bytes) {
    if (isValidUtf8(bytes)) return std::string(bytes);
    auto out = icuDecode(bytes, "UTF-8", false);
    if (out && isValidUtf8(*out)) return *out;
    std::string ascii;
    for (char c : bytes) {
        if (static_cast<unsigned char>(c) < 0x80)
            ascii += c;
        else
            ascii += "\xEF\xBF\xBD";
    }
    return ascii;
}

DecodedText decodeText(std::string_view bytes, std::string_view declared,
                       const std::vector<std::string>& fallbacks) {
    std::string canonical = canonicalCharset(declared);
    // Most text is ASCII: no converter needs opening for it.
    if (isAscii(bytes) && (canonical.empty() || !asciiIsNotIdentity(canonical)))
        return {std::string(bytes), canonical.empty() ? "US-ASCII" : canonical, ""};
    // The label goes into warnings; it is whatever bytes the sender wrote.
    const std::string label = sanitizeUtf8(trimLabel(declared).substr(0, 40));
    const bool known = canonical.empty() || static_cast<bool>(openConverter(canonical));

    std::string why;
    if (canonical.empty()) {
        why = "no charset declared";
    } else if (!known) {
        why = "unknown charset '" + label + "'";
    } else if (isUtf8Label(canonical)) {
        if (isValidUtf8(bytes)) return {std::string(bytes), "UTF-8", ""};
        why = "declared '" + label + "' does not decode cleanly";
    } else if (isSingleByte(canonical) && isValidUtf8(bytes)) {
        // A multi-byte UTF-8 sequence is almost never real Latin-1 or windows-125x text.
        return {std::string(bytes), "UTF-8",
                "declared '" + label + "' but the text is UTF-8; read as UTF-8"};
    } else if (auto out = icuDecode(bytes, canonical, true)) {
        return {std::move(*out), canonical, ""};
    } else {
        why = "declared '" + label + "' does not decode cleanly";
    }

    if (isValidUtf8(bytes)) return {std::string(bytes), "UTF-8", why + "; read as UTF-8"};
    for (const auto& fb : fallbacks) {
        std::string name = canonicalCharset(fb);
        if (name.empty() || lower(name) == lower(canonical)) continue;
        if (auto out = icuDecode(bytes, name, true); out && plausible(*out))
            return {std::move(*out), name, why + "; read as " + name};
    }
    std::string lossy_with = (known && !canonical.empty()) ? canonical : "UTF-8";
    auto out = icuDecode(bytes, lossy_with, false);
    if (!out || !isValidUtf8(*out)) {
        lossy_with = "UTF-8";
        out = sanitizeUtf8(bytes);
    }
    return {std::move(*out), lossy_with,
            why + "; no fallback fit, read as " + lossy_with + " with replacement characters"};
}

}  // namespace ccd::channels::email
