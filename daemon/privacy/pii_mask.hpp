#pragma once
// Masking of personal data: the one place that decides what a phone number, an email address,
// a postal address or an ID-like number looks like when someone may not see it. Used for every
// log line (daemon/privacy/masking_formatter.hpp), and for the console frames and API answers
// sent to the roles that `privacy.mask_pii_for` names (daemon/privacy/pii_policy.hpp). Stored
// data is never changed: masking applies to copies on their way out.
//
// Pure and thread-safe; input is UTF-8 (invalid bytes are kept as they are). Full-width digits
// (U+FF10..U+FF19), '＠' and full-width separators count like their ASCII forms; kept digits
// stay as written, masked characters become '*'.

#include <string>
#include <string_view>

namespace ccd::daemon::privacy {

/// A phone number field: "13812345678" -> "138****5678", "+86 138 1234 5678" ->
/// "+86 1** **** 5678"; 11 digits or more keep the first 3 and the last 4 digits, 7 to 10
/// keep the first 2 and the last 2, fewer keep the last 1.
std::string maskPhone(std::string_view phone);

/// An email field: "john.doe@example.com" -> "j***@example.com". Without '@': maskText().
std::string maskEmail(std::string_view email);

/// A postal address field: its first third (at most 6 characters, the city or district) is
/// kept, the rest becomes "****". "北京市朝阳区建国路88号" -> "北京市朝****".
std::string maskAddress(std::string_view address);

/// Free text (a message, a log line): masks what looks like personal data inside it and keeps
/// the rest. Digit runs of 7 digits or more (single spaces, '-', '.'-less separators allowed
/// between groups; not glued to ASCII letters) are masked like maskPhone(), an 18-character
/// Chinese resident ID (17 digits and a digit or X) keeps its first 3 and last 4, a card-like
/// run of 13-19 digits only its last 4; a date written 2024-05-01 stays. Email addresses are
/// masked like maskEmail(). Street addresses ("建国路88号", "221 Baker Street") lose their
/// street and number.
std::string maskText(std::string_view text);

}  // namespace ccd::daemon::privacy
