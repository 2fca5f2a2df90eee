// Fuzz target: ccd.yaml parsing and validation (YAML from an operator, never trusted to be
// well-formed). Any input must give a configuration or a ConfigError, never a crash or another
// exception.

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/daemon_config_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "SET") return std::string("value");
        return std::nullopt;
    };
    try {
        auto cfg = ccd::config::parseDaemonConfig(text, "/fuzz/ccd.yaml", env);
        if (!cfg || cfg->server.threads < 1) __builtin_trap();
    } catch (const ccd::config::ConfigError& e) {
        if (e.issues().empty()) __builtin_trap();
    }
    return 0;
}
