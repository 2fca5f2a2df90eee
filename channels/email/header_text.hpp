#pragma once
// Header values to UTF-8: unfolding, RFC 2047 encoded words (B and Q) and raw 8-bit text.

#include <string>
#include <string_view>
#include <vector>

namespace ccd::channels::email {

/// Decodes an unstructured header value (Subject, a display name, a filename): unfolds it,
/// decodes encoded words — adjacent words in one charset are joined before decoding, since
/// senders split a multi-byte character across two words — and reads unencoded 8-bit text as
/// UTF-8 or one of `fallbacks`. Charset fallbacks used are appended to `notes`. Leading and
/// trailing white space is trimmed. Never fails: what cannot be decoded becomes U+FFFD.
std::string decodeHeaderText(std::string_view raw, const std::vector<std::string>& fallbacks,
                             std::vector<std::string>& notes);

/// Decodes base64, skipping characters outside the alphabet; `clean` is cleared when any
/// non-white-space character had to be skipped or the padding is wrong.
std::string decodeBase64Lenient(std::string_view in, bool* clean = nullptr);
/// What decodeBase64Lenient's `clean` would say, without decoding (a check of a large part).
bool base64IsClean(std::string_view in);

/// Removes folding line breaks (CRLF or LF followed by white space).
std::string unfold(std::string_view raw);

}  // namespace ccd::channels::email
