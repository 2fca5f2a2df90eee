// The email kind's configuration, its registry entry and the inbound side: a fetched message to
// what intake stores.
#include "channels/email/email_channel.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "channels/common/settings_reader.hpp"
#include "channels/email/charset.hpp"
#include "channels/email/imap_protocol.hpp"
#include "channels/email/mime_parser.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::email {
namespace {

constexpr std::string_view kPlaceholder = "{ticket}";

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string attachmentKind(const std::string& content_type) {
    auto slash = content_type.find('/');
    std::string type = content_type.substr(0, slash);
    if (type == "image" || type == "audio" || type == "video") return type;
    if (type == "message") return "message";
    return "document";
}

bool hasScheme(std::string_view url, std::initializer_list<std::string_view> schemes) {
    std::string l = lower(url);
    for (auto s : schemes)
        if (l.rfind(s, 0) == 0 && l.size() > s.size()) return true;
    return false;
}

}  // namespace

// ---- ticket tags --------------------------------------------------------------------------

TicketTag::TicketTag(std::string_view format) {
    auto at = format.find(kPlaceholder);
    if (at == std::string_view::npos || format.size() == kPlaceholder.size()) {
        prefix_ = "[#";
        suffix_ = "]";
        return;
    }
    prefix_ = std::string(format.substr(0, at));
    suffix_ = std::string(format.substr(at + kPlaceholder.size()));
}

std::string TicketTag::render(std::uint64_t n) const { return prefix_ + std::to_string(n) + suffix_; }

std::vector<std::uint64_t> TicketTag::find(std::string_view subject) const {
    std::vector<std::uint64_t> out;
    std::size_t from = 0;
    while (from < subject.size()) {
        auto at = prefix_.empty() ? from : subject.find(prefix_, from);
        if (at == std::string_view::npos) break;
        std::size_t digits = at + prefix_.size();
        std::size_t end = digits;
        while (end < subject.size() && end - digits < 18 &&
               std::isdigit(static_cast<unsigned char>(subject[end])))
            ++end;
        bool boundary = prefix_.empty() ? (at == 0 || !std::isdigit(static_cast<unsigned char>(
                                                           subject[at - 1])))
                                        : true;
        if (end > digits && boundary && subject.substr(end, suffix_.size()) == suffix_ &&
            (!suffix_.empty() || end == subject.size() ||
             !std::isdigit(static_cast<unsigned char>(subject[end])))) {
            std::uint64_t n = 0;
            std::from_chars(subject.data() + digits, subject.data() + end, n);
            if (n > 0 && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
            from = end + suffix_.size();
        } else {
            from = (prefix_.empty() ? end : at + prefix_.size()) + (end == digits && prefix_.empty());
        }
    }
    return out;
}

std::string TicketTag::tagged(std::string_view subject, std::uint64_t n) const {
    auto tags = find(subject);
    if (std::find(tags.begin(), tags.end(), n) != tags.end()) return std::string(subject);
    return subject.empty() ? render(n) : std::string(subject) + " " + render(n);
}

std::string replySubject(std::string_view subject) {
    std::string_view s = subject;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    std::string l = lower(s.substr(0, 4));
    for (std::string_view p : {"re:", "aw:", "sv:", "回复:", "回复：", "答复:", "答复：", "回覆:"})
        if (l.rfind(p, 0) == 0 || s.rfind(p, 0) == 0) return std::string(s);
    return s.empty() ? std::string() : "Re: " + std::string(s);
}

// ---- inbound ------------------------------------------------------------------------------

EmailInbound::EmailInbound(const EmailSettings& s)
    : max_attachment_bytes_(s.max_attachment_bytes),
      fallbacks_(s.charset_fallbacks),
      tag_(s.ticket_tag) {}

ParseOutcome EmailInbound::parse(const WebRequest&, const ParseContext&) const {
    return ParseOutcome::reject(404, "not_found",
                                "an email instance reads its mailbox over IMAP; nothing is "
                                "posted to it");
}

ParseOutcome EmailInbound::readMail(std::string_view raw, routing::TimePoint now) const {
    ParseOptions options;
    options.max_attachment_bytes = max_attachment_bytes_;
    options.fallback_charsets = fallbacks_;
    ParsedEmail e = parseEmail(raw, options);
    ParseOutcome out;

    // A delivery failure report about one of our messages fails that message; it is not the
    // customer speaking. One that names no message of ours is kept as a message (for a person
    // to read), never answered: it is automatic.
    if (e.bounce && !e.bounce->original_message_id.empty()) {
        channels::DeliveryReport r;
        r.provider_message_id = e.bounce->original_message_id;
        r.state = routing::DeliveryState::Failed;
        r.at = now;
        std::string reason = "bounced";
        if (!e.bounce->status.empty()) reason += " " + e.bounce->status;
        if (!e.bounce->recipient.empty()) reason += " for " + e.bounce->recipient;
        if (!e.bounce->diagnostic.empty()) reason += ": " + e.bounce->diagnostic;
        r.reason = sanitizeUtf8(reason.substr(0, 1000));
        out.reports.push_back(std::move(r));
        return out;
    }

    routing::InboundMessage m;
    m.channel = routing::ChannelKind::Email;
    m.provider_id = e.message_id;
    std::string address = lower(e.from.address);
    m.from.id = address.empty() ? "unknown-sender" : address;
    if (!e.from.name.empty()) m.from.name = e.from.name;
    if (!address.empty()) m.from.email = address;
    m.text = e.text;
    if (m.text.empty() && !e.attachments.empty()) m.text = "";
    if (!e.subject.empty()) m.subject = e.subject;
    std::string classify = e.subject;
    if (!e.text_for_classification.empty())
        classify += (classify.empty() ? "" : "\n") + e.text_for_classification;
    if (classify != m.text) m.classify_text = std::move(classify);
    m.thread_refs = e.references;
    if (!e.in_reply_to.empty() &&
        (m.thread_refs.empty() || m.thread_refs.back() != e.in_reply_to)) {
        m.thread_refs.erase(std::remove(m.thread_refs.begin(), m.thread_refs.end(), e.in_reply_to),
                            m.thread_refs.end());
        m.thread_refs.push_back(e.in_reply_to);
    }
    if (m.thread_refs.size() > 50)
        m.thread_refs.erase(m.thread_refs.begin(), m.thread_refs.end() - 50);
    auto tickets = tag_.find(e.subject);
    if (!tickets.empty() && tickets.front() <= static_cast<std::uint64_t>(INT64_MAX))
        m.ticket = static_cast<std::int64_t>(tickets.front());
    m.auto_submitted = e.auto_submitted;
    m.received_at = now;
    m.warnings = e.warnings;
    if (e.auto_submitted) m.warnings.push_back("sent by a machine: " + e.auto_submitted_reason);
    for (std::size_t i = 0; i < e.attachments.size(); ++i) {
        auto& a = e.attachments[i];
        routing::Attachment att;
        att.kind = attachmentKind(a.content_type);
        // The message's id and the attachment's place in it name it; its bytes are kept with
        // the message (a mailbox is read and moved on, not a file store), up to the limit.
        att.provider_file_id = "email:" + e.message_id + "#" + std::to_string(i + 1);
        att.mime_type = a.content_type;
        if (!a.filename.empty()) att.file_name = a.filename;
        att.size = static_cast<std::int64_t>(a.size);
        if (a.truncated) {
            m.warnings.push_back("attachment " + std::to_string(i + 1) + " (" + a.filename +
                                 ") is larger than max_attachment_bytes: described, not kept");
        } else {
            att.stored = true;
            out.attachment_contents.push_back({0, i + 1, std::move(a.data)});
        }
        m.attachments.push_back(std::move(att));
    }
    out.messages.push_back(std::move(m));
    return out;
}

// ---- configuration ------------------------------------------------------------------------

ChannelKindInfo kindInfo() {
    return makeKindInfo<EmailSettings, EmailInbound, EmailOutbound>(
        "email", routing::ChannelKind::Email,
        {"imap_url", "smtp_url", "username", "password", "smtp_username", "smtp_password",
         "starttls", "ca_file", "address", "display_name", "poll_interval", "after_read", "move_to",
         "max_attachment_bytes", "max_message_bytes", "charset_fallbacks", "ticket_tag"},
        [](const config::NodeRef& item, EmailSettings& s) {
            if (item["imap_url"].require()) {
                if (auto url = item["imap_url"].nonEmptyString()) {
                    if (!parseImapUrl(*url))
                        item["imap_url"].error(
                            "expected imap://host[:port]/MAILBOX or imaps://host[:port]/MAILBOX "
                            "(no user name in the URL: use username and password)");
                    else
                        s.imap_url = *url;
                }
            }
            if (item["smtp_url"].require()) {
                if (auto url = item["smtp_url"].nonEmptyString()) {
                    if (!hasScheme(*url, {"smtp://", "smtps://"}) ||
                        url->find('@') != std::string::npos)
                        item["smtp_url"].error("expected smtp://host[:port] or smtps://host[:port]");
                    else
                        s.smtp_url = *url;
                }
            }
            if (auto u = item["username"].secret()) s.username = u->reveal();
            s.password = optionalSecret(item["password"]);
            if (!s.username.empty() && !item["password"].present())
                item["username"].error("a username needs a password");
            if (auto u = item["smtp_username"].secret()) s.smtp_username = u->reveal();
            s.smtp_password = optionalSecret(item["smtp_password"]);
            if (auto t = item["starttls"].oneOf<std::string>(
                    {{"required", "required"}, {"optional", "optional"}, {"off", "off"}}))
                s.starttls = *t;
            if (auto f = item["ca_file"].readableFile()) s.ca_file = *f;
            if (item["address"].require()) {
                if (auto a = item["address"].nonEmptyString()) {
                    auto at = a->find('@');
                    if (at == std::string::npos || at == 0 || at + 1 == a->size() ||
                        a->find_first_of(" <>\"\r\n,") != std::string::npos)
                        item["address"].error("expected an email address (support@example.com)");
                    else
                        s.address = *a;
                }
            }
            if (auto n = item["display_name"].string()) s.display_name = *n;
            if (auto d = item["poll_interval"].duration()) {
                if (*d < std::chrono::seconds(1)) item["poll_interval"].error("must be at least 1s");
                else s.poll_interval = *d;
            }
            if (auto mode = item["after_read"].oneOf<bool>({{"seen", false}, {"move", true}}))
                s.move_after_read = *mode;
            if (auto f = item["move_to"].nonEmptyString()) s.move_to = *f;
            if (s.move_after_read && s.move_to.empty())
                item["after_read"].error("after_read: move needs move_to (the folder)");
            if (!s.move_after_read && item["move_to"].present())
                item["move_to"].error("move_to is used only with after_read: move");
            if (auto b = item["max_attachment_bytes"].byteSize()) s.max_attachment_bytes = *b;
            if (auto b = item["max_message_bytes"].byteSize()) {
                if (*b < 1024) item["max_message_bytes"].error("must be at least 1KiB");
                else s.max_message_bytes = *b;
            }
            if (auto list = item["charset_fallbacks"].stringList()) {
                for (const auto& cs : *list) {
                    if (!knownCharset(cs))
                        item["charset_fallbacks"].error("unknown charset \"" + cs + "\"");
                }
                s.charset_fallbacks = *list;
            }
            if (auto t = item["ticket_tag"].nonEmptyString()) {
                auto at = t->find(kPlaceholder);
                if (at == std::string::npos || t->find(kPlaceholder, at + 1) != std::string::npos ||
                    t->size() == kPlaceholder.size())
                    item["ticket_tag"].error("expected text with {ticket} once, e.g. \"[#{ticket}]\"");
                else
                    s.ticket_tag = *t;
            }
        });
}

}  // namespace ccd::channels::email
