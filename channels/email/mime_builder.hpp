#pragma once
// Outgoing mail to RFC 5322 bytes for SMTP: UTF-8 MIME, threading headers and the ticket tag.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/email/parsed_email.hpp"

namespace ccd::channels::email {

/// One message to send. Strings are UTF-8; CR and LF in header values are replaced by spaces.
struct OutgoingEmail {
    Mailbox from;             ///< required: its address
    std::vector<Mailbox> to;  ///< required: at least one address
    std::vector<Mailbox> cc;
    std::string subject;
    std::optional<std::uint64_t> ticket;  ///< adds "[#N]" to the subject unless already there
    std::string text;                     ///< the text/plain body
    std::string html;                     ///< optional: makes multipart/alternative
    /// Our Message-ID without <>; empty: generated as "<random>@<domain>".
    std::string message_id;
    /// The domain of a generated Message-ID; empty: the domain of `from.address`.
    std::string message_id_domain;
    std::string in_reply_to;              ///< without <>; empty for a new thread
    std::vector<std::string> references;  ///< without <>, oldest first
    /// The Date header; nullopt: the current time.
    std::optional<std::chrono::system_clock::time_point> date;
    bool automatic = false;  ///< adds "Auto-Submitted: auto-replied" (RFC 3834)
};

/// The bytes to hand to SMTP, or why they could not be made.
struct BuiltEmail {
    std::string bytes;       ///< CRLF line ends; empty when `error` is set
    std::string message_id;  ///< the Message-ID used, without <>
    std::string error;       ///< e.g. "no recipient"; empty on success
};

/// Builds the message with GMime: From, To, Cc, Subject (RFC 2047 when not ASCII), Date,
/// Message-ID, In-Reply-To, References, MIME-Version, optional Auto-Submitted; text/plain alone
/// or multipart/alternative with text/html, each part UTF-8 in quoted-printable or base64 as
/// GMime finds best. Thread-safe.
BuiltEmail buildEmail(const OutgoingEmail& email);

/// `subject` with " [#ticket]" appended unless that tag is already in it.
std::string subjectWithTicket(std::string_view subject, std::uint64_t ticket);

/// A new globally unique Message-ID (without <>) in `domain` ("localhost" when empty).
std::string generateMessageId(std::string_view domain);

}  // namespace ccd::channels::email
