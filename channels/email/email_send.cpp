// Sending through SMTP: one outgoing message to the MIME bytes and envelope of an upload, and
// the server's answer to an outcome.
#include <cctype>
#include <openssl/sha.h>

#include "channels/email/email_channel.hpp"
#include "channels/email/mime_builder.hpp"

namespace ccd::channels::email {
namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 15];
    }
    return out;
}

std::string base36(std::uint64_t v) {
    static const char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string out;
    do {
        out.insert(out.begin(), kDigits[v % 36]);
        v /= 36;
    } while (v);
    return out;
}

// An id we may thread on: the sender's own, not the hash ccd made for a mail without one.
bool realMessageId(const std::string& id) { return !id.empty() && id.rfind("sha256:", 0) != 0; }

// The reply line that says why (the last one with a 4xx/5xx code), else curl's words.
std::string serverReason(const HttpAnswer& a, int* code) {
    std::string best;
    std::string_view s = a.server_lines;
    while (!s.empty()) {
        auto nl = s.find('\n');
        auto line = s.substr(0, nl);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (line.size() >= 3 && (line[0] == '4' || line[0] == '5') &&
            std::isdigit(static_cast<unsigned char>(line[1])) &&
            std::isdigit(static_cast<unsigned char>(line[2])))
            best = std::string(line);
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    if (!best.empty()) {
        *code = (best[0] - '0') * 100 + (best[1] - '0') * 10 + (best[2] - '0');
        return "SMTP " + best;
    }
    *code = a.status;
    std::string out = a.status ? "SMTP " + std::to_string(a.status) : std::string("SMTP");
    if (!a.transport_error.empty()) out += ": " + a.transport_error;
    return out;
}

}  // namespace

EmailOutbound::EmailOutbound(const EmailSettings& s)
    : smtp_url_(s.smtp_url),
      username_(s.smtp_username.empty() ? s.username : s.smtp_username),
      password_(s.smtp_password.empty() ? s.password.reveal() : s.smtp_password.reveal()),
      starttls_(s.starttls),
      ca_file_(s.ca_file),
      address_(s.address),
      display_name_(s.display_name),
      tag_(s.ticket_tag) {
    auto at = address_.rfind('@');
    domain_ = at == std::string::npos ? "localhost" : address_.substr(at + 1);
}

std::string EmailOutbound::messageId(const OutgoingMessage& m) const {
    // The message id and the time it was queued, with a hash of its idempotency key: the same
    // on every try, and not repeated by another database that reuses message ids.
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(m.idempotency_key.data()),
           m.idempotency_key.size(), digest);
    return "ccd." + std::to_string(m.message_id) + "." +
           base36(static_cast<std::uint64_t>(m.created_at_ms)) + "." + hex(digest, 6) + "@" +
           domain_;
}

BuiltSend EmailOutbound::build(const OutgoingMessage& m, const AccessToken*,
                               routing::TimePoint now) const {
    auto at = m.to.find('@');
    if (m.to.empty() || at == std::string::npos || at == 0 || at + 1 == m.to.size() ||
        m.to.find_first_of(" <>\r\n,") != std::string::npos)
        return {std::nullopt,
                SendOutcome::failed("no email address to reply to (\"" + m.to.substr(0, 100) + "\")")};
    if (m.text.empty() && (!m.html || m.html->empty()))
        return {std::nullopt, SendOutcome::failed("the message has no text")};

    OutgoingEmail e;
    e.from = Mailbox{display_name_, address_};
    e.to.push_back(Mailbox{"", m.to});
    std::string subject;
    if (m.subject && !m.subject->empty()) {
        subject = *m.subject;
    } else if (m.customer_subject && !m.customer_subject->empty()) {
        subject = replySubject(*m.customer_subject);
    }
    if (m.conversation_id > 0)
        subject = tag_.tagged(subject, static_cast<std::uint64_t>(m.conversation_id));
    e.subject = subject;
    e.text = m.text;
    if (m.html) e.html = *m.html;
    e.message_id = messageId(m);
    if (m.customer_message_id && realMessageId(*m.customer_message_id)) {
        e.in_reply_to = *m.customer_message_id;
        for (const auto& r : m.customer_refs)
            if (realMessageId(r)) e.references.push_back(r);
        e.references.push_back(*m.customer_message_id);
        // Long threads: the first id and the latest ones (RFC 5322 3.6.4 allows trimming).
        if (e.references.size() > 20)
            e.references.erase(e.references.begin() + 1, e.references.end() - 19);
    }
    e.date = now;
    e.automatic = m.author == "auto";
    BuiltEmail built = buildEmail(e);
    if (!built.error.empty()) return {std::nullopt, SendOutcome::failed(built.error)};

    HttpCall call;
    call.method = "SMTP";
    call.url = smtp_url_;
    call.body = std::move(built.bytes);
    MailTransfer mail;
    mail.username = username_;
    mail.password = password_;
    mail.starttls = starttls_;
    mail.ca_file = ca_file_;
    mail.mail_from = address_;
    mail.recipients.push_back(m.to);
    call.mail = std::move(mail);
    return {std::move(call), std::nullopt};
}

SendOutcome EmailOutbound::classify(const OutgoingMessage& m, const HttpAnswer& a) const {
    if (a.transport_error.empty() && a.status >= 200 && a.status < 300)
        return SendOutcome::sent(messageId(m));
    // The code of the reply that refused it (libcurl's response code is the last reply's).
    int code = 0;
    std::string reason = serverReason(a, &code);
    // A permanent refusal (unknown recipient, message refused) fails the message; a busy or
    // unreachable server (4xx, no answer) is tried again.
    // Refused credentials (530, 534, 535, 538) are the configuration's fault, not the
    // message's: kept until an operator fixes them, within the retry policy.
    bool auth = code == 530 || code == 534 || code == 535 || code == 538;
    if (code >= 500 && code < 600 && !auth) return SendOutcome::failed(std::move(reason));
    return SendOutcome::retry(std::move(reason));
}

}  // namespace ccd::channels::email
