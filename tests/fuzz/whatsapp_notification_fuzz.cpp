// Fuzz target: a WhatsApp Cloud API notification (untrusted JSON, after the signature check).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "channels/whatsapp/whatsapp_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    // The seeds use both the fixtures' numbers; either instance may be the reader.
    for (const char* number : {"1122334455667", "PHONE_NUMBER_ID"}) {
        auto out = ccd::channels::whatsapp::parseNotification(body, number, ccd::routing::TimePoint{});
        if (out.rejection) {
            if (out.rejection->status != 400 || !out.empty()) __builtin_trap();
            continue;
        }
        for (const auto& m : out.messages) {
            if (m.provider_id.empty() || m.from.id.empty()) __builtin_trap();
        }
        for (const auto& r : out.reports) {
            if (r.provider_message_id.empty()) __builtin_trap();
        }
    }
    return 0;
}
