// Fuzz target: a web chat customer's frame (anyone on the internet, before and after `start`):
// the JSON text, the `start` frame's profile (name, email, phone, locale, order field) for an
// instance without and with a required order field, and a `message` frame's client id. Any
// input gives a profile within the limits or an error naming its field, never a crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/webchat/webchat_frames.hpp"

namespace {

bool validLocale(const std::string& l) { return l == "en" || l == "zh-Hans" || l == "zh-Hant"; }

void checkProfile(const nlohmann::json& frame,
                  const ccd::channels::webchat::WebchatSettings& settings) {
    auto read = ccd::daemon::webchat::readProfile(frame, settings);
    if (!read.error.empty()) {
        if (read.field.empty()) __builtin_trap();
        return;
    }
    const auto& p = read.value;
    if (!p.name || p.name->size() > 100 || !validLocale(p.locale)) __builtin_trap();
    for (const auto* text : {&*p.name, p.order ? &*p.order : nullptr}) {
        if (!text) continue;
        for (unsigned char c : *text)  // a name or order with a line break would forge lines
            if (c < 0x20 || c == 0x7f) __builtin_trap();
    }
    if (p.email && (p.email->size() > 254 || p.email->find('@') == std::string::npos))
        __builtin_trap();
    if (p.phone && p.phone->size() > 32) __builtin_trap();
    if (settings.order_required && !p.order) __builtin_trap();
    if (settings.order_field.empty() && p.order) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto frame = nlohmann::json::parse(data, data + size, nullptr, false);
    if (frame.is_discarded() || !frame.is_object()) return 0;
    ccd::channels::webchat::WebchatSettings plain;
    checkProfile(frame, plain);
    ccd::channels::webchat::WebchatSettings with_order;
    with_order.order_field = "Order number";
    with_order.order_required = true;
    checkProfile(frame, with_order);
    auto id = ccd::daemon::webchat::clientId(frame);
    if (id.size() > 64) __builtin_trap();
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) __builtin_trap();
    }
    return 0;
}
