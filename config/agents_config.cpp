#include "config/agents_config.hpp"

namespace ccd::config {

const AgentAccount* AgentsConfig::find(const std::string& name) const {
    for (const auto& a : accounts)
        if (a.name == name) return &a;
    return nullptr;
}

routing::Agent AgentsConfig::toRoutingAgent(const AgentAccount& account) {
    routing::Agent agent;
    agent.id = account.name;
    agent.skills = account.skills;
    agent.languages = account.languages;
    agent.capacity = account.capacity;
    return agent;
}

}  // namespace ccd::config
