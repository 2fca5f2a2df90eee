#pragma once
// Parameters of structured headers (Content-Type, Content-Disposition): RFC 2231 extended and
// continued values, and the RFC 2047 words that many clients put in quoted filenames.

#include <string>
#include <string_view>
#include <vector>

namespace ccd::channels::email {

/// The value of parameter `name` (case-insensitive) in the raw header value `raw`
/// ("attachment; filename*=gb2312''%B1%A8.pdf"), decoded to UTF-8; empty when absent.
/// Handles `name*=charset'lang'%XX`, `name*0*=`/`name*1=` continuations (joined before the
/// charset is applied), quoted strings and encoded words. Charset fallbacks go to `notes`.
std::string headerParameter(std::string_view raw, std::string_view name,
                            const std::vector<std::string>& fallbacks,
                            std::vector<std::string>& notes);

/// The value before the first ';' of a structured header, trimmed and lower-cased
/// ("attachment", "inline").
std::string headerMainValue(std::string_view raw);

}  // namespace ccd::channels::email
