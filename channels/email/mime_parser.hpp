#pragma once
// Raw RFC 5322 bytes (as fetched from IMAP) to a ParsedEmail, with GMime 3 for the MIME
// structure and ccd's own charset rules for every piece of text.

#include <string_view>

#include "channels/email/parsed_email.hpp"

namespace ccd::channels::email {

/// Parses one message. Never throws and never drops a message: broken MIME, bad base64, a
/// missing Content-Type, 8-bit headers, unknown or wrong charsets and exceeded limits are read
/// as well as possible and reported in `warnings`. Input without any header is read as a plain
/// text body. Thread-safe: any number of threads may parse at once.
ParsedEmail parseEmail(std::string_view raw, const ParseOptions& options = {});

}  // namespace ccd::channels::email
