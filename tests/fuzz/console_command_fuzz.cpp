// Fuzz target: the console's command parser (a text frame from an agent's websocket, untrusted
// until authenticated and never trusted to be well-formed). Any input gives a command within the
// documented limits or an error with a code, and the error frame built from it serializes.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/console/console_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view frame(reinterpret_cast<const char*>(data), size);
    auto out = ccd::daemon::console::parseCommand(frame);
    if (out.command) {
        const auto& c = *out.command;
        if (!out.error.code.empty()) __builtin_trap();
        if (c.id.size() > 128 || c.text.size() > 32768 || c.vars.size() > 32 ||
            c.token.size() > 256)
            __builtin_trap();
        for (const auto& [name, value] : c.vars)
            if (name.size() > 64 || value.size() > 1024) __builtin_trap();
    } else {
        if (out.error.code.empty()) __builtin_trap();
        auto text = ccd::daemon::console::errorFrame(out.error.code, out.error.reason, out.error.id);
        if (text.empty() || text.front() != '{') __builtin_trap();
    }
    return 0;
}
