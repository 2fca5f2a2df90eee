// Fuzz target: a Telegram Update (untrusted JSON, after the secret token check).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "channels/telegram/telegram_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto out = ccd::channels::telegram::parseUpdate(body, ccd::routing::TimePoint{});
    // A rejection stores nothing; a message always has its ids and an address to answer.
    if (out.rejection) {
        if (out.rejection->status != 400 || !out.empty()) __builtin_trap();
        return 0;
    }
    for (const auto& m : out.messages) {
        if (m.provider_id.empty() || m.from.id.empty() || !m.reply_address ||
            (m.text.empty() && m.attachments.empty()))
            __builtin_trap();
    }
    for (const auto& e : out.edits) {
        if (e.provider_ref.empty() || e.text.empty()) __builtin_trap();
    }
    return 0;
}
