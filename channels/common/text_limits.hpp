#pragma once
// Lengths of text as providers count them.

#include <cstddef>
#include <string_view>

namespace ccd::channels {

/// UTF-16 code units of UTF-8 text (Telegram and WhatsApp count characters this way); invalid
/// bytes count one each.
std::size_t utf16Length(std::string_view utf8);

/// Whether `tag` looks like a language tag (letters, digits, '-' or '_', 2 to 35 characters).
bool isLanguageTag(std::string_view tag);

}  // namespace ccd::channels
