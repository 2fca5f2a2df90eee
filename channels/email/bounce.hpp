#pragma once
// Delivery failure reports: RFC 3464 delivery-status notifications and the older free-text
// bounces that some servers (qmail, old Exchange, Chinese webmail) still send.

#include <optional>
#include <string>
#include <string_view>

#include "channels/email/parsed_email.hpp"

namespace ccd::channels::email {

/// Reads the body of a message/delivery-status part: the first recipient group whose Action is
/// `failed` (or, without Action, whose Status is 4.x.x/5.x.x). nullopt when no recipient failed
/// (a "delayed" or "delivered" notice is not a failure).
std::optional<Bounce> parseDeliveryStatus(std::string_view fields);

/// Recognises a free-text bounce: a machine sender (mailer-daemon, postmaster) or a bounce
/// subject ("Undelivered Mail Returned to Sender", "Delivery Status Notification (Failure)",
/// "Undeliverable:", "退信", ...) together with a failed recipient or a status code in `text`.
std::optional<Bounce> detectTextBounce(std::string_view subject, std::string_view from_address,
                                       std::string_view text);

/// The Message-ID (no <>) of the first "Message-ID:" header line quoted in `text`; empty if
/// none.
std::string findQuotedMessageId(std::string_view text);

/// The first enhanced status code ("5.1.1") in `text`; empty if none.
std::string findStatusCode(std::string_view text);

}  // namespace ccd::channels::email
