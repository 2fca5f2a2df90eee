#include "daemon/console/auth.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <spdlog/spdlog.h>

namespace ccd::daemon::console {
namespace {

using Clock = std::chrono::system_clock;

constexpr std::size_t kTokenBytes = 32;  // 256 bits
constexpr std::size_t kTokenHexLength = kTokenBytes * 2;
// Sweep the throttle tables when they grow past this, so made-up names cannot fill memory.
constexpr std::size_t kSweepAbove = 4096;

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

// A user-supplied name as it may appear in a log line: printable ASCII, at most 64 characters.
std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
    if (s.size() > 64) out += "...";
    return out;
}

Role roleOf(const config::AgentAccount& a) {
    return roleFromString(a.role).value_or(Role::Agent);
}

// Failed logins of one key (an account name or an address).
struct Failures {
    int count = 0;
    Clock::time_point last{};
    Clock::time_point locked_until{};
};

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
        if (it == table.end() || it->second.locked_until <= now) return std::chrono::seconds(0);
        auto left = it->second.locked_until - now;
        auto secs = std::chrono::ceil<std::chrono::seconds>(left);
        return std::max(secs, std::chrono::seconds(1));
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

    void sweep(std::unordered_map<std::string, Failures>& table, Clock::time_point now) {
        if (table.size() <= kSweepAbove) return;
        for (auto it = table.begin(); it != table.end();) {
            if (now - it->second.last > throttle.window && it->second.locked_until <= now)
                it = table.erase(it);
            else ++it;
        }
    }

    mutable std::mutex mutex;
    config::AgentsConfigPtr accounts;
    std::chrono::seconds token_ttl;
    ThrottlePolicy throttle;
    std::string dummy_hash;
    std::unordered_map<std::string, Session> sessions;  // by SHA-256 of the token
    std::unordered_map<std::string, Failures> by_account;
    std::unordered_map<std::string, Failures> by_address;
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

LoginResult AuthService::login(std::string_view name_in, std::string_view password,
                               std::string_view address_in, Clock::time_point now) {
    LoginResult result;
    const std::string name(name_in), address(address_in);
    config::AgentsConfigPtr accounts;
    {
        std::lock_guard lock(impl_->mutex);
        auto wait = std::max(Impl::lockedFor(impl_->by_account, name, now),
                             Impl::lockedFor(impl_->by_address, address, now));
        if (wait.count() > 0) {
            spdlog::warn("login: \"{}\" from {} refused: too many failed attempts (retry in {} s)",
                         printable(name), printable(address), wait.count());
            result.error = "throttled";
            result.retry_after = wait;
            return result;
        }
        accounts = impl_->accounts;
    }

    // The slow part runs without the lock.
    const config::AgentAccount* account = accounts->find(name);
    bool has_password = account && !account->password_hash.empty();
    bool ok = verifyPassword(has_password ? account->password_hash : impl_->dummy_hash, password);
    ok = ok && has_password;

    std::lock_guard lock(impl_->mutex);
    if (!ok) {
        impl_->sweep(impl_->by_account, now);
        impl_->sweep(impl_->by_address, now);
        impl_->recordFailure(impl_->by_account, name, impl_->throttle.account_failures, now);
        impl_->recordFailure(impl_->by_address, address, impl_->throttle.address_failures, now);
        result.error = account && !has_password ? "no_password" : "invalid_credentials";
        spdlog::warn("login: \"{}\" from {} failed ({})", printable(name), printable(address),
                     result.error);
        return result;
    }
    impl_->by_account.erase(name);
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
                 printable(address), session.token_id);

    result.token = std::move(token);
    result.expires_at = session.expires_at;
    result.principal = Principal{session.name, session.role, session.token_id};
    return result;
}

bool AuthService::logout(std::string_view token) {
    if (!isTokenShape(token)) return false;
    auto key = sha256Hex(token);
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->sessions.find(key);
    if (it == impl_->sessions.end()) return false;
    spdlog::info("logout: {}, token {}", it->second.name, it->second.token_id);
    impl_->sessions.erase(it);
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
    std::lock_guard lock(impl_->mutex);
    const auto& old = *impl_->accounts;
    for (auto it = impl_->sessions.begin(); it != impl_->sessions.end();) {
        const auto* now_account = accounts->find(it->second.name);
        const auto* was = old.find(it->second.name);
        // A removed account or a changed password ends the account's sessions.
        if (!now_account || !was || now_account->password_hash != was->password_hash) {
            spdlog::info("reload: token {} of {} revoked ({})", it->second.token_id,
                         it->second.name, now_account ? "password changed" : "account removed");
            it = impl_->sessions.erase(it);
            continue;
        }
        it->second.role = roleOf(*now_account);
        ++it;
    }
    impl_->accounts = std::move(accounts);
}

config::AgentsConfigPtr AuthService::accounts() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->accounts;
}

}  // namespace ccd::daemon::console
