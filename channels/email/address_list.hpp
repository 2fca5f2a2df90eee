#pragma once
// Address headers (From, To, Cc) to mailboxes, display names decoded with the charset rules
// of header_text.hpp. Lenient: groups, comments, missing brackets and raw 8-bit names.

#include <string>
#include <string_view>
#include <vector>

#include "channels/email/parsed_email.hpp"

namespace ccd::channels::email {

/// Splits a raw (undecoded) address list into mailboxes. Group names are dropped, their
/// members kept; entries with neither a name nor an address are skipped. Charset fallbacks used
/// for names are appended to `notes`.
std::vector<Mailbox> parseAddressList(std::string_view raw,
                                      const std::vector<std::string>& fallbacks,
                                      std::vector<std::string>& notes);

}  // namespace ccd::channels::email
