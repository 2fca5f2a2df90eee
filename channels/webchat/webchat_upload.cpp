#include "channels/webchat/webchat_upload.hpp"

#include <algorithm>

#include "channels/common/url.hpp"

namespace ccd::channels::webchat {

namespace {

bool startsWith(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The type without parameters ("image/png; x=y" -> "image/png"), trimmed, lower case.
std::string bareType(std::string_view content_type) {
    auto semi = content_type.find(';');
    auto t = content_type.substr(0, semi);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    return lower(t);
}

// The last path segment, without control characters, quotes or backslashes, cut to 200 bytes on
// a UTF-8 boundary; "upload" when nothing is left.
std::string plainName(std::string_view encoded) {
    auto decoded = percentDecode(encoded, false).value_or(std::string(encoded));
    auto slash = decoded.find_last_of("/\\");
    if (slash != std::string::npos) decoded = decoded.substr(slash + 1);
    std::string out;
    for (unsigned char c : decoded) {
        if (c < 0x20 || c == 0x7f || c == '"') continue;
        out += static_cast<char>(c);
    }
    if (out.size() > 200) {
        std::size_t cut = 200;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
    }
    while (!out.empty() && (out.front() == '.' || out.front() == ' ')) out.erase(0, 1);
    return out.empty() ? std::string("upload") : out;
}

}  // namespace

bool matchesSignature(std::string_view type, std::string_view b) {
    if (type == "image/jpeg") return startsWith(b, "\xFF\xD8\xFF");
    if (type == "image/png") return startsWith(b, "\x89PNG\r\n\x1A\n");
    if (type == "image/gif") return startsWith(b, "GIF87a") || startsWith(b, "GIF89a");
    if (type == "image/webp") return b.size() >= 12 && startsWith(b, "RIFF") && b.substr(8, 4) == "WEBP";
    if (type == "application/pdf") return startsWith(b, "%PDF-");
    return !startsWith(type, "image/");  // an image type we cannot check is not accepted
}

std::variant<CheckedUpload, Rejection> checkUpload(std::string_view content_type,
                                                   std::string_view file_name,
                                                   std::string_view bytes,
                                                   const WebchatSettings& settings) {
    if (bytes.empty()) return Rejection{400, "empty", "the file is empty", "body"};
    if (bytes.size() > settings.max_upload_bytes)
        return Rejection{413, "too_large",
                         "a file is at most " + std::to_string(settings.max_upload_bytes) + " bytes",
                         "body"};
    auto type = bareType(content_type);
    if (std::find(settings.upload_types.begin(), settings.upload_types.end(), type) ==
        settings.upload_types.end()) {
        std::string accepted;
        for (const auto& t : settings.upload_types) accepted += (accepted.empty() ? "" : ", ") + t;
        return Rejection{415, "unsupported_type",
                         "files of type \"" + type + "\" are not accepted (accepted: " + accepted + ")",
                         "Content-Type"};
    }
    if (!matchesSignature(type, bytes))
        return Rejection{422, "content_mismatch", "the file's content is not " + type, "body"};
    CheckedUpload out;
    out.mime_type = type;
    out.file_name = plainName(file_name);
    out.kind = startsWith(type, "image/") ? "photo" : "document";
    return out;
}

}  // namespace ccd::channels::webchat
