#pragma once
// A ModelStore in memory (routing/classify/model_store.hpp), counting what it is asked.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "routing/classify/model_store.hpp"

namespace ccd::testing {

class FakeModelStore final : public routing::ModelStore {
  public:
    std::optional<std::string> load(const std::string& key) override {
        std::lock_guard lock(mutex_);
        ++loads;
        const auto it = models.find(key);
        if (it == models.end()) return std::nullopt;
        return it->second;
    }
    void save(const std::string& key, const std::string& bytes) override {
        std::lock_guard lock(mutex_);
        ++saves;
        models[key] = bytes;
    }
    void reject(const std::string& key, const std::string& why) override {
        std::lock_guard lock(mutex_);
        rejected.push_back(key + ": " + why);
        models.erase(key);
    }

    std::map<std::string, std::string> models;
    int loads = 0;
    int saves = 0;
    std::vector<std::string> rejected;

  private:
    std::mutex mutex_;
};

}  // namespace ccd::testing
