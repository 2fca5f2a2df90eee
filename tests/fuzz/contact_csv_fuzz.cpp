// Fuzz target: the contacts CSV import parser (a file from a CRM export; untrusted text).
// Built as a libFuzzer binary with clang (tests/fuzz/run.sh) and replayed from its seed corpus
// in every build.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "channels/api/contact_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto out = ccd::channels::api::parseContactCsv(text);
    // Contacts only without problems, one line per contact, each with a key.
    if (!out.problems.empty() && !out.contacts.empty()) __builtin_trap();
    if (out.contacts.size() != out.lines.size()) __builtin_trap();
    for (const auto& c : out.contacts)
        if (ccd::channels::api::checkKey(c.key)) __builtin_trap();
    for (const auto& p : out.problems)
        if (p.line == 0 || p.column.empty()) __builtin_trap();
    return 0;
}
