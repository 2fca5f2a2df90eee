#pragma once
// Email (`type: email`): one instance per mailbox. Inbound: the daemon's IMAP poller
// (daemon/mail/) fetches each new message and hands its raw bytes to EmailInbound::readMail,
// which reads it with the MIME layer of this folder into a customer message (threading keys,
// ticket tag, loop signals, attachments as references) or, for a delivery failure report, a
// DeliveryReport that fails our message. Outbound: EmailOutbound builds the SMTP upload as
// data — UTF-8 MIME with our own Message-ID, In-Reply-To, References, the ticket tag and
// Auto-Submitted on automatic replies — and reads the server's answer. No sockets here.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/registry.hpp"
#include "config/secret.hpp"

namespace ccd::channels::email {

/// The ticket tag of subjects: a format with one "{ticket}" ("[#{ticket}]", "[Case {ticket}]").
class TicketTag {
public:
    /// `format` must hold "{ticket}" once, with text before or after it (checked by the config
    /// reader; an unusable format falls back to "[#{ticket}]").
    explicit TicketTag(std::string_view format = "[#{ticket}]");
    /// The tag of ticket `n`.
    std::string render(std::uint64_t n) const;
    /// The tickets tagged in `subject`, in order.
    std::vector<std::uint64_t> find(std::string_view subject) const;
    /// `subject` with the tag of `n` appended unless it is there already.
    std::string tagged(std::string_view subject, std::uint64_t n) const;

private:
    std::string prefix_, suffix_;
};

/// `type: email` settings.
struct EmailSettings : ChannelSettings {
    std::string imap_url;  ///< imap[s]://host[:port]/MAILBOX
    std::string smtp_url;  ///< smtp[s]://host[:port]
    std::string username;
    config::Secret password;
    std::string smtp_username;  ///< empty: `username`
    config::Secret smtp_password;  ///< empty: `password`
    std::string starttls = "optional";  ///< "required", "optional", "off"
    std::string ca_file;  ///< PEM CAs to trust for TLS (a private CA); empty: the system's
    std::string address;       ///< our From address
    std::string display_name;  ///< our From name
    std::chrono::milliseconds poll_interval{30000};
    bool move_after_read = false;  ///< `after_read: move` (else `seen`)
    std::string move_to;           ///< the folder for `after_read: move`
    std::size_t max_attachment_bytes = 10 * 1024 * 1024;
    std::size_t max_message_bytes = 25 * 1024 * 1024;
    std::vector<std::string> charset_fallbacks{"GB18030", "Big5"};
    std::string ticket_tag = "[#{ticket}]";
};

/// The inbound side: mail arrives through the IMAP poller, never over HTTP.
class EmailInbound final : public InboundChannel {
public:
    explicit EmailInbound(const EmailSettings& s);
    /// Refuses every request: an email instance reads its mailbox (404, nothing stored).
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;
    /// One raw RFC 5322 message as fetched, read at `now`: a customer message (broken MIME
    /// read as well as it can be, with its warnings), or, for a delivery failure report about
    /// one of our messages, a DeliveryReport (failed, with the status and the server's words).
    ParseOutcome readMail(std::string_view raw, routing::TimePoint now) const;

private:
    std::size_t max_attachment_bytes_;
    std::vector<std::string> fallbacks_;
    TicketTag tag_;
};

/// The outbound side: an SMTP upload per message.
class EmailOutbound final : public OutboundChannel {
public:
    explicit EmailOutbound(const EmailSettings& s);
    BuiltSend build(const OutgoingMessage& message, const AccessToken* token,
                    routing::TimePoint now) const override;
    /// 2xx: sent, with our Message-ID as the provider id (replies and bounces find it);
    /// 5xx: failed with the server's reply; 4xx and transport errors: tried again.
    SendOutcome classify(const OutgoingMessage& message, const HttpAnswer& answer) const override;

    /// Our Message-ID of `message`: the same on every try, unique across databases.
    std::string messageId(const OutgoingMessage& message) const;

private:
    std::string smtp_url_, username_, password_, starttls_, ca_file_, address_, display_name_,
        domain_;
    TicketTag tag_;
};

/// "Re: <subject>" unless it already starts with a reply prefix (Re:, RE:, 回复:, 答复:).
std::string replySubject(std::string_view subject);

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::email
