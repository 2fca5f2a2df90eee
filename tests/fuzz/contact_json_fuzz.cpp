// Fuzz target: the PUT /v1/contacts/{key} body parser (untrusted JSON from the network).
// Built as a libFuzzer binary with clang (tests/fuzz/run.sh) and, in every build, linked with
// replay_main.cpp, which runs the seed corpus through it as a CTest test.

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <string>

#include "channels/api/contact_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string body(reinterpret_cast<const char*>(data), size);
    // A first byte '#' also fuzzes the key with the start of the body.
    std::string key = size > 1 && data[0] == '#' ? body.substr(1, std::min<std::size_t>(size - 1, 40))
                                                 : std::string("C-1");
    auto out = ccd::channels::api::parseContactJson("application/json", body, key);
    // Exactly one of: a 4xx rejection, or a contact whose fields passed the checks.
    if (out.rejection) {
        if (out.contact || out.rejection->status < 400 || out.rejection->status > 499)
            __builtin_trap();
        return 0;
    }
    if (!out.contact || out.contact->key != key) __builtin_trap();
    const auto& c = *out.contact;
    if (c.email) {
        std::string e = *c.email;
        if (ccd::channels::api::normalizeEmail(e) || e != *c.email) __builtin_trap();
    }
    if (c.phone && ccd::channels::api::checkPhone(*c.phone)) __builtin_trap();
    if (c.products) {
        for (const auto& p : *c.products)
            if (ccd::channels::api::checkProduct(p)) __builtin_trap();
    }
    for (const auto& [channel, address] : c.addresses)
        if (!ccd::channels::api::isContactChannel(channel)) __builtin_trap();
    return 0;
}
