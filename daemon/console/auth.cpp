#include "daemon/console/auth.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "daemon/console/auth_impl.hpp"
#include "daemon/log_text.hpp"

namespace ccd::daemon::console {

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
    std::string id = sha256Hex(token).substr(0, 8);
    // Starts with a letter: the logs mask runs of 7 or more digits as phone numbers, and an id
    // of 8 digits (one token in 43) would be logged as "48****07", not findable.
    if (id[0] >= '0' && id[0] <= '9') id[0] = "abcdef"[(id[0] - '0') % 6];
    return id;
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
                               std::string_view address_in, Clock::time_point now,
                               std::string_view code) {
    if (auto refused = throttled(name_in, address_in, now)) return *refused;
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

    if (ok) return persisted(passwordAccepted(*account, code, address, now), now);
    LoginResult result;
    std::lock_guard lock(impl_->mutex);
    impl_->recordLoginFailure(name, address, now);
    result.error = account && !has_password ? "no_password" : "invalid_credentials";
    spdlog::warn("login: {} from {} failed ({})", loggedName(*accounts, name),
                 forLog(address, 64), result.error);
    return result;
}

bool AuthService::logout(std::string_view token, std::function<void(bool stored)> stored) {
    auto nothing = [&stored] {
        if (stored) stored(true);
        return false;
    };
    if (!isTokenShape(token)) return nothing();
    auto key = sha256Hex(token);
    RevokedSession ended;
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->sessions.find(key);
        if (it == impl_->sessions.end()) return nothing();
        spdlog::info("logout: {}, token {}", it->second.name, it->second.token_id);
        ended = {it->second.name, it->second.token_id};
        impl_->sessions.erase(it);
    }
    impl_->notify({ended});
    impl_->forgetSessions({key}, std::move(stored));
    return true;
}

std::optional<Principal> AuthService::validate(std::string_view token, Clock::time_point now) const {
    if (!isTokenShape(token)) return std::nullopt;
    auto key = sha256Hex(token);
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->sessions.find(key);
    if (it == impl_->sessions.end() || it->second.expires_at <= now ||
        it->second.enrolment_only)
        return std::nullopt;
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
    std::vector<std::string> ended_hashes;
    std::vector<store::SessionRow> changed;  // sessions whose role changed
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
                ended_hashes.push_back(it->first);
                it = impl_->sessions.erase(it);
                continue;
            }
            if (it->second.role != roleOf(*now_account)) {
                it->second.role = roleOf(*now_account);
                changed.push_back(Impl::rowOf(it->first, it->second));
            }
            ++it;
        }
        impl_->accounts = std::move(accounts);
    }
    impl_->notify(ended);
    impl_->forgetSessions(std::move(ended_hashes));
    // No sweep: a reload has no time of its own (logins and the next start sweep).
    impl_->storeSessions(std::move(changed), Clock::time_point{});
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
