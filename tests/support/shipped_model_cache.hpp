#pragma once
// The shipped configuration's trained classifier through the model cache every ccd process
// shares (config/model_file_store.hpp: $CCD_MODEL_CACHE, else the user's cache directory): the
// test programs and the daemons the suite starts train it once between them instead of once
// each (ten seconds a program under the sanitizers). Only that model: the many small
// configurations the tests make are trained as before and never crowd it out of the cache.

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "config/env.hpp"
#include "config/model_file_store.hpp"
#include "routing/classify/classifier.hpp"
#include "routing/classify/model_store.hpp"
#include "routing/engine.hpp"

namespace ccd::testing {

/// A ModelStore that passes one key to `files` and keeps nothing else.
class OneModelStore final : public routing::ModelStore {
  public:
    OneModelStore(std::string key, std::shared_ptr<routing::ModelStore> files)
        : key_(std::move(key)), files_(std::move(files)) {}
    std::optional<std::string> load(const std::string& key) override {
        return mine(key) ? files_->load(key) : std::nullopt;
    }
    void save(const std::string& key, const std::string& bytes) override {
        if (mine(key)) files_->save(key, bytes);
    }
    void reject(const std::string& key, const std::string& why) override {
        if (mine(key)) files_->reject(key, why);
    }

  private:
    bool mine(const std::string& key) const { return files_ && !key_.empty() && key == key_; }
    std::string key_;
    std::shared_ptr<routing::ModelStore> files_;
};

/// Installs, once per program, the store for `shipped` (the shipped classification section) as
/// the engines' (routing::setModelStore) and returns it.
inline routing::ModelStore& shippedModelCache(const routing::ClassifierConfig& shipped) {
    static const std::shared_ptr<OneModelStore> store = [&shipped] {
        std::shared_ptr<config::FileModelStore> files;
        if (auto dir = config::modelCacheDirectory(config::processEnv())) {
            files = std::make_shared<config::FileModelStore>(
                *dir, [](const std::string& m) { std::cerr << "model cache: " << m << '\n'; });
        }
        auto one = std::make_shared<OneModelStore>(routing::classifierModelKey(shipped), files);
        routing::setModelStore(one);
        return one;
    }();
    return *store;
}

}  // namespace ccd::testing
