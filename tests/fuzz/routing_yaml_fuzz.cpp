// Fuzz target: routing.yaml (business hours, SLA policies, queues, rules, classification; YAML
// from an operator, never trusted to be well-formed). Any input gives a routing configuration
// or a ConfigError with its issues, never a crash or another exception.

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/routing_config_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        auto cfg = ccd::config::parseRoutingConfig(text, "/fuzz/routing.yaml");
        if (!cfg) __builtin_trap();
    } catch (const ccd::config::ConfigError& e) {
        if (e.issues().empty()) __builtin_trap();
    }
    return 0;
}
