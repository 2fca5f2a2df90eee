// Fuzz target: agents.yaml and the passwords file beside the database (YAML from an operator or
// left behind by `ccd agent passwd`, never trusted to be well-formed). Any input gives accounts
// or a ConfigError with its issues, never a crash or another exception.

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/agents_config_parser.hpp"
#include "config/agents_passwords.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        auto cfg = ccd::config::parseAgentsConfig(text, "/fuzz/agents.yaml");
        if (!cfg) __builtin_trap();
        for (const auto& a : cfg->accounts) {
            if (a.name.empty() || a.name.size() > 64) __builtin_trap();
            if (!a.password_hash.empty() && !ccd::config::isArgon2idHash(a.password_hash))
                __builtin_trap();
        }
    } catch (const ccd::config::ConfigError& e) {
        if (e.issues().empty()) __builtin_trap();
    }
    try {
        auto hashes = ccd::config::parsePasswords(text, "/fuzz/passwords.yaml");
        for (const auto& [name, hash] : hashes)
            if (!ccd::config::isArgon2idHash(hash)) __builtin_trap();
        // What ccd writes, it reads back.
        if (ccd::config::parsePasswords(ccd::config::formatPasswords(hashes), "again") != hashes)
            __builtin_trap();
    } catch (const ccd::config::ConfigError& e) {
        if (e.issues().empty()) __builtin_trap();
    }
    return 0;
}
