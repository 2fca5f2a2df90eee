// Fuzz target: the web chat's upload handler (channels/webchat): a customer's file with its
// declared type and name, through the instance's inbound adapter as the daemon hands it over.
// The first byte picks the declared type, the bytes up to the first newline are the file name,
// the rest is the file.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/webchat/webchat_channel.hpp"
#include "channels/webchat/webchat_upload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const char* kTypes[] = {"image/jpeg", "image/png; charset=x", "IMAGE/GIF", "image/webp",
                                   "application/pdf", "text/html", "", "image/svg+xml"};
    static const ccd::channels::webchat::WebchatSettings settings = [] {
        ccd::channels::webchat::WebchatSettings s;
        s.max_upload_bytes = 4096;
        return s;
    }();
    static const ccd::channels::webchat::WebchatInbound inbound(settings);
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string type = size ? kTypes[data[0] % 8] : "";
    if (!in.empty()) in.remove_prefix(1);
    auto nl = in.find('\n');
    std::string name(in.substr(0, nl));
    std::string body(nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1));

    ccd::channels::WebRequest request;
    request.method = "WS";
    request.headers.emplace_back("Content-Type", type);
    request.headers.emplace_back(ccd::channels::webchat::kSenderHeader, "wc_fuzz");
    request.headers.emplace_back(ccd::channels::webchat::kClientIdHeader, "f1");
    request.headers.emplace_back(ccd::channels::webchat::kFileNameHeader, name);
    request.body = body;
    auto out = inbound.parse(request, {});
    if (out.rejection) {
        if (out.rejection->status < 400 || out.rejection->status > 499 || !out.messages.empty())
            __builtin_trap();
        return 0;
    }
    // Accepted: one message with one stored attachment whose bytes are the body, within the
    // limit, whose name has no folder or control character, and whose images start right.
    if (out.messages.size() != 1 || out.attachment_contents.size() != 1) __builtin_trap();
    const auto& a = out.messages[0].attachments.at(0);
    if (!a.stored || out.attachment_contents[0].bytes != body || body.empty() ||
        body.size() > settings.max_upload_bytes)
        __builtin_trap();
    const auto& n = *a.file_name;
    if (n.empty() || n.size() > 200 || n.find('/') != std::string::npos ||
        n.find('\\') != std::string::npos)
        __builtin_trap();
    for (unsigned char c : n)
        if (c < 0x20 || c == 0x7f) __builtin_trap();
    if (!ccd::channels::webchat::matchesSignature(*a.mime_type, body)) __builtin_trap();
    return 0;
}
