// AuthService's second factor: the challenge a right password gets when the account has MFA
// on, the code that completes it, and the sessions that may only enrol (docs/security.md,
// "Multi-factor authentication"). Wrong codes count as failed logins (the same throttle as
// wrong passwords).

#include "daemon/console/auth.hpp"
#include "daemon/console/auth_impl.hpp"
#include "daemon/console/mfa.hpp"

namespace ccd::daemon::console {

bool MfaPolicy::requires(Role role) const {
    return std::find(required_for.begin(), required_for.end(), role) != required_for.end();
}

LoginResult AuthService::passwordAccepted(const config::AgentAccount& account,
                                          std::string_view code, const std::string& address,
                                          Clock::time_point now) {
    LoginResult result;
    std::shared_ptr<MfaService> mfa;
    MfaPolicy policy;
    {
        std::lock_guard lock(impl_->mutex);
        mfa = impl_->mfa;
        policy = impl_->mfa_policy;
    }
    bool enrolment_only = false;
    if (mfa) {
        auto state = mfa->state(account.name);
        if (!state) {
            result.error = "mfa_unavailable";  // fail closed: MFA may be on
            return result;
        }
        if (state->enabled) {
            if (!code.empty()) return checkCode(account, code, address, now);
            unsigned char random[kTokenBytes];
            randombytes_buf(random, sizeof random);
            std::string challenge = toHex(random, sizeof random);
            std::lock_guard lock(impl_->mutex);
            for (auto it = impl_->challenges.begin(); it != impl_->challenges.end();) {
                if (it->second.expires_at <= now) it = impl_->challenges.erase(it);
                else ++it;
            }
            impl_->challenges[sha256Hex(challenge)] =
                Impl::Challenge{account.name, address, now + kChallengeTtl, 0};
            spdlog::info("login: {} from {}: password right, waiting for the second factor",
                         account.name, forLog(address, 64));
            result.error = "mfa_required";
            result.challenge = std::move(challenge);
            result.challenge_expires_at = now + kChallengeTtl;
            return result;
        }
        enrolment_only = policy.requires(roleOf(account));
    }
    std::lock_guard lock(impl_->mutex);
    impl_->issueToken(account, address, now, enrolment_only, result);
    return result;
}

LoginResult AuthService::checkCode(const config::AgentAccount& account, std::string_view code,
                                   const std::string& address, Clock::time_point now) {
    LoginResult result;
    std::shared_ptr<MfaService> mfa = this->mfa();
    if (!mfa) {
        result.error = "mfa_unavailable";
        return result;
    }
    auto outcome = mfa->verify(account.name, std::string(code), now);
    if (outcome == MfaOutcome::RecoveryCodeUsed) {  // the file is read without the lock
        auto state = mfa->state(account.name);
        result.recovery_codes_left = state ? state->recovery_codes_left : 0;
    }
    std::lock_guard lock(impl_->mutex);
    switch (outcome) {
        case MfaOutcome::Ok:
        case MfaOutcome::RecoveryCodeUsed:
            impl_->issueToken(account, address, now, false, result);
            return result;
        case MfaOutcome::NotEnabled:
            // Reset by an admin since the password was checked: the password is enough now.
            impl_->issueToken(account, address, now,
                              impl_->mfa_policy.requires(roleOf(account)), result);
            return result;
        case MfaOutcome::WrongCode:
        case MfaOutcome::Replayed:
            impl_->recordLoginFailure(account.name, address, now);
            result.error = outcome == MfaOutcome::Replayed ? "code_used" : "invalid_code";
            spdlog::warn("login: \"{}\" from {} failed ({})", account.name, forLog(address, 64),
                         result.error);
            return result;
        default:
            result.error = "mfa_unavailable";
            return result;
    }
}

LoginResult AuthService::completeLogin(std::string_view name_in, std::string_view challenge,
                                       std::string_view code, std::string_view address_in,
                                       Clock::time_point now) {
    if (auto refused = throttled(name_in, address_in, now)) return *refused;
    const std::string name(name_in), address(address_in);
    const std::string key = isTokenShape(challenge) ? sha256Hex(challenge) : std::string();
    config::AgentsConfigPtr accounts;
    const config::AgentAccount* account = nullptr;
    LoginResult result;
    {
        std::lock_guard lock(impl_->mutex);
        accounts = impl_->accounts;
        account = accounts->find(name);
        auto it = impl_->challenges.find(key);
        bool valid = it != impl_->challenges.end() && it->second.name == name &&
                     it->second.address == address && it->second.expires_at > now && account;
        if (!valid) {
            impl_->recordLoginFailure(name, address, now);
            result.error = "invalid_challenge";
            spdlog::warn("login: {} from {} failed (invalid_challenge)",
                         loggedName(*accounts, name), forLog(address, 64));
            return result;
        }
    }
    result = persisted(checkCode(*account, code, address, now), now);
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->challenges.find(key);
    if (it == impl_->challenges.end()) return result;
    // The store or the MFA file unavailable is no wrong code: the challenge stays.
    if (result.token || result.error == "mfa_unavailable" ||
        result.error == "session_unavailable") {
        if (result.token) impl_->challenges.erase(it);
    } else if (++it->second.failures >= kChallengeAttempts) {
        impl_->challenges.erase(it);  // the next try needs the password again
    }
    return result;
}

void AuthService::recordFailedCode(std::string_view name, std::string_view address,
                                   Clock::time_point now) {
    std::lock_guard lock(impl_->mutex);
    impl_->recordLoginFailure(std::string(name), std::string(address), now);
    spdlog::warn("mfa: \"{}\" from {}: wrong code", forLog(name, 64), forLog(address, 64));
}

std::optional<Principal> AuthService::validateForEnrolment(std::string_view token,
                                                           Clock::time_point now) const {
    if (!isTokenShape(token)) return std::nullopt;
    auto key = sha256Hex(token);
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->sessions.find(key);
    if (it == impl_->sessions.end() || it->second.expires_at <= now) return std::nullopt;
    const auto& s = it->second;
    return Principal{s.name, s.role, s.token_id, s.enrolment_only};
}

void AuthService::endEnrolmentOnly(std::string_view token, Clock::time_point now) {
    if (!isTokenShape(token)) return;
    store::SessionRow row;
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->sessions.find(sha256Hex(token));
        if (it == impl_->sessions.end() || !it->second.enrolment_only) return;
        // Password and second factor both proved: a full session from now, for the usual time.
        it->second.enrolment_only = false;
        it->second.expires_at = now + impl_->token_ttl;
        spdlog::info("login: token {} of {} may do what its role may (enrolled in MFA)",
                     it->second.token_id, it->second.name);
        row = Impl::rowOf(it->first, it->second);
    }
    impl_->storeSessions({std::move(row)}, now);
}

void AuthService::setMfa(std::shared_ptr<MfaService> mfa, MfaPolicy policy) {
    std::lock_guard lock(impl_->mutex);
    impl_->mfa = std::move(mfa);
    impl_->mfa_policy = std::move(policy);
}

void AuthService::setMfaPolicy(MfaPolicy policy) {
    std::lock_guard lock(impl_->mutex);
    impl_->mfa_policy = std::move(policy);
}

std::shared_ptr<MfaService> AuthService::mfa() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->mfa;
}

MfaPolicy AuthService::mfaPolicy() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->mfa_policy;
}

}  // namespace ccd::daemon::console
