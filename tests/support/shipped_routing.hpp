#pragma once
// The shipped config/routing.yaml for unit tests and benchmarks, loaded once per program:
// loading trains the classifier's models on the corpus (a fifth of a second), and the result is
// immutable, so every test of a program can share it.

#include "config/routing_config_parser.hpp"
#include "routing/routing_config.hpp"

namespace ccd::testing {

inline routing::RoutingConfigPtr shippedRouting() {
    static const routing::RoutingConfigPtr cfg =
        config::loadRoutingConfig(CCD_SOURCE_DIR "/config/routing.yaml");
    return cfg;
}

}  // namespace ccd::testing
