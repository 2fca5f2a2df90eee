#pragma once
// Per-code-point Chinese script tables, built once per process from ICU's
// "Traditional-Simplified" and "Simplified-Traditional" transliterators.
//
// A transliterator is expensive to create and its transliterate() is not safe to call on a
// shared instance from several threads. Both are sidestepped here: the transliterators are used
// only while the tables are built (once, thread-safe static initialization) and the tables are
// immutable afterwards, so any thread may read them. Looking a code point up in an array is
// also far faster than running the transliterator per message. ICU's Traditional-Simplified
// rules map single characters to single characters without context, so a per-code-point table
// reproduces them exactly (checked when the table is built).

#include <unicode/umachine.h>

#include <cstdint>
#include <vector>

namespace ccd::routing {

/// Immutable tables over the CJK ideograph blocks of the Basic Multilingual Plane
/// (Extension A and Unified Ideographs, U+3400..U+9FFF; ICU has no mappings outside them).
class HanTables {
  public:
    /// The process-wide instance. The first call builds it (tens of milliseconds) and throws
    /// std::runtime_error when ICU lacks the transliterator data; later calls are free.
    /// Thread-safe.
    static const HanTables& instance();

    /// The Simplified form of `c`, or `c` itself when it has none (or is not Han). Written
    /// Cantonese's grammar characters fold to their Standard Chinese ones (咗 -> 了, 唔 -> 不,
    /// 冇 -> 没, han_tables.cpp) with the same call.
    UChar32 toSimplified(UChar32 c) const {
        if (c < kFirst || c > kLast) return c;
        const char16_t s = simplified_[static_cast<std::size_t>(c - kFirst)];
        return s == 0 ? c : static_cast<UChar32>(s);
    }
    /// Whether `c` is written only in Traditional text (it has a different Simplified form
    /// and is not itself a common Simplified character, as 著 and 於 are).
    bool isTraditionalOnly(UChar32 c) const { return flag(c, kTraditionalOnly); }
    /// Whether `c` is written only in Simplified text (it has a different Traditional form
    /// and is not itself a common Traditional character, as 后 and 干 are).
    bool isSimplifiedOnly(UChar32 c) const { return flag(c, kSimplifiedOnly); }

    /// Whether `c` is a Han ideograph (any block, including the supplementary planes).
    static bool isHan(UChar32 c) {
        if (c >= 0x4E00 && c <= 0x9FFF) return true;  // the common case, without a lookup
        if (c < 0x2E80) return false;  // Latin and the rest below the CJK radicals: no Han there
        return isHanByScript(c);
    }

  private:
    static bool isHanByScript(UChar32 c);  ///< ICU's script property
    HanTables();
    static constexpr UChar32 kFirst = 0x3400;
    static constexpr UChar32 kLast = 0x9FFF;
    static constexpr std::uint8_t kTraditionalOnly = 1;
    static constexpr std::uint8_t kSimplifiedOnly = 2;

    bool flag(UChar32 c, std::uint8_t f) const {
        return c >= kFirst && c <= kLast && (flags_[static_cast<std::size_t>(c - kFirst)] & f);
    }

    std::vector<char16_t> simplified_;  ///< 0 = unchanged
    std::vector<std::uint8_t> flags_;
};

}  // namespace ccd::routing
