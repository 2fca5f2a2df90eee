#pragma once
// Whether bytes are well-formed UTF-8: the one check the store, the JSON writer, the contact
// import and the email decoder share. Header-only, so that libraries that do not link
// ccd_routing (the email parser) use it too.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ccd::routing {

/// True when `s` is well-formed UTF-8: no stray continuation bytes, truncated sequences,
/// overlong forms, surrogates (U+D800..U+DFFF) or values past U+10FFFF.
inline bool isValidUtf8(std::string_view s) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {  // 0xC0 and 0xC1 only start overlong forms
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (n - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
            return false;
        }
        i += len;
    }
    return true;
}

}  // namespace ccd::routing
