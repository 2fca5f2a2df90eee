#pragma once
// Bytes in a declared (or undeclared) charset to UTF-8, with the fallbacks real mail needs:
// a `gb2312` label is read as GB18030 (Chinese clients label GBK text gb2312), and text that
// does not decode cleanly in its declared charset is tried as UTF-8 and then as each fallback
// before it is decoded with replacement characters. Uses ICU converters; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "routing/utf8.hpp"

namespace ccd::channels::email {

/// The outcome of decodeText.
struct DecodedText {
    std::string utf8;     ///< always valid UTF-8
    std::string charset;  ///< the charset that was used in the end (ICU's name)
    /// Empty when the declared charset (or plain ASCII/UTF-8 without a label) decoded cleanly;
    /// otherwise what happened, for the message's warnings ("declared 'utf-8', read as GB18030").
    std::string note;
};

/// The converter name ccd uses for a MIME charset label: gb2312, euc-cn, gbk and their
/// spellings become GB18030; Big5 and others pass through (ICU knows their aliases).
std::string canonicalCharset(std::string_view label);

/// Whether ICU has a converter for `label` (after canonicalCharset): for configuration checks.
bool knownCharset(std::string_view label);

/// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
using routing::isValidUtf8;

/// Decodes `bytes` labelled `declared` (empty: no label) to UTF-8: declared charset, then
/// UTF-8, then each of `fallbacks`; the first that decodes without an error wins. When none
/// does, the declared charset (or UTF-8) with U+FFFD for the bad bytes. A single-byte label
/// (Latin-1, windows-1252, ASCII) on bytes that are valid non-ASCII UTF-8 is read as UTF-8.
DecodedText decodeText(std::string_view bytes, std::string_view declared,
                       const std::vector<std::string>& fallbacks);

/// `bytes` as UTF-8 when valid, else each invalid byte replaced by U+FFFD.
std::string sanitizeUtf8(std::string_view bytes);

}  // namespace ccd::channels::email
