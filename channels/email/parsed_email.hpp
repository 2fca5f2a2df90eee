#pragma once
// What the email channel makes of one raw RFC 5322 message, and the limits it parses under.
// Pure data: no GMime types leak out of channels/email.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ccd::channels::email {

/// One address of an address header: the display name (decoded, UTF-8) and the addr-spec.
struct Mailbox {
    std::string name;
    std::string address;
};

/// A MIME leaf that is not a body: a file, an inline image, an attached report or message.
struct Attachment {
    std::string filename;      ///< RFC 2047 / RFC 2231 decoded, UTF-8; empty when none given
    std::string content_type;  ///< "type/subtype", lower case
    std::size_t size = 0;      ///< decoded size in bytes, whole (even when `data` is truncated)
    std::string content_id;    ///< without the angle brackets; empty when none
    bool is_inline = false;    ///< Content-Disposition inline, or a Content-ID without one
    std::string data;          ///< decoded bytes, at most ParseOptions::max_attachment_bytes
    bool truncated = false;    ///< `data` holds only the first max_attachment_bytes
};

/// A delivery failure report about a message we sent.
struct Bounce {
    std::string recipient;            ///< the address that failed (Final-Recipient)
    std::string status;               ///< enhanced status code, e.g. "5.1.1"; empty if unknown
    std::string diagnostic;           ///< the remote server's words (Diagnostic-Code)
    std::string original_message_id;  ///< our Message-ID (no <>) when the report quotes it
};

/// One parsed message. Every string is valid UTF-8.
struct ParsedEmail {
    Mailbox from;
    std::vector<Mailbox> to;
    std::vector<Mailbox> cc;
    std::string subject;  ///< decoded, unfolded
    std::string date;     ///< the Date header as written
    /// The Date header as a time; nullopt when missing or unreadable.
    std::optional<std::chrono::system_clock::time_point> date_time;
    /// Without <>. A message without one gets "sha256:<hex of the raw bytes>" (stable, so the
    /// same message fetched twice deduplicates).
    std::string message_id;
    bool message_id_generated = false;    ///< message_id is the hash, not the sender's
    std::string in_reply_to;              ///< without <>; empty when none
    std::vector<std::string> references;  ///< without <>, oldest first
    std::string text;                     ///< the whole decoded body, LF line ends
    std::string text_for_classification;  ///< `text` without quoted history and signature
    std::string html;                     ///< the HTML body as sent (decoded), empty if none
    std::vector<Attachment> attachments;
    std::vector<std::uint64_t> ticket_tags;  ///< numbers of "[#1234]" tags in the subject
    /// Sent by a machine (auto-reply, list, bounce, no-reply sender): never answer it
    /// automatically. `auto_submitted_reason` says which signal decided it.
    bool auto_submitted = false;
    std::string auto_submitted_reason;
    std::optional<Bounce> bounce;       ///< set for delivery failure reports
    std::vector<std::string> warnings;  ///< broken MIME, charset fallbacks, truncations
};

/// Limits and charset choices for parseEmail.
struct ParseOptions {
    /// Attachment bytes kept per attachment; the rest is dropped and `truncated` set.
    std::size_t max_attachment_bytes = 10 * 1024 * 1024;
    /// Tried in order, after the declared charset and UTF-8, when text does not decode cleanly.
    std::vector<std::string> fallback_charsets = {"GB18030", "Big5"};
    /// MIME parts walked at most; the rest is skipped with a warning (hostile messages).
    std::size_t max_parts = 1000;
    /// Nesting of multiparts and attached messages walked at most.
    std::size_t max_depth = 20;
};

}  // namespace ccd::channels::email
