#include "channels/email/mime_builder.hpp"

#include <gmime/gmime.h>

#include <random>

#include "channels/email/gmime_init.hpp"
#include "channels/email/loop_signals.hpp"
#include "channels/email/mime_walk.hpp"

namespace ccd::channels::email {
namespace {

using detail::GPtr;

// Header values must not carry line breaks (header injection) or NULs.
std::string oneLine(std::string_view s) {
    std::string out;
    bool in_break = false;
    for (char c : s) {
        bool brk = c == '\r' || c == '\n' || c == '\0';
        if (!brk)
            out += c;
        else if (!in_break)
            out += ' ';
        in_break = brk;
    }
    return out;
}

// A message id must be an addr-spec: no brackets, white space or line breaks.
std::string cleanId(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != '<' && c != '>' && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\0')
            out += c;
    return out;
}

GMimeTextPart* textPart(const char* subtype, const std::string& content) {
    GMimeTextPart* part = g_mime_text_part_new_with_subtype(subtype);
    g_mime_text_part_set_text(part, content.c_str());  // also sets charset=utf-8
    // 7bit-safe encoding: SMTP servers without 8BITMIME must carry it unchanged.
    g_mime_part_set_content_encoding(
        GMIME_PART(part),
        g_mime_part_get_best_content_encoding(GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT));
    return part;
}

void addMailboxes(GMimeMessage* m, GMimeAddressType type, const std::vector<Mailbox>& list) {
    for (const auto& mb : list)
        g_mime_message_add_mailbox(m, type, oneLine(mb.name).c_str(), oneLine(mb.address).c_str());
}

}  // namespace

std::string subjectWithTicket(std::string_view subject, std::uint64_t ticket) {
    for (auto n : ticketTags(subject))
        if (n == ticket) return std::string(subject);
    std::string tag = "[#" + std::to_string(ticket) + "]";
    return subject.empty() ? tag : std::string(subject) + " " + tag;
}

std::string generateMessageId(std::string_view domain) {
    static thread_local std::mt19937_64 rng{
        std::random_device{}() ^
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
    static const char kHex[] = "0123456789abcdef";
    std::string id = "ccd.";
    for (int i = 0; i < 2; ++i) {
        std::uint64_t v = rng();
        for (int k = 0; k < 16; ++k) id += kHex[(v >> (k * 4)) & 0xF];
    }
    std::string d = cleanId(domain);
    return id + "@" + (d.empty() ? "localhost" : d);
}

BuiltEmail buildEmail(const OutgoingEmail& email) {
    BuiltEmail out;
    if (email.from.address.empty()) {
        out.error = "no sender address";
        return out;
    }
    if (email.to.empty()) {
        out.error = "no recipient";
        return out;
    }
    ensureGMimeInitialised();
    GPtr<GMimeMessage> m(g_mime_message_new(TRUE));
    addMailboxes(m.get(), GMIME_ADDRESS_TYPE_FROM, {email.from});
    addMailboxes(m.get(), GMIME_ADDRESS_TYPE_TO, email.to);
    addMailboxes(m.get(), GMIME_ADDRESS_TYPE_CC, email.cc);

    std::string subject = oneLine(email.subject);
    if (email.ticket) subject = subjectWithTicket(subject, *email.ticket);
    g_mime_message_set_subject(m.get(), subject.c_str(), "utf-8");

    auto when = email.date.value_or(std::chrono::system_clock::now());
    GDateTime* dt = g_date_time_new_from_unix_utc(std::chrono::system_clock::to_time_t(when));
    g_mime_message_set_date(m.get(), dt);
    g_date_time_unref(dt);

    out.message_id = cleanId(email.message_id);
    if (out.message_id.empty()) {
        std::string domain = email.message_id_domain;
        if (domain.empty()) {
            auto at = email.from.address.rfind('@');
            if (at != std::string::npos) domain = email.from.address.substr(at + 1);
        }
        out.message_id = generateMessageId(domain);
    }
    g_mime_message_set_message_id(m.get(), out.message_id.c_str());

    GMimeObject* obj = GMIME_OBJECT(m.get());
    std::string reply_to = cleanId(email.in_reply_to);
    if (!reply_to.empty())
        g_mime_object_set_header(obj, "In-Reply-To", ("<" + reply_to + ">").c_str(), nullptr);
    std::string refs;
    for (const auto& r : email.references) {
        std::string id = cleanId(r);
        if (id.empty()) continue;
        if (!refs.empty()) refs += ' ';
        refs += "<" + id + ">";
    }
    if (!refs.empty()) g_mime_object_set_header(obj, "References", refs.c_str(), nullptr);
    if (email.automatic) g_mime_object_set_header(obj, "Auto-Submitted", "auto-replied", nullptr);

    if (email.html.empty()) {
        GPtr<GMimeTextPart> text(textPart("plain", email.text));
        g_mime_message_set_mime_part(m.get(), GMIME_OBJECT(text.get()));
    } else {
        GPtr<GMimeMultipart> alt(g_mime_multipart_new_with_subtype("alternative"));
        GPtr<GMimeTextPart> text(textPart("plain", email.text));
        GPtr<GMimeTextPart> html(textPart("html", email.html));
        g_mime_multipart_add(alt.get(), GMIME_OBJECT(text.get()));
        g_mime_multipart_add(alt.get(), GMIME_OBJECT(html.get()));
        g_mime_message_set_mime_part(m.get(), GMIME_OBJECT(alt.get()));
    }

    GMimeFormatOptions* format = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
    char* s = g_mime_object_to_string(obj, format);
    g_mime_format_options_free(format);
    out.bytes = s ? s : "";
    g_free(s);
    return out;
}

}  // namespace ccd::channels::email
