#include "daemon/console/auth.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "daemon/log_text.hpp"

namespace ccd::daemon::console {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::size_t kTokenBytes = 32;  // 256 bits
constexpr std::size_t kTokenHexLength = kTokenBytes * 2;
// Sweep the throttle tables when they grow past this, so made-up names cannot fill memory.
constexpr std::size_t kSweepAbove = 4096;
// Addresses remembered per account, and in all, as having logged in.
constexpr std::size_t kKnownPerName = 16;
constexpr std::size_t kKnownAddresses = 10000;

void ensureSodium() {
    static const int rc = sodium_init();  // thread-safe once; later calls return 1
    if (rc < 0) throw std::runtime_error("libsodium cannot be initialised");
}

std::string toHex(const unsigned char* data, std::size_t size) {
    std::string out(size * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), data, size);
    out.pop_back();
    return out;
}

std::string sha256Hex(std::string_view text) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    return toHex(digest, sizeof digest);
}

bool isTokenShape(std::string_view token) {
    return token.size() == kTokenHexLength &&
           std::all_of(token.begin(), token.end(), [](unsigned char c) {
               return std::isdigit(c) || (c >= 'a' && c <= 'f');
           });
}

// A name someone typed, as it may appear in a log line: an account's name as it is; anything
// else (a typo, or a password typed into the name field) as a short hash that tells repeats
// apart without saying what was typed.
std::string loggedName(const config::AgentsConfig& accounts, const std::string& name) {
    if (accounts.find(name)) return "\"" + forLog(name, 64) + "\"";
    return "unknown name #" + sha256Hex(name).substr(0, 8);
}

Role roleOf(const config::AgentAccount& a) {
    return roleFromString(a.role).value_or(Role::Agent);
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
void remember(std::unordered_map<std::string, Clock::time_point>& seen, const std::string& key,
              Clock::time_point now, std::size_t cap) {
    seen[key] = now;
    if (seen.size() <= cap) return;
    auto oldest = seen.begin();
    for (auto it = seen.begin(); it != seen.end(); ++it) {
        if (it->second < oldest->second) oldest = it;
    }
    seen.erase(oldest);
}

std::string pairKey(const std::string& name, const std::string& address) {
    return address + '\n' + name;
}

}  // namespace

std::string_view toString(Role role) {
    switch (role) {
        case Role::Agent: return "agent";
        case Role::Supervisor: return "supervisor";
        case Role::Admin: return "admin";
    }
    return "agent";
}

bool atLeast(Role role, Role needed) { return static_cast<int>(role) >= static_cast<int>(needed); }

std::optional<Role> roleFromString(std::string_view name) {
    if (name == "agent") return Role::Agent;
    if (name == "supervisor") return Role::Supervisor;
    if (name == "admin") return Role::Admin;
    return std::nullopt;
}

struct AuthService::Impl {
    struct Session {
        std::string name;
        Role role = Role::Agent;
        std::string token_id;
        Clock::time_point expires_at;
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

    mutable std::mutex mutex;
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
};

AuthService::AuthService(config::AgentsConfigPtr accounts, std::chrono::seconds token_ttl,
                         ThrottlePolicy throttle) {
    ensureSodium();
    impl_ = std::make_unique<Impl>(std::move(accounts), token_ttl, throttle);
}

AuthService::~AuthService() = default;

std::string AuthService::hashPassword(std::string_view password) {
    ensureSodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("cannot hash the password: out of memory");
    return out;
}

bool AuthService::verifyPassword(const std::string& hash, std::string_view password) {
    ensureSodium();
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string AuthService::tokenId(std::string_view token) {
    ensureSodium();
    return sha256Hex(token).substr(0, 8);
}

std::optional<LoginResult> AuthService::throttled(std::string_view name_in,
                                                  std::string_view address_in,
                                                  Clock::time_point now) {
    const std::string name(name_in), address(address_in);
    std::lock_guard lock(impl_->mutex);
    auto wait = impl_->waitFor(name, address, now);
    if (wait.count() == 0) return std::nullopt;
    spdlog::warn("login: {} from {} refused: too many failed attempts (retry in {} s)",
                 loggedName(*impl_->accounts, name), forLog(address, 64), wait.count());
    LoginResult result;
    result.error = "throttled";
    result.retry_after = wait;
    return result;
}

bool AuthService::isKnownAddress(std::string_view address, Clock::time_point now) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->known_addresses.find(std::string(address));
    return it != impl_->known_addresses.end() && now - it->second <= impl_->throttle.known_for;
}

LoginResult AuthService::login(std::string_view name_in, std::string_view password,
                               std::string_view address_in, Clock::time_point now) {
    if (auto refused = throttled(name_in, address_in, now)) return *refused;
    LoginResult result;
    const std::string name(name_in), address(address_in);
    config::AgentsConfigPtr accounts;
    {
        std::lock_guard lock(impl_->mutex);
        accounts = impl_->accounts;
    }

    // The slow part runs without the lock.
    const config::AgentAccount* account = accounts->find(name);
    bool has_password = account && !account->password_hash.empty();
    bool ok = verifyPassword(has_password ? account->password_hash : impl_->dummy_hash, password);
    ok = ok && has_password;

    std::lock_guard lock(impl_->mutex);
    if (!ok) {
        impl_->sweep(impl_->by_pair, now);
        impl_->sweep(impl_->by_address, now);
        impl_->sweepNames(now);
        impl_->recordFailure(impl_->by_pair, pairKey(name, address),
                             impl_->throttle.pair_failures, now);
        impl_->recordFailure(impl_->by_address, address, impl_->throttle.address_failures, now);
        impl_->recordNameFailure(name, address, now);
        result.error = account && !has_password ? "no_password" : "invalid_credentials";
        spdlog::warn("login: {} from {} failed ({})", loggedName(*accounts, name),
                     forLog(address, 64), result.error);
        return result;
    }
    impl_->recordSuccess(name, address, now);
    for (auto it = impl_->sessions.begin(); it != impl_->sessions.end();) {
        if (it->second.expires_at <= now) it = impl_->sessions.erase(it);
        else ++it;
    }

    unsigned char random[kTokenBytes];
    randombytes_buf(random, sizeof random);
    std::string token = toHex(random, sizeof random);
    sodium_memzero(random, sizeof random);
    Impl::Session session{account->name, roleOf(*account), tokenId(token), now + impl_->token_ttl};
    impl_->sessions[sha256Hex(token)] = session;
    spdlog::info("login: {} ({}) from {}, token {}", session.name, toString(session.role),
                 forLog(address, 64), session.token_id);

    result.token = std::move(token);
    result.expires_at = session.expires_at;
    result.principal = Principal{session.name, session.role, session.token_id};
    return result;
}

bool AuthService::logout(std::string_view token) {
    if (!isTokenShape(token)) return false;
    auto key = sha256Hex(token);
    RevokedSession ended;
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->sessions.find(key);
        if (it == impl_->sessions.end()) return false;
        spdlog::info("logout: {}, token {}", it->second.name, it->second.token_id);
        ended = {it->second.name, it->second.token_id};
        impl_->sessions.erase(it);
    }
    impl_->notify({ended});
    return true;
}

std::optional<Principal> AuthService::validate(std::string_view token, Clock::time_point now) const {
    if (!isTokenShape(token)) return std::nullopt;
    auto key = sha256Hex(token);
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->sessions.find(key);
    if (it == impl_->sessions.end() || it->second.expires_at <= now) return std::nullopt;
    return Principal{it->second.name, it->second.role, it->second.token_id};
}

std::optional<std::string> AuthService::bearerToken(std::string_view header) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    header = trim(header);
    constexpr std::string_view kScheme = "bearer";
    if (header.size() <= kScheme.size() || (header[kScheme.size()] != ' ' &&
                                            header[kScheme.size()] != '\t'))
        return std::nullopt;
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
    }
    auto token = trim(header.substr(kScheme.size()));
    // RFC 6750 token68: letters, digits and -._~+/ then optional '=' padding.
    bool ok = !token.empty() && std::all_of(token.begin(), token.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' ||
               c == '/' || c == '=';
    });
    if (!ok) return std::nullopt;
    return std::string(token);
}

void AuthService::reload(config::AgentsConfigPtr accounts) {
    if (!accounts) accounts = std::make_shared<config::AgentsConfig>();
    std::vector<RevokedSession> ended;
    {
        std::lock_guard lock(impl_->mutex);
        const auto& old = *impl_->accounts;
        for (auto it = impl_->sessions.begin(); it != impl_->sessions.end();) {
            const auto* now_account = accounts->find(it->second.name);
            const auto* was = old.find(it->second.name);
            // A removed account, a changed password or one taken away ends the account's
            // sessions.
            if (!now_account || !was || now_account->password_hash != was->password_hash) {
                spdlog::info("reload: token {} of {} revoked ({})", it->second.token_id,
                             it->second.name,
                             !now_account                       ? "account removed"
                             : now_account->password_hash.empty() ? "password removed"
                                                                  : "password changed");
                ended.push_back({it->second.name, it->second.token_id});
                it = impl_->sessions.erase(it);
                continue;
            }
            it->second.role = roleOf(*now_account);
            ++it;
        }
        impl_->accounts = std::move(accounts);
    }
    impl_->notify(ended);
}

void AuthService::setRevocationListener(RevocationListener listener) {
    std::lock_guard lock(impl_->mutex);
    impl_->on_revoked = std::move(listener);
}

config::AgentsConfigPtr AuthService::accounts() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->accounts;
}

}  // namespace ccd::daemon::console
