// Fuzz target: the generic API channel's body parser (untrusted JSON from the network).
// Built as a libFuzzer binary with clang (tests/fuzz/run.sh) and, in every build, linked into
// fuzz_replay, which runs the seed corpus through it under the test suite's sanitizers.

#include <cstddef>
#include <cstdint>
#include <string>

#include "channels/api/api_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ccd::channels::WebRequest request;
    request.method = "POST";
    request.target = "/v1/messages";
    request.headers.emplace_back("Content-Type", "application/json");
    if (size > 0 && data[0] == '!') request.headers.emplace_back("Idempotency-Key", "fuzz-key");
    request.body.assign(reinterpret_cast<const char*>(data), size);
    static const ccd::channels::api::ApiChannel channel;
    auto out = channel.parse(request, ccd::channels::ParseContext{});
    // Exactly one of: a rejection with an HTTP error status, or one message with the required
    // fields filled in.
    if (out.rejection) {
        if (out.rejection->status < 400 || out.rejection->status > 499 || !out.messages.empty())
            __builtin_trap();
    } else if (out.messages.size() != 1 || out.messages[0].from.id.empty()) {
        __builtin_trap();
    }
    return 0;
}
