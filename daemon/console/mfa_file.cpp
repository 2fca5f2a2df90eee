#include "daemon/console/mfa_file.hpp"

#include <filesystem>

#include "config/agents_config_parser.hpp"
#include "config/config_error.hpp"
#include "config/yaml_reader.hpp"
#include "daemon/console/totp.hpp"

namespace ccd::daemon::console {

MfaRecords parseMfaFile(const std::string& text, const std::string& file) {
    config::YamlDocument doc(file, text);
    MfaRecords out;
    config::NodeRef root = doc.root();
    if (root.present() && root.expectMap({"accounts"})) {
        auto list = root["accounts"];
        if (list.expectNamedEntries()) {
            for (const auto& [name, node] : list.entries()) {
                if (!node.expectMap({"secret", "last_step", "recovery"})) continue;
                MfaRecord record;
                auto secret = node["secret"];
                if (secret.require()) {
                    auto s = secret.string();
                    auto key = s ? totp::base32Decode(*s) : std::nullopt;
                    if (s && (!key || key->size() < 10))
                        secret.error("not a base32 secret of at least 80 bits; reset it with: "
                                     "ccd agent mfa reset " + name);
                    else if (s) record.secret = *s;
                }
                if (auto step = node["last_step"].integer(-1, INT64_MAX / 2))
                    record.last_step = *step;
                auto recovery = node["recovery"];
                if (recovery.present() && recovery.expectSequence()) {
                    for (const auto& item : recovery.items()) {
                        auto hash = item.string();
                        if (hash && !config::isArgon2idHash(*hash))
                            item.error("not an argon2id hash");
                        else if (hash) record.recovery_hashes.push_back(*hash);
                    }
                }
                out[name] = std::move(record);
            }
        }
    }
    doc.throwIfIssues();
    return out;
}

MfaRecords loadMfaFile(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) return {};
    return parseMfaFile(config::readConfigFile(path), path);
}

std::string formatMfaFile(const MfaRecords& records) {
    std::string out =
        "# MFA (TOTP) of console accounts: run-time state, written by ccd (enrolment on the\n"
        "# console's account page; `ccd agent mfa reset NAME` removes an account's). Secrets:\n"
        "# keep this file private (mode 0600).\n"
        "accounts:";
    if (records.empty()) return out + " {}\n";
    out += "\n";
    for (const auto& [name, r] : records) {
        out += "  \"" + name + "\":\n";
        out += "    secret: \"" + r.secret + "\"\n";
        out += "    last_step: " + std::to_string(r.last_step) + "\n";
        out += "    recovery: [";
        for (std::size_t i = 0; i < r.recovery_hashes.size(); ++i)
            out += (i ? ", \"" : "\"") + r.recovery_hashes[i] + "\"";
        out += "]\n";
    }
    return out;
}

}  // namespace ccd::daemon::console
