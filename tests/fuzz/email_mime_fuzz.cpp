// Fuzz target: the email MIME parser (raw mail from any sender on the internet). Built as a
// libFuzzer binary with clang (tests/fuzz/run.sh) and, in every build, linked into a replay
// main that runs the seed corpus under the test suite's sanitizers.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/email/charset.hpp"
#include "channels/email/email_json.hpp"
#include "channels/email/mime_parser.hpp"

namespace {

void requireUtf8(const std::string& s) {
    if (!ccd::channels::email::isValidUtf8(s)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace email = ccd::channels::email;
    std::string_view raw(reinterpret_cast<const char*>(data), size);
    email::ParseOptions options;
    options.max_attachment_bytes = 1024;  // exercise truncation too
    auto e = email::parseEmail(raw, options);

    // Every string handed to the rest of ccd is UTF-8, and there is always an id to dedupe on.
    for (const auto* s :
         {&e.from.name, &e.from.address, &e.subject, &e.date, &e.message_id, &e.in_reply_to,
          &e.text, &e.text_for_classification, &e.html, &e.auto_submitted_reason})
        requireUtf8(*s);
    for (const auto& m : e.to) requireUtf8(m.name), requireUtf8(m.address);
    for (const auto& r : e.references) requireUtf8(r);
    for (const auto& w : e.warnings) requireUtf8(w);
    for (const auto& a : e.attachments) {
        requireUtf8(a.filename);
        requireUtf8(a.content_type);
        requireUtf8(a.content_id);
        if (a.data.size() > options.max_attachment_bytes) __builtin_trap();
        if (a.truncated != (a.size > options.max_attachment_bytes)) __builtin_trap();
    }
    if (e.bounce) {
        requireUtf8(e.bounce->recipient);
        requireUtf8(e.bounce->diagnostic);
        requireUtf8(e.bounce->original_message_id);
    }
    if (e.message_id.empty()) __builtin_trap();
    if (e.auto_submitted == e.auto_submitted_reason.empty()) __builtin_trap();
    // Strict dump: throws (and so aborts the fuzzer) on invalid UTF-8 that slipped through.
    (void)email::toJson(e).dump();
    return 0;
}
