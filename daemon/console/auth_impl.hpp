#pragma once
// The inside of AuthService, shared by auth.cpp (passwords, tokens, throttling) and
// auth_mfa.cpp (the second factor at login). Private to those two files.

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "daemon/console/auth.hpp"
#include "daemon/log_text.hpp"
#include "daemon/store/session_store.hpp"

namespace ccd::daemon::console {
namespace auth_detail {

using Clock = std::chrono::system_clock;

inline constexpr std::size_t kTokenBytes = 32;  // 256 bits
inline constexpr std::size_t kTokenHexLength = kTokenBytes * 2;
// Sweep the throttle tables when they grow past this, so made-up names cannot fill memory.
inline constexpr std::size_t kSweepAbove = 4096;
// Addresses remembered per account, and in all, as having logged in.
inline constexpr std::size_t kKnownPerName = 16;
inline constexpr std::size_t kKnownAddresses = 10000;

inline void ensureSodium() {
    static const int rc = sodium_init();  // thread-safe once; later calls return 1
    if (rc < 0) throw std::runtime_error("libsodium cannot be initialised");
}

inline std::string toHex(const unsigned char* data, std::size_t size) {
    std::string out(size * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), data, size);
    out.pop_back();
    return out;
}

inline std::string sha256Hex(std::string_view text) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    return toHex(digest, sizeof digest);
}

inline bool isTokenShape(std::string_view token) {
    return token.size() == kTokenHexLength &&
           std::all_of(token.begin(), token.end(), [](unsigned char c) {
               return std::isdigit(c) || (c >= 'a' && c <= 'f');
           });
}

// A name someone typed, as it may appear in a log line: an account's name as it is; anything
// else (a typo, or a password typed into the name field) as a short hash that tells repeats
// apart without saying what was typed.
inline std::string loggedName(const config::AgentsConfig& accounts, const std::string& name) {
    if (accounts.find(name)) return "\"" + forLog(name, 64) + "\"";
    return "unknown name #" + sha256Hex(name).substr(0, 8);
}

inline Role roleOf(const config::AgentAccount& a) {
    return roleFromString(a.role).value_or(Role::Agent);
}

// What a stored session remembers of the account's password: a short hash of its (salted)
// argon2id string, which changes with every new password.
inline std::string credentialOf(const config::AgentAccount& a) {
    return sha256Hex(a.password_hash).substr(0, 16);
}

// Failed logins of one key (a name from an address, or an address).
struct Failures {
    int count = 0;
    Clock::time_point last{};
    Clock::time_point locked_until{};
};

// Failed logins of one name: from which addresses, last when.
struct NameFailures {
    std::unordered_map<std::string, Clock::time_point> addresses;
    Clock::time_point last{};
    Clock::time_point locked_until{};
};

// When each of a few addresses was last seen, at most `cap` of them (the oldest goes).
inline void remember(std::unordered_map<std::string, Clock::time_point>& seen, const std::string& key,
              Clock::time_point now, std::size_t cap) {
    seen[key] = now;
    if (seen.size() <= cap) return;
    auto oldest = seen.begin();
    for (auto it = seen.begin(); it != seen.end(); ++it) {
        if (it->second < oldest->second) oldest = it;
    }
    seen.erase(oldest);
}

inline std::string pairKey(const std::string& name, const std::string& address) {
    return address + '\n' + name;
}


}  // namespace auth_detail

using namespace auth_detail;  // a private header: auth.cpp and auth_mfa.cpp only

struct AuthService::Impl {
    struct Session {
        std::string name;
        Role role = Role::Agent;
        std::string token_id;
        Clock::time_point expires_at;
        bool enrolment_only = false;  // may only enrol in MFA (MfaPolicy)
        std::string credential;       // credentialOf(account) at login
        Clock::time_point created_at;
    };

    // A login whose password was right, waiting for its second factor.
    struct Challenge {
        std::string name;
        std::string address;
        Clock::time_point expires_at;
        int failures = 0;
    };

    Impl(config::AgentsConfigPtr a, std::chrono::seconds ttl, ThrottlePolicy t)
        : accounts(a ? std::move(a) : std::make_shared<config::AgentsConfig>()),
          token_ttl(ttl),
          throttle(t) {
        // Unknown names and accounts without a password are checked against this, so every
        // failure costs the same time as a wrong password.
        unsigned char random[16];
        randombytes_buf(random, sizeof random);
        dummy_hash = hashPassword(toHex(random, sizeof random));
    }

    // Seconds until `key` may try again (0: now).
    static std::chrono::seconds lockedFor(const std::unordered_map<std::string, Failures>& table,
                                          const std::string& key, Clock::time_point now) {
        auto it = table.find(key);
        if (it == table.end()) return std::chrono::seconds(0);
        return left(it->second.locked_until, now);
    }

    static std::chrono::seconds left(Clock::time_point until, Clock::time_point now) {
        if (until <= now) return std::chrono::seconds(0);
        auto secs = std::chrono::ceil<std::chrono::seconds>(until - now);
        return std::max(secs, std::chrono::seconds(1));
    }

    bool knownAs(const std::string& name, const std::string& address, Clock::time_point now) const {
        auto it = known_by_name.find(name);
        if (it == known_by_name.end()) return false;
        auto at = it->second.find(address);
        return at != it->second.end() && now - at->second <= throttle.known_for;
    }

    // Seconds `address` must wait before trying `name`. Under the mutex.
    std::chrono::seconds waitFor(const std::string& name, const std::string& address,
                                 Clock::time_point now) const {
        auto wait = std::max(lockedFor(by_pair, pairKey(name, address), now),
                             lockedFor(by_address, address, now));
        if (auto it = by_name.find(name); it != by_name.end() && !knownAs(name, address, now))
            wait = std::max(wait, left(it->second.locked_until, now));
        return wait;
    }

    void recordFailure(std::unordered_map<std::string, Failures>& table, const std::string& key,
                       int limit, Clock::time_point now) {
        auto& f = table[key];
        if (f.count > 0 && now - f.last > throttle.window) f.count = 0;
        ++f.count;
        f.last = now;
        if (f.count >= limit) {
            auto lockout = throttle.base_lockout;
            for (int i = limit; i < f.count && lockout < throttle.max_lockout; ++i) lockout *= 2;
            f.locked_until = now + std::min(lockout, throttle.max_lockout);
        }
    }

    // A name failing from many addresses is locked briefly (for addresses it is not known at).
    void recordNameFailure(const std::string& name, const std::string& address,
                           Clock::time_point now) {
        auto& f = by_name[name];
        for (auto it = f.addresses.begin(); it != f.addresses.end();) {
            if (now - it->second > throttle.window) it = f.addresses.erase(it);
            else ++it;
        }
        auto needed = static_cast<std::size_t>(std::max(throttle.name_addresses, 1));
        remember(f.addresses, address, now, needed);
        f.last = now;
        if (f.addresses.size() >= needed) f.locked_until = now + throttle.name_lockout;
    }

    void recordSuccess(const std::string& name, const std::string& address, Clock::time_point now) {
        by_pair.erase(pairKey(name, address));
        remember(known_by_name[name], address, now, kKnownPerName);
        if (known_addresses.size() >= kKnownAddresses) {
            for (auto it = known_addresses.begin(); it != known_addresses.end();) {
                if (now - it->second > throttle.known_for) it = known_addresses.erase(it);
                else ++it;
            }
        }
        remember(known_addresses, address, now, kKnownAddresses);
    }

    void sweep(std::unordered_map<std::string, Failures>& table, Clock::time_point now) {
        if (table.size() <= kSweepAbove) return;
        for (auto it = table.begin(); it != table.end();) {
            if (now - it->second.last > throttle.window && it->second.locked_until <= now)
                it = table.erase(it);
            else ++it;
        }
    }

    void sweepNames(Clock::time_point now) {
        if (by_name.size() <= kSweepAbove) return;
        for (auto it = by_name.begin(); it != by_name.end();) {
            if (now - it->second.last > throttle.window && it->second.locked_until <= now)
                it = by_name.erase(it);
            else ++it;
        }
    }

    // The listener, called with no lock held.
    void notify(const std::vector<RevokedSession>& revoked) {
        if (revoked.empty()) return;
        RevocationListener listener;
        {
            std::lock_guard lock(mutex);
            listener = on_revoked;
        }
        if (listener) listener(revoked);
    }

    // A failed login (a wrong password or second factor) of `name` from `address`. Under the
    // mutex.
    void recordLoginFailure(const std::string& name, const std::string& address,
                            Clock::time_point now) {
        sweep(by_pair, now);
        sweep(by_address, now);
        sweepNames(now);
        recordFailure(by_pair, pairKey(name, address), throttle.pair_failures, now);
        recordFailure(by_address, address, throttle.address_failures, now);
        recordNameFailure(name, address, now);
    }

    // A new session of `account`, in `result`. Under the mutex.
    void issueToken(const config::AgentAccount& account, const std::string& address,
                    Clock::time_point now, bool enrolment_only, LoginResult& result) {
        recordSuccess(account.name, address, now);
        for (auto it = sessions.begin(); it != sessions.end();) {
            if (it->second.expires_at <= now) it = sessions.erase(it);
            else ++it;
        }
        unsigned char random[kTokenBytes];
        randombytes_buf(random, sizeof random);
        std::string token = toHex(random, sizeof random);
        sodium_memzero(random, sizeof random);
        auto ttl = enrolment_only ? std::min<std::chrono::seconds>(
                                        token_ttl, AuthService::kEnrolmentSessionTtl)
                                  : token_ttl;
        Session session{account.name, roleOf(account), AuthService::tokenId(token), now + ttl,
                        enrolment_only, credentialOf(account), now};
        sessions[sha256Hex(token)] = session;
        spdlog::info("login: {} ({}) from {}, token {}{}", session.name, toString(session.role),
                     forLog(address, 64), session.token_id,
                     enrolment_only ? " (may only enrol in MFA)" : "");
        result.token = std::move(token);
        result.expires_at = session.expires_at;
        result.principal =
            Principal{session.name, session.role, session.token_id, session.enrolment_only};
    }

    // The store's copy of the sessions (auth_sessions.cpp). Called with no lock held; neither
    // waits for the store.
    static store::SessionRow rowOf(const std::string& token_hash, const Session& session);
    // Writes (inserts or replaces) the rows, and deletes the sessions expired at `sweep_at`
    // (none at the epoch); a failure is logged.
    void storeSessions(std::vector<store::SessionRow> rows, Clock::time_point sweep_at);
    // Deletes the sessions of these token hashes; `done`, when set, is called once, with
    // whether the store has done it (true without a store).
    void forgetSessions(std::vector<std::string> token_hashes,
                        std::function<void(bool)> done = nullptr);

    mutable std::mutex mutex;
    store::SessionStore* session_store = nullptr;  // null: sessions in memory only
    config::AgentsConfigPtr accounts;
    std::chrono::seconds token_ttl;
    ThrottlePolicy throttle;
    std::string dummy_hash;
    std::unordered_map<std::string, Session> sessions;  // by SHA-256 of the token
    std::unordered_map<std::string, Failures> by_pair;     // pairKey(name, address)
    std::unordered_map<std::string, Failures> by_address;
    std::unordered_map<std::string, NameFailures> by_name;
    std::unordered_map<std::string, std::unordered_map<std::string, Clock::time_point>>
        known_by_name;  // name -> addresses it logged in from
    std::unordered_map<std::string, Clock::time_point> known_addresses;
    RevocationListener on_revoked;
    std::unordered_map<std::string, Challenge> challenges;  // by SHA-256 of the challenge
    std::shared_ptr<MfaService> mfa;
    MfaPolicy mfa_policy;
};

}  // namespace ccd::daemon::console
