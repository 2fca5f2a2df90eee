#pragma once
// The people who work in the console (config/agents.yaml): agents, supervisors and admins, with
// skills, languages, capacity, teams and an argon2id password hash. Parsed by
// config/agents_config_parser; shared as std::shared_ptr<const AgentsConfig>.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "routing/agents.hpp"

namespace ccd::config {

/// One account.
struct AgentAccount {
    std::string name;          ///< login name and agent id: "alice"
    std::string display_name;  ///< shown to customers ("agent joined") and colleagues
    std::string role = "agent";  ///< "agent", "supervisor" or "admin"
    std::set<std::string> skills;
    std::set<std::string> languages;  ///< "en", "zh-Hans", "zh-Hant"; empty = any
    routing::Capacity capacity;
    std::vector<std::string> teams;
    /// libsodium argon2id string ("$argon2id$v=19$..."); empty: cannot log in yet.
    std::string password_hash;
    /// Where the phone system reaches the agent ("sip:alice@10.0.0.5:5060"): a call ccd
    /// routes to them is dialled there. Empty: the agent takes no calls routed by ccd.
    std::string sip;
    /// An engineer's (skill `engineer`) service areas: the on-site visits they may be booked
    /// for (docs/cases.md); empty: anywhere.
    std::vector<std::string> service_areas;
};

/// The whole of agents.yaml.
struct AgentsConfig {
    std::string source_path;
    std::vector<AgentAccount> accounts;  ///< file order; names unique

    const AgentAccount* find(const std::string& name) const;
    /// The routing view of an account (skills, languages, capacity).
    static routing::Agent toRoutingAgent(const AgentAccount& account);
};

using AgentsConfigPtr = std::shared_ptr<const AgentsConfig>;

}  // namespace ccd::config
