// Fuzz target: a WeChat Official Account XML message (untrusted XML, after the signature check).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "channels/wechat/wechat_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto out = ccd::channels::wechat::parseXmlMessage(body, ccd::routing::TimePoint{});
    if (out.rejection) {
        if (out.rejection->status != 400 || !out.empty()) __builtin_trap();
        return 0;
    }
    // Nothing with a DTD gets through.
    if (body.find("<!DOCTYPE") != std::string_view::npos ||
        body.find("<!ENTITY") != std::string_view::npos)
        __builtin_trap();
    for (const auto& m : out.messages) {
        if (m.provider_id.empty() || m.from.id.empty()) __builtin_trap();
    }
    return 0;
}
