#pragma once
// A SessionStore in memory for AuthService's tests: answers at once on the caller's thread, and
// fails every write while `fail_writes` is set (a store that is down).

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/store/session_store.hpp"

namespace ccd::testing {

class FakeSessionStore final : public store::SessionStore {
  public:
    void putSessions(std::vector<store::SessionRow> rows, std::int64_t now_ms,
                     std::function<void(store::StoreResult<std::size_t>)> done) override {
        std::size_t swept = 0;
        {
            std::lock_guard lock(mutex_);
            if (fail_writes) return done(store::StoreResult<std::size_t>::fail("disk full"));
            for (auto& r : rows) rows_[r.token_hash] = std::move(r);
            for (auto it = rows_.begin(); it != rows_.end();) {
                if (it->second.expires_at_ms <= now_ms) {
                    it = rows_.erase(it);
                    ++swept;
                } else {
                    ++it;
                }
            }
        }
        done(store::StoreResult<std::size_t>::ok(swept));
    }
    void deleteSessions(std::vector<std::string> token_hashes,
                        std::function<void(store::StoreResult<std::size_t>)> done) override {
        std::size_t deleted = 0;
        {
            std::lock_guard lock(mutex_);
            if (fail_writes) return done(store::StoreResult<std::size_t>::fail("disk full"));
            for (const auto& h : token_hashes) deleted += rows_.erase(h);
        }
        done(store::StoreResult<std::size_t>::ok(deleted));
    }
    void loadSessions(
        std::int64_t now_ms,
        std::function<void(store::StoreResult<std::vector<store::SessionRow>>)> done) override {
        std::vector<store::SessionRow> out;
        {
            std::lock_guard lock(mutex_);
            for (const auto& [hash, r] : rows_)
                if (r.expires_at_ms > now_ms) out.push_back(r);
        }
        done(store::StoreResult<std::vector<store::SessionRow>>::ok(std::move(out)));
    }

    std::map<std::string, store::SessionRow> rows() const {
        std::lock_guard lock(mutex_);
        return rows_;
    }

    bool fail_writes = false;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, store::SessionRow> rows_;
};

}  // namespace ccd::testing
