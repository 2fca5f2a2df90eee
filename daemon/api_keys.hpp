#pragma once
// API clients' keys: `ccdk_<id>_<secret>`, shown once by `ccd api-key create` and stored as a
// SHA-256 hash only (the key is random, so a fast hash is enough; nothing to brute-force). The
// daemon checks keys in memory against what the store holds, reading it again every 10 s and
// whenever an unknown key arrives, so a new key works at once and a revoked one stops within
// seconds. Reads never overlap: requests that arrive during one wait for the next, which starts
// when it ends, so a flood of made-up keys costs one small read at a time.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/store/store.hpp"

namespace ccd::daemon {

/// The public part of a key ("ccdk_<id>_..." → "<id>"), or nullopt when it is not a ccd key.
std::optional<std::string> apiKeyId(std::string_view key);

/// A new random key for `client`: the key to show once, and the record to store.
std::pair<std::string, store::ApiKeyRecord> newApiKey(const std::string& client,
                                                      std::int64_t now_ms);

/// Thread safety: every method may be called from any thread.
class ApiKeys {
public:
    explicit ApiKeys(store::Store& store) : store_(store) {}

    /// Calls `answer` exactly once, maybe on a store thread, with the client the key belongs
    /// to, or nullopt for a key that is unknown, malformed or revoked.
    void authenticate(std::string key, std::function<void(std::optional<std::string>)> answer);

private:
    std::optional<std::optional<std::string>> check(std::string_view key) const;
    void reload();

    store::Store& store_;
    mutable std::mutex mutex_;
    std::map<std::string, store::ApiKeyRecord> keys_;  ///< by key id
    std::chrono::steady_clock::time_point loaded_at_{};
    bool loaded_ = false;
    bool reloading_ = false;
    /// Requests waiting for a read that starts after they arrived (the next one) ...
    std::vector<std::function<void()>> waiters_;
    /// ... and those the read in flight answers.
    std::vector<std::function<void()>> reading_waiters_;
};

}  // namespace ccd::daemon
