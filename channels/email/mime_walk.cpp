#include "channels/email/mime_walk.hpp"

#include <algorithm>
#include <cctype>

#include "channels/email/bounce.hpp"
#include "channels/email/charset.hpp"
#include "channels/email/header_params.hpp"
#include "channels/email/header_text.hpp"
#include "channels/email/html_to_text.hpp"

namespace ccd::channels::email::detail {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string streamToString(GMimeStream* stream) {
    GPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_stream_reset(stream);
    g_mime_stream_write_to_stream(stream, mem.get());
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
    return bytes ? std::string(reinterpret_cast<const char*>(bytes->data), bytes->len) : "";
}

// The part's content with its transfer encoding undone; flags base64 that needed repair.
std::string decodedContent(GMimePart* part, bool& bad_base64) {
    bad_base64 = false;
    GMimeDataWrapper* wrapper = g_mime_part_get_content(part);
    if (!wrapper) return "";
    if (g_mime_data_wrapper_get_encoding(wrapper) == GMIME_CONTENT_ENCODING_BASE64) {
        if (GMimeStream* encoded = g_mime_data_wrapper_get_stream(wrapper)) {
            // Only whether it needed repair: GMime decodes it below (decoding it here too
            // was half the time of reading a mail with attachments: tests/bench/email).
            bad_base64 = !base64IsClean(streamToString(encoded));
        }
    }
    GPtr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(wrapper, mem.get());
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
    return bytes ? std::string(reinterpret_cast<const char*>(bytes->data), bytes->len) : "";
}

std::string mimeType(GMimeObject* object) {
    GMimeContentType* ct = g_mime_object_get_content_type(object);
    if (!ct) return "text/plain";
    char* t = g_mime_content_type_get_mime_type(ct);
    std::string out = t ? lower(t) : "application/octet-stream";
    g_free(t);
    return sanitizeUtf8(out);
}

std::string contentTypeParam(GMimeObject* object, const char* name) {
    GMimeContentType* ct = g_mime_object_get_content_type(object);
    const char* v = ct ? g_mime_content_type_get_parameter(ct, name) : nullptr;
    return v ? v : "";
}

std::string toLf(std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
    return s;
}

// RFC 3676: a line ending in a space continues on the next one; a leading space is stuffing.
std::string unflow(const std::string& text, bool delsp) {
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t nl = text.find('\n', start);
        std::string line = text.substr(start, nl == std::string::npos ? nl : nl - start);
        if (!line.empty() && line[0] == ' ') line.erase(0, 1);
        bool soft = !line.empty() && line.back() == ' ' && line != "-- " && nl != std::string::npos;
        if (soft && delsp) line.pop_back();
        out += line;
        if (nl == std::string::npos) break;
        if (!soft) out += '\n';
        start = nl + 1;
    }
    return out;
}

void addAttachment(GMimeObject* object, const std::string& type, std::string bytes, WalkState& st,
                   const std::string& fallback_name) {
    const auto& opt = *st.options;
    Attachment a;
    a.content_type = type;
    std::string disp_raw = rawHeader(object, "Content-Disposition");
    a.filename = headerParameter(disp_raw, "filename", st.header_charsets, st.warnings);
    if (a.filename.empty())
        a.filename = headerParameter(rawHeader(object, "Content-Type"), "name", st.header_charsets,
                                     st.warnings);
    if (a.filename.empty()) a.filename = fallback_name;
    if (const char* cid = g_mime_object_get_content_id(object)) a.content_id = sanitizeUtf8(cid);
    std::string disp = headerMainValue(disp_raw);
    a.is_inline = disp == "inline" || (disp.empty() && !a.content_id.empty());
    a.size = bytes.size();
    if (bytes.size() > opt.max_attachment_bytes) {
        bytes.resize(opt.max_attachment_bytes);
        a.truncated = true;
        st.warnings.push_back("attachment '" + a.filename + "' (" + std::to_string(a.size) +
                              " bytes) truncated to " + std::to_string(opt.max_attachment_bytes) +
                              " bytes");
    }
    a.data = std::move(bytes);
    st.attachments.push_back(std::move(a));
}

void walkMessagePart(GMimeMessagePart* mp, WalkState& st, std::size_t depth, bool in_report) {
    GMimeObject* object = GMIME_OBJECT(mp);
    GMimeMessage* inner = g_mime_message_part_get_message(mp);
    std::string bytes;
    if (inner) {
        char* s = g_mime_object_to_string(GMIME_OBJECT(inner), nullptr);
        if (s) bytes = s;
        g_free(s);
    }
    std::string id;
    if (inner) {
        if (const char* mid = g_mime_message_get_message_id(inner)) id = sanitizeUtf8(mid);
    }
    if (in_report && st.report_original_id.empty()) st.report_original_id = id;
    if (st.first_attached_id.empty()) st.first_attached_id = id;

    std::string name;
    if (inner && !in_report) {
        // A forwarded message: its text follows the body, as a mail client shows it.
        ParsedEmail nested;
        readMessage(inner, bytes, *st.options, st.depth_base + depth + 1, st.parts, nested);
        std::string block = "---------- Forwarded message ----------\n";
        if (!nested.from.address.empty())
            block += "From: " + (nested.from.name.empty() ? "" : nested.from.name + " ") + "<" +
                     nested.from.address + ">\n";
        if (!nested.date.empty()) block += "Date: " + nested.date + "\n";
        if (!nested.subject.empty()) block += "Subject: " + nested.subject + "\n";
        block += "\n" + nested.text;
        st.bodies.push_back({false, block, -1});
        for (const auto& w : nested.warnings) st.warnings.push_back("attached message: " + w);
        name = nested.subject.empty() ? "message.eml" : nested.subject + ".eml";
    } else {
        name = "message.eml";
    }
    addAttachment(object, mimeType(object), std::move(bytes), st, name);
}

void walkLeaf(GMimePart* part, WalkState& st, int group, bool in_report) {
    GMimeObject* object = GMIME_OBJECT(part);
    const auto& opt = *st.options;
    const std::string type = mimeType(object);
    bool bad_base64 = false;
    std::string bytes = decodedContent(part, bad_base64);
    if (bad_base64)
        st.warnings.push_back("part " + type + ": invalid base64 (bad characters skipped)");

    if (in_report &&
        (type == "message/delivery-status" || type == "message/global-delivery-status")) {
        if (st.delivery_status.empty()) st.delivery_status = sanitizeUtf8(bytes);
        addAttachment(object, type, std::move(bytes), st, "delivery-status.txt");
        return;
    }
    if (type == "text/rfc822-headers" || type == "message/global-headers") {
        std::string id = findQuotedMessageId(bytes);
        if (in_report && st.report_original_id.empty()) st.report_original_id = id;
        addAttachment(object, type, std::move(bytes), st, "headers.txt");
        return;
    }

    std::string disp_raw = rawHeader(object, "Content-Disposition");
    std::string disp = headerMainValue(disp_raw);
    std::vector<std::string> ignored;  // addAttachment reports the charset notes
    bool named = !headerParameter(disp_raw, "filename", {}, ignored).empty() ||
                 !headerParameter(rawHeader(object, "Content-Type"), "name", {}, ignored).empty();
    bool body = (type == "text/plain" || type == "text/html") && disp != "attachment" && !named;
    if (!body) {
        addAttachment(object, type, std::move(bytes), st, "");
        return;
    }
    auto decoded = decodeText(bytes, contentTypeParam(object, "charset"), opt.fallback_charsets);
    if (!decoded.note.empty()) st.warnings.push_back("body " + type + ": " + decoded.note);
    std::string text = toLf(std::move(decoded.utf8));
    if (type == "text/plain" && lower(contentTypeParam(object, "format")) == "flowed")
        text = unflow(text, lower(contentTypeParam(object, "delsp")) == "yes");
    st.bodies.push_back({type == "text/html", std::move(text), group});
}

// One pass over the raw bytes for every multipart of the message (searching the whole message
// once per multipart would be quadratic in hostile input).
bool hasClosingLine(WalkState& st, const char* boundary) {
    if (!st.closed_boundaries_built) {
        st.closed_boundaries_built = true;
        std::string_view raw = st.raw;
        std::size_t start = 0;
        while (start < raw.size()) {
            std::size_t nl = raw.find('\n', start);
            std::string_view line = raw.substr(
                start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
            start = nl == std::string_view::npos ? raw.size() : nl + 1;
            while (!line.empty() &&
                   (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
                line.remove_suffix(1);
            if (line.size() >= 4 && line.substr(0, 2) == "--" &&
                line.substr(line.size() - 2) == "--")
                st.closed_boundaries.emplace(line.substr(2, line.size() - 4));
        }
    }
    return st.closed_boundaries.count(boundary) > 0;
}

bool blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

}  // namespace

std::string rawHeader(GMimeObject* object, const char* name) {
    GMimeHeaderList* list = g_mime_object_get_header_list(object);
    if (!list) return "";
    GMimeHeader* h = g_mime_header_list_get_header(list, name);
    if (!h) return "";
    const char* v = g_mime_header_get_raw_value(h);
    return v ? v : "";
}

void walkPart(GMimeObject* object, WalkState& st, std::size_t depth, int group, bool in_report) {
    const auto& opt = *st.options;
    if (++*st.parts > opt.max_parts || st.depth_base + depth > opt.max_depth) {
        if (!st.limit_warned)
            st.warnings.push_back(*st.parts > opt.max_parts
                                      ? "more than " + std::to_string(opt.max_parts) +
                                            " MIME parts; the rest is skipped"
                                      : "MIME nesting deeper than " +
                                            std::to_string(opt.max_depth) +
                                            "; deeper parts are skipped");
        st.limit_warned = true;
        return;
    }
    if (GMIME_IS_MULTIPART(object)) {
        auto* mp = GMIME_MULTIPART(object);
        const std::string type = mimeType(object);
        // Not g_mime_multipart_get_boundary: without a boundary it makes one and re-encodes the
        // Content-Type, whose other parameters may be hostile (a fuzzed bounce made GMime ask
        // for 2 GiB there). Reading the parameter has no side effects.
        const char* boundary = g_mime_object_get_content_type_parameter(object, "boundary");
        if (boundary && *boundary && !hasClosingLine(st, boundary))
            st.warnings.push_back(type + ": closing boundary missing");
        if (type == "multipart/alternative" && group < 0) group = st.next_group++;
        if (type == "multipart/report") in_report = true;
        int n = g_mime_multipart_get_count(mp);
        if (n == 0) st.warnings.push_back(type + ": no parts");
        for (int i = 0; i < n; ++i)
            walkPart(g_mime_multipart_get_part(mp, i), st, depth + 1, group, in_report);
        return;
    }
    if (GMIME_IS_MESSAGE_PART(object)) {
        walkMessagePart(GMIME_MESSAGE_PART(object), st, depth, in_report);
        return;
    }
    if (GMIME_IS_PART(object)) {
        walkLeaf(GMIME_PART(object), st, group, in_report);
        return;
    }
}

std::string assembleText(const std::vector<WalkState::Body>& bodies) {
    std::vector<std::string> pieces;
    std::vector<int> done_groups;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        const auto& b = bodies[i];
        if (b.group < 0) {
            pieces.push_back(b.html ? htmlToText(b.text) : b.text);
            continue;
        }
        if (std::find(done_groups.begin(), done_groups.end(), b.group) != done_groups.end())
            continue;
        done_groups.push_back(b.group);
        bool has_plain = false;
        for (const auto& o : bodies)
            if (o.group == b.group && !o.html && !blank(o.text)) has_plain = true;
        for (const auto& o : bodies)
            if (o.group == b.group && o.html != has_plain)
                pieces.push_back(o.html ? htmlToText(o.text) : o.text);
    }
    std::string out;
    for (auto& p : pieces) {
        while (!p.empty() && (p.back() == '\n' || p.back() == ' ')) p.pop_back();
        if (blank(p)) continue;
        if (!out.empty()) out += "\n\n";
        out += p;
    }
    return out;
}

}  // namespace ccd::channels::email::detail
