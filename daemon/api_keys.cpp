#include "daemon/api_keys.hpp"

#include "channels/common/crypto.hpp"

namespace ccd::daemon {

namespace {
constexpr std::string_view kPrefix = "ccdk_";
constexpr auto kRefresh = std::chrono::seconds(10);
}  // namespace

std::optional<std::string> apiKeyId(std::string_view key) {
    if (key.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    key.remove_prefix(kPrefix.size());
    auto sep = key.find('_');
    if (sep == std::string_view::npos || sep == 0 || sep > 32 || sep + 1 >= key.size())
        return std::nullopt;
    return std::string(key.substr(0, sep));
}

std::pair<std::string, store::ApiKeyRecord> newApiKey(const std::string& client,
                                                      std::int64_t now_ms) {
    store::ApiKeyRecord r;
    r.key_id = channels::randomHex(6);
    std::string key = std::string(kPrefix) + r.key_id + "_" + channels::randomHex(20);
    r.client = client;
    r.key_hash = channels::sha256Hex(key);
    r.created_at_ms = now_ms;
    return {key, r};
}

// nullopt: not decided (the key id is unknown here); else the client or nullopt (refused).
std::optional<std::optional<std::string>> ApiKeys::check(std::string_view key) const {
    auto id = apiKeyId(key);
    if (!id) return std::optional<std::string>();
    std::lock_guard lock(mutex_);
    auto it = keys_.find(*id);
    if (it == keys_.end()) return std::nullopt;
    if (it->second.revoked_at_ms ||
        !channels::constantTimeEquals(channels::sha256Hex(key), it->second.key_hash))
        return std::optional<std::string>();
    return std::optional<std::string>(it->second.client);
}

void ApiKeys::authenticate(std::string key, std::function<void(std::optional<std::string>)> answer) {
    auto known = check(key);
    bool wait = false, start_reload = false;
    {
        std::lock_guard lock(mutex_);
        auto age = std::chrono::steady_clock::now() - loaded_at_;
        // Unknown key: a new one may have been created since the last read, even a read that
        // is in flight now: the answer comes from a read that starts after this request.
        wait = !loaded_ || !known;
        bool refresh = wait || age > kRefresh;
        if (wait) {
            waiters_.push_back([this, key, answer] {
                auto after = check(key);
                answer(after ? *after : std::nullopt);
            });
        }
        if (refresh && !reloading_) start_reload = reloading_ = true;
    }
    if (start_reload) reload();
    if (!wait) answer(known ? *known : std::nullopt);
}

void ApiKeys::reload() {
    {
        std::lock_guard lock(mutex_);
        reading_waiters_.swap(waiters_);
    }
    store_.loadApiKeys([this](store::StoreResult<std::vector<store::ApiKeyRecord>> r) {
        std::vector<std::function<void()>> answered;
        bool again = false;
        {
            std::lock_guard lock(mutex_);
            if (r) {
                keys_.clear();
                for (auto& k : *r.value) keys_[k.key_id] = std::move(k);
                loaded_ = true;
            }
            loaded_at_ = std::chrono::steady_clock::now();
            answered.swap(reading_waiters_);
            // Requests that came during this read wait for the next one.
            again = !waiters_.empty();
            reloading_ = again;
        }
        for (auto& w : answered) w();
        if (again) reload();
    });
}

}  // namespace ccd::daemon
