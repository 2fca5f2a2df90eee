#include "routing/cases/case_config.hpp"

namespace ccd::routing {

const CaseTypeDef* CasesConfig::type(const std::string& name) const {
    for (const auto& t : types) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

const CaseStageDef* CasesConfig::stage(const std::string& name) const {
    for (const auto& s : stages) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

}  // namespace ccd::routing
