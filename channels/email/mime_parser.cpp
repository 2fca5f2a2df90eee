#include "channels/email/mime_parser.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <new>
#include <set>

#include "channels/email/address_list.hpp"
#include "channels/email/bounce.hpp"
#include "channels/email/charset.hpp"
#include "channels/email/gmime_init.hpp"
#include "channels/email/header_field.hpp"
#include "channels/email/header_text.hpp"
#include "channels/email/loop_signals.hpp"
#include "channels/email/mime_walk.hpp"
#include "channels/email/quote_strip.hpp"

namespace ccd::channels::email {
namespace detail {
namespace {

constexpr std::size_t kMaxWarnings = 50;

const char* describe(GMimeParserWarning code) {
    switch (code) {
        case GMIME_WARN_DUPLICATED_HEADER:
            return "duplicated header";
        case GMIME_WARN_DUPLICATED_PARAMETER:
            return "duplicated header parameter";
        case GMIME_WARN_UNENCODED_8BIT_HEADER:
            return "unencoded 8-bit header";
        case GMIME_WARN_INVALID_CONTENT_TYPE:
            return "invalid Content-Type";
        case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
            return "invalid RFC 2047 header value";
        case GMIME_WARN_MALFORMED_MULTIPART:
            return "malformed multipart";
        case GMIME_WARN_TRUNCATED_MESSAGE:
            return "truncated message";
        case GMIME_WARN_MALFORMED_MESSAGE:
            return "malformed message";
        case GMIME_CRIT_INVALID_HEADER_NAME:
            return "invalid header name";
        case GMIME_CRIT_CONFLICTING_HEADER:
            return "conflicting header";
        case GMIME_CRIT_CONFLICTING_PARAMETER:
            return "conflicting header parameter";
        case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
            return "multipart without boundary";
        case GMIME_WARN_INVALID_PARAMETER:
            return "invalid header parameter";
        case GMIME_WARN_INVALID_ADDRESS_LIST:
            return "invalid address list";
        case GMIME_CRIT_NESTING_OVERFLOW:
            return "MIME nesting too deep";
        case GMIME_WARN_PART_WITHOUT_CONTENT:
            return "MIME part without content";
        case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
            return "MIME part without headers or content";
    }
    return "MIME problem";
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

void onGMimeWarning(gint64 offset, GMimeParserWarning code, const gchar* item, gpointer data) {
    auto* warnings = static_cast<std::vector<std::string>*>(data);
    if (warnings->size() >= kMaxWarnings * 2) return;  // hostile input repeats itself
    std::string w = std::string("MIME: ") + describe(code);
    if (item && *item) {
        std::string what = sanitizeUtf8(trim(std::string(item).substr(0, 80)));
        if (!what.empty()) w += " (" + what + ")";
    }
    w += " at byte " + std::to_string(offset);
    warnings->push_back(std::move(w));
}

std::string messageId(const std::string* raw) {
    if (!raw) return "";
    char* id = g_mime_utils_decode_message_id(raw->c_str());
    std::string out = id ? sanitizeUtf8(id) : "";
    g_free(id);
    return trim(out);
}

std::string hashId(std::string_view raw) {
    GChecksum* sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, reinterpret_cast<const guchar*>(raw.data()),
                      static_cast<gssize>(raw.size()));
    std::string out = std::string("sha256:") + g_checksum_get_string(sum);
    g_checksum_free(sum);
    return out;
}

std::vector<HeaderField> headerFields(GMimeObject* object) {
    std::vector<HeaderField> out;
    GMimeHeaderList* list = g_mime_object_get_header_list(object);
    int n = list ? g_mime_header_list_get_count(list) : 0;
    for (int i = 0; i < n; ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
        const char* name = g_mime_header_get_name(h);
        const char* value = g_mime_header_get_raw_value(h);
        out.push_back({name ? name : "", trim(unfold(value ? value : ""))});
    }
    return out;
}

void finish(ParsedEmail& out, std::string_view raw) {
    if (out.message_id.empty()) {
        out.message_id = hashId(raw);
        out.message_id_generated = true;
    }
    out.ticket_tags = ticketTags(out.subject);
    out.text_for_classification = stripQuotedHistory(out.text);
    // Repeats carry no news (GMime reports a broken header once per occurrence).
    std::vector<std::string> unique;
    std::set<std::string> seen;
    for (auto& w : out.warnings)
        if (seen.insert(w).second) unique.push_back(sanitizeUtf8(w));
    if (unique.size() > kMaxWarnings) {
        std::size_t more = unique.size() - kMaxWarnings;
        unique.resize(kMaxWarnings);
        unique.push_back(std::to_string(more) + " more warnings");
    }
    out.warnings = std::move(unique);
}

// The charset of the first text part that names a legacy one: the best guess for the 8-bit
// bytes of unlabelled headers, which a client writes in the charset of its body.
std::string bodyCharset(GMimeObject* object, int depth) {
    if (!object || depth > 8) return "";
    if (GMIME_IS_MULTIPART(object)) {
        auto* mp = GMIME_MULTIPART(object);
        for (int i = 0; i < g_mime_multipart_get_count(mp) && i < 16; ++i) {
            auto cs = bodyCharset(g_mime_multipart_get_part(mp, i), depth + 1);
            if (!cs.empty()) return cs;
        }
        return "";
    }
    if (!GMIME_IS_PART(object)) return "";
    GMimeContentType* ct = g_mime_object_get_content_type(object);
    if (!ct || !g_mime_content_type_is_type(ct, "text", "*")) return "";
    const char* cs = g_mime_content_type_get_parameter(ct, "charset");
    if (!cs) return "";
    std::string canonical = canonicalCharset(cs);
    std::string l;
    for (char c : canonical) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l.empty() || l == "utf-8" || l == "us-ascii" || l == "ascii") return "";
    return canonical;
}

}  // namespace

void readMessage(GMimeMessage* message, std::string_view raw, const ParseOptions& options,
                 std::size_t depth, std::size_t* parts, ParsedEmail& out) {
    auto headers = headerFields(GMIME_OBJECT(message));
    GMimeObject* body = g_mime_message_get_mime_part(message);
    std::vector<std::string> fb = options.fallback_charsets;
    if (auto hint = bodyCharset(body, 0); !hint.empty()) fb.insert(fb.begin(), hint);
    // GMime keeps the top-level Content-* fields on the body part, not on the message.
    if (body)
        for (auto& h : headerFields(body))
            if (!findHeader(headers, h.name)) headers.push_back(std::move(h));
    if (headers.empty()) out.warnings.push_back("no header fields");

    if (const auto* v = findHeader(headers, "From")) {
        auto list = parseAddressList(*v, fb, out.warnings);
        if (!list.empty()) out.from = list.front();
    } else if (const auto* s = findHeader(headers, "Sender")) {
        auto list = parseAddressList(*s, fb, out.warnings);
        if (!list.empty()) out.from = list.front();
    }
    if (const auto* v = findHeader(headers, "To")) out.to = parseAddressList(*v, fb, out.warnings);
    if (const auto* v = findHeader(headers, "Cc")) out.cc = parseAddressList(*v, fb, out.warnings);
    if (const auto* v = findHeader(headers, "Subject"))
        out.subject = decodeHeaderText(*v, fb, out.warnings);
    if (const auto* v = findHeader(headers, "Date")) {
        out.date = sanitizeUtf8(*v);
        if (GDateTime* dt = g_mime_utils_header_decode_date(v->c_str())) {
            // system_clock counts nanoseconds in 64 bits: years 1678-2262. A date outside
            // 1900-2200 is a sender's mistake, not a time to compute with.
            constexpr gint64 kYear1900 = -2208988800, kYear2200 = 7258118400;
            gint64 unix_time = g_date_time_to_unix(dt);
            if (unix_time >= kYear1900 && unix_time < kYear2200)
                out.date_time =
                    std::chrono::system_clock::from_time_t(static_cast<std::time_t>(unix_time));
            g_date_time_unref(dt);
        }
    }
    out.message_id = messageId(findHeader(headers, "Message-ID"));
    out.in_reply_to = messageId(findHeader(headers, "In-Reply-To"));
    if (const auto* v = findHeader(headers, "References")) {
        if (GMimeReferences* refs = g_mime_references_parse(nullptr, v->c_str())) {
            for (int i = 0; i < g_mime_references_length(refs); ++i)
                if (const char* id = g_mime_references_get_message_id(refs, i))
                    out.references.push_back(sanitizeUtf8(id));
            g_mime_references_free(refs);
        }
    }

    WalkState st;
    st.options = &options;
    st.header_charsets = fb;
    st.raw = raw;
    st.depth_base = depth;
    st.parts = parts;
    if (body) {
        if (!findHeader(headers, "Content-Type") && !GMIME_IS_MULTIPART(body) &&
            findHeader(headers, "MIME-Version"))
            st.warnings.push_back("MIME message without Content-Type; read as text/plain");
        walkPart(body, st, 0, -1, false);
    }
    out.text = assembleText(st.bodies);
    for (const auto& b : st.bodies)
        if (b.html) {
            out.html = b.text;
            break;
        }
    out.attachments = std::move(st.attachments);
    for (auto& w : st.warnings) out.warnings.push_back(std::move(w));

    if (!st.delivery_status.empty()) {
        out.bounce = parseDeliveryStatus(st.delivery_status);
        if (out.bounce && out.bounce->original_message_id.empty())
            out.bounce->original_message_id = st.report_original_id.empty()
                                                  ? findQuotedMessageId(out.text)
                                                  : st.report_original_id;
    } else {
        out.bounce = detectTextBounce(out.subject, out.from.address, out.text);
        if (out.bounce && out.bounce->original_message_id.empty())
            out.bounce->original_message_id = st.first_attached_id;
    }
    out.auto_submitted_reason = automaticReason(headers, out.from.address);
    if (out.auto_submitted_reason.empty() && out.bounce)
        out.auto_submitted_reason = "delivery failure report";
    out.auto_submitted = !out.auto_submitted_reason.empty();
    finish(out, raw);
}

}  // namespace detail

namespace {

ParsedEmail parseUnchecked(std::string_view raw, const ParseOptions& options) {
    ensureGMimeInitialised();
    ParsedEmail out;
    std::vector<std::string> gmime_warnings;

    detail::GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
    detail::GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    GMimeParserOptions* popts = g_mime_parser_options_new();
    g_mime_parser_options_set_rfc2047_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_warning_callback(popts, detail::onGMimeWarning, &gmime_warnings);
    detail::GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), popts));
    g_mime_parser_options_free(popts);

    std::size_t parts = 0;
    if (!message) {
        out.warnings = gmime_warnings;
        out.warnings.push_back("not a MIME message (no header section); read as plain text");
        auto d = decodeText(raw, "", options.fallback_charsets);
        if (!d.note.empty()) out.warnings.push_back("body: " + d.note);
        out.text = d.utf8;
        out.text.erase(std::remove(out.text.begin(), out.text.end(), '\r'), out.text.end());
        detail::finish(out, raw);
        return out;
    }
    detail::readMessage(message.get(), raw, options, 0, &parts, out);
    // GMime also reports problems it meets while headers are read lazily; they go first.
    std::vector<std::string> all;
    for (auto& w : gmime_warnings)
        if (std::find(all.begin(), all.end(), w) == all.end()) all.push_back(std::move(w));
    for (auto& w : out.warnings)
        if (std::find(all.begin(), all.end(), w) == all.end()) all.push_back(std::move(w));
    out.warnings = std::move(all);
    return out;
}

}  // namespace

ParsedEmail parseEmail(std::string_view raw, const ParseOptions& options) {
    try {
        return parseUnchecked(raw, options);
    } catch (const std::exception& e) {
        // Only allocation failures can get here; the message is kept, unread.
        ParsedEmail out;
        out.warnings.push_back(std::string("parse failed: ") + e.what());
        out.message_id = "";
        detail::finish(out, raw);
        return out;
    }
}

}  // namespace ccd::channels::email
