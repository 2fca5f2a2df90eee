#include "daemon/console/mfa.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "config/config_error.hpp"
#include "daemon/console/mfa_file.hpp"
#include "daemon/console/qr_svg.hpp"
#include "daemon/console/totp.hpp"
#include "daemon/state_file.hpp"

namespace ccd::daemon::console {
namespace {

using Clock = std::chrono::system_clock;

// Recovery codes: 12 symbols of base32 (60 bits), shown as xxxx-xxxx-xxxx. With that much
// entropy a light argon2id suffices, and checking all ten at a login stays quick.
constexpr std::size_t kRecoverySymbols = 12;
constexpr unsigned long long kRecoveryOps = 2;
constexpr std::size_t kRecoveryMemory = 8 * 1024 * 1024;

std::int64_t unixSeconds(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool isTotpShape(const std::string& code) {
    return code.size() == static_cast<std::size_t>(totp::kDigits) &&
           std::all_of(code.begin(), code.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string newRecoveryCode() {
    static constexpr char kSymbols[] = "abcdefghijklmnopqrstuvwxyz234567";
    std::string out;
    for (std::size_t i = 0; i < kRecoverySymbols; ++i) {
        if (i > 0 && i % 4 == 0) out.push_back('-');
        out.push_back(kSymbols[randombytes_uniform(32)]);
    }
    return out;
}

std::string hashRecoveryCode(const std::string& normalized) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, normalized.data(), normalized.size(), kRecoveryOps,
                              kRecoveryMemory, crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("cannot hash a recovery code: out of memory");
    return out;
}

// The records of the file, or nullopt after logging why not.
std::optional<MfaRecords> readRecords(const std::string& path) {
    try {
        return loadMfaFile(path);
    } catch (const config::ConfigError& e) {
        for (const auto& issue : e.issues()) spdlog::error("mfa: {}", issue.format());
    } catch (const std::exception& e) {
        spdlog::error("mfa: cannot read {}: {}", path, e.what());
    }
    return std::nullopt;
}

}  // namespace

MfaService::MfaService(std::string path, std::string issuer)
    : path_(std::move(path)), issuer_(std::move(issuer)) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
}

void MfaService::setIssuer(std::string issuer) {
    std::lock_guard lock(mutex_);
    issuer_ = std::move(issuer);
}

std::string MfaService::normalizeCode(const std::string& code) {
    std::string out;
    for (unsigned char c : code) {
        if (c == ' ' || c == '-') continue;
        out.push_back(static_cast<char>(std::tolower(c)));
    }
    return out;
}

std::optional<MfaService::State> MfaService::state(const std::string& name) const {
    auto records = readRecords(path_);
    if (!records) return std::nullopt;
    State out;
    if (auto it = records->find(name); it != records->end()) {
        out.enabled = true;
        out.recovery_codes_left = it->second.recovery_hashes.size();
    }
    return out;
}

MfaOutcome MfaService::begin(const std::string& name, Clock::time_point now, MfaEnrolment& out) {
    auto current = state(name);
    if (!current) return MfaOutcome::Unavailable;
    if (current->enabled) return MfaOutcome::AlreadyEnabled;
    totp::Bytes key(totp::kSecretBytes);
    randombytes_buf(key.data(), key.size());
    std::lock_guard lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.expires_at <= now) it = pending_.erase(it);
        else ++it;
    }
    out.secret = totp::base32Encode(key, false);
    out.otpauth_uri = totp::otpauthUri(issuer_, name, key);
    out.qr_svg = qrSvg(out.otpauth_uri).value_or("");
    out.expires_at = now + kEnrolmentTtl;
    sodium_memzero(key.data(), key.size());
    pending_[name] = Pending{out.secret, out.expires_at};
    spdlog::info("mfa: {} began an enrolment", name);
    return MfaOutcome::Ok;
}

MfaOutcome MfaService::confirm(const std::string& name, const std::string& code_in,
                               Clock::time_point now, std::vector<std::string>& recovery_codes) {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(name);
    if (it == pending_.end() || it->second.expires_at <= now) {
        if (it != pending_.end()) pending_.erase(it);
        return MfaOutcome::NoEnrolment;
    }
    auto key = totp::base32Decode(it->second.secret).value_or(totp::Bytes{});
    auto code = normalizeCode(code_in);
    auto step = isTotpShape(code) ? totp::match(key, code, unixSeconds(now), -1) : std::nullopt;
    sodium_memzero(key.data(), key.size());
    if (!step) return MfaOutcome::WrongCode;

    std::vector<std::string> codes;
    MfaRecord record;
    record.secret = it->second.secret;
    record.last_step = *step;  // the confirming code is used
    for (std::size_t i = 0; i < kRecoveryCodes; ++i) {
        codes.push_back(newRecoveryCode());
        record.recovery_hashes.push_back(hashRecoveryCode(normalizeCode(codes.back())));
    }
    try {
        StateFolderLock folder(path_);
        auto records = loadMfaFile(path_);
        if (records.count(name)) return MfaOutcome::AlreadyEnabled;
        records[name] = std::move(record);
        writeStateFile(path_, formatMfaFile(records));
    } catch (const config::ConfigError& e) {
        for (const auto& issue : e.issues()) spdlog::error("mfa: {}", issue.format());
        return MfaOutcome::Unavailable;
    } catch (const std::exception& e) {
        spdlog::error("mfa: cannot save the enrolment of {}: {}", name, e.what());
        return MfaOutcome::Unavailable;
    }
    pending_.erase(it);
    recovery_codes = std::move(codes);
    spdlog::info("mfa: {} enabled MFA ({} recovery codes)", name, kRecoveryCodes);
    return MfaOutcome::Ok;
}

MfaOutcome MfaService::verify(const std::string& name, const std::string& code_in,
                              Clock::time_point now) {
    auto code = normalizeCode(code_in);
    std::lock_guard lock(mutex_);
    try {
        StateFolderLock folder(path_);
        auto records = loadMfaFile(path_);
        auto it = records.find(name);
        if (it == records.end()) return MfaOutcome::NotEnabled;
        auto& record = it->second;
        MfaOutcome outcome = MfaOutcome::WrongCode;
        if (isTotpShape(code)) {
            auto key = totp::base32Decode(record.secret).value_or(totp::Bytes{});
            auto step = totp::match(key, code, unixSeconds(now), record.last_step);
            // A right code of a step already used is told apart, so the user waits for the next.
            bool replayed = !step && totp::match(key, code, unixSeconds(now), -1).has_value();
            sodium_memzero(key.data(), key.size());
            if (replayed) return MfaOutcome::Replayed;
            if (!step) return MfaOutcome::WrongCode;
            record.last_step = *step;
            outcome = MfaOutcome::Ok;
        } else if (code.size() == kRecoverySymbols) {
            auto& hashes = record.recovery_hashes;
            auto used = std::find_if(hashes.begin(), hashes.end(), [&](const std::string& h) {
                return crypto_pwhash_str_verify(h.c_str(), code.data(), code.size()) == 0;
            });
            if (used == hashes.end()) return MfaOutcome::WrongCode;
            hashes.erase(used);
            outcome = MfaOutcome::RecoveryCodeUsed;
            spdlog::warn("mfa: {} used a recovery code ({} left)", name, hashes.size());
        } else {
            return MfaOutcome::WrongCode;
        }
        writeStateFile(path_, formatMfaFile(records));
        return outcome;
    } catch (const config::ConfigError& e) {
        for (const auto& issue : e.issues()) spdlog::error("mfa: {}", issue.format());
    } catch (const std::exception& e) {
        spdlog::error("mfa: cannot check the code of {}: {}", name, e.what());
    }
    return MfaOutcome::Unavailable;
}

MfaOutcome MfaService::disable(const std::string& name, const std::string& code,
                               Clock::time_point now) {
    if (!isTotpShape(normalizeCode(code))) {
        auto current = state(name);
        if (!current) return MfaOutcome::Unavailable;
        return current->enabled ? MfaOutcome::WrongCode : MfaOutcome::NotEnabled;
    }
    auto outcome = verify(name, code, now);  // spends the code's step
    if (outcome != MfaOutcome::Ok) return outcome;
    std::lock_guard lock(mutex_);
    try {
        StateFolderLock folder(path_);
        auto records = loadMfaFile(path_);
        records.erase(name);
        writeStateFile(path_, formatMfaFile(records));
    } catch (const config::ConfigError& e) {
        for (const auto& issue : e.issues()) spdlog::error("mfa: {}", issue.format());
        return MfaOutcome::Unavailable;
    } catch (const std::exception& e) {
        spdlog::error("mfa: cannot disable MFA of {}: {}", name, e.what());
        return MfaOutcome::Unavailable;
    }
    spdlog::info("mfa: {} disabled MFA", name);
    return MfaOutcome::Ok;
}

bool MfaService::reset(const std::string& path, const std::string& name) {
    StateFolderLock folder(path);
    auto records = loadMfaFile(path);
    if (!records.erase(name)) return false;
    writeStateFile(path, formatMfaFile(records));
    return true;
}

}  // namespace ccd::daemon::console
