#pragma once
// The shipped config/routing.yaml for unit tests and benchmarks, loaded once per program:
// loading reads the corpus (a fifth of a second), and the result is immutable, so every test of a
// program can share it. Its classifier comes from the model cache the ccd processes share
// (shipped_model_cache.hpp): engines built on it, and shippedTrainedClassifier(), load it from
// there when any process of the suite has trained it.

#include <memory>

#include "config/routing_config_parser.hpp"
#include "routing/classify/classifier.hpp"
#include "routing/classify/model_store.hpp"
#include "routing/routing_config.hpp"
#include "tests/support/shipped_model_cache.hpp"

namespace ccd::testing {

inline routing::RoutingConfigPtr shippedRouting() {
    static const routing::RoutingConfigPtr cfg = [] {
        auto loaded = config::loadRoutingConfig(CCD_SOURCE_DIR "/config/routing.yaml");
        shippedModelCache(loaded->classification);
        return loaded;
    }();
    return cfg;
}

/// The classifier of shippedRouting(), trained or loaded once per program; copy it to use it
/// (a copy shares the models).
inline std::shared_ptr<const routing::Classifier> shippedTrainedClassifier() {
    static const std::shared_ptr<const routing::Classifier> classifier = [] {
        const auto& config = shippedRouting()->classification;
        return routing::loadOrTrain(config, &shippedModelCache(config));
    }();
    return classifier;
}

}  // namespace ccd::testing
