// Fuzz target: a CTI call event (Zammad's generic CTI). The first byte chooses the body's
// content type (form or JSON) and whether the URL's token is right, so the fuzzer reaches
// both the token check and the field readers; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "channels/cti/cti_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ccd::channels::cti::CtiInbound channel([] {
        ccd::channels::cti::CtiSettings s;
        s.name = "fuzz";
        s.token = ccd::config::Secret("fuzz-token-of-enough-length", "inline");
        s.blocked_callers = {"+8613900000000"};
        s.outbound_caller_ids = {{"86*", "4008001234"}, {"8613800138000", "4008000000"}};
        return s;
    }());
    if (size < 1) return 0;
    const bool good_token = data[0] & 1;
    const bool as_json = data[0] & 2;
    ccd::channels::WebRequest r;
    r.method = "POST";
    r.target = std::string("/webhooks/cti/fuzz/") +
               (good_token ? "fuzz-token-of-enough-length" : "fuzz-token-of-enough-lengtH");
    r.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
    r.headers.emplace_back("Content-Type",
                           as_json ? "application/json" : "application/x-www-form-urlencoded");
    auto out = channel.parse(r, {ccd::routing::TimePoint(std::chrono::seconds(1700000000)), ""});
    if (!good_token && !out.rejection) __builtin_trap();  // a wrong token never passes
    if (out.rejection) {
        if (out.rejection->status < 400 || out.rejection->status > 499 || !out.empty())
            __builtin_trap();
        return 0;
    }
    // Every accepted event is one step of one call; a new inbound call is also one message.
    if (out.calls.size() != 1 || out.messages.size() > 1) __builtin_trap();
    if (!out.messages.empty() && out.messages[0].provider_id != out.calls[0].call_id)
        __builtin_trap();
    // The menu's key: 0-9, * or # only, and one step per playing (1 or 2).
    if (out.calls[0].type == "call.digits") {
        const auto& id = out.calls[0].provider_id;
        if (id != out.calls[0].call_id + ":digits:1" && id != out.calls[0].call_id + ":digits:2")
            __builtin_trap();
    }
    return 0;
}
