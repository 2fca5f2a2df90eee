#include "config/agents_passwords.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/agents_config_parser.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::config {

PasswordHashes parsePasswords(const std::string& text, const std::string& file) {
    YamlDocument doc(file, text);
    PasswordHashes out;
    NodeRef root = doc.root();
    if (root.present() && root.expectMap({"passwords"})) {
        auto list = root["passwords"];
        if (list.expectNamedEntries()) {
            for (const auto& [name, value] : list.entries()) {
                auto hash = value.string();
                if (!hash) continue;
                if (!isArgon2idHash(*hash)) {
                    // The value is not repeated: it belongs to the file's owner.
                    value.error("not an argon2id hash; set the password again with: ccd agent "
                                "passwd " + name);
                    continue;
                }
                out[name] = *hash;
            }
        }
    }
    doc.throwIfIssues();
    return out;
}

PasswordHashes loadPasswords(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) return {};
    return parsePasswords(readConfigFile(path), path);
}

std::string formatPasswords(const PasswordHashes& hashes) {
    std::string out =
        "# Password hashes (argon2id) set with `ccd agent passwd NAME`: run-time state, written\n"
        "# by ccd. A hash here overrides the account's password_hash in agents.yaml.\n"
        "passwords:";
    if (hashes.empty()) return out + " {}\n";
    out += "\n";
    for (const auto& [name, hash] : hashes) out += "  \"" + name + "\": \"" + hash + "\"\n";
    return out;
}

AgentsConfigPtr loadAgentsWithPasswords(const std::string& agents_path,
                                        const std::string& passwords_path) {
    auto agents = loadAgentsConfig(agents_path);
    if (passwords_path.empty()) return agents;
    auto hashes = loadPasswords(passwords_path);
    if (hashes.empty()) return agents;
    auto merged = std::make_shared<AgentsConfig>(*agents);
    for (auto& account : merged->accounts) {
        auto it = hashes.find(account.name);
        if (it != hashes.end()) account.password_hash = it->second;
    }
    return merged;
}

}  // namespace ccd::config
