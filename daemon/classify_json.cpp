#include "daemon/classify_json.hpp"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "routing/classify/explanation.hpp"
#include "routing/rules.hpp"

namespace ccd::daemon {
namespace {

using nlohmann::json;

double rounded(double v) { return std::round(v * 1000.0) / 1000.0; }

json evidenceJson(const std::vector<routing::Evidence>& list) {
    json out = json::array();
    for (const auto& e : list) out.push_back({{"feature", e.feature}, {"weight", rounded(e.weight)}});
    return out;
}

}  // namespace

json explanationJson(const routing::Classification& c) {
    const routing::Explanation x = routing::explain(c);
    json runner_up = nullptr;
    if (!x.runner_up.empty())
        runner_up = {{"category", x.runner_up}, {"confidence", rounded(x.runner_up_confidence)}};
    json subtype_runner_up = nullptr;
    if (!x.subtype_runner_up.empty())
        subtype_runner_up = {{"subtype", x.subtype_runner_up},
                             {"confidence", rounded(x.subtype_runner_up_confidence)}};
    json precision = nullptr;
    if (c.presence_probability) {
        precision = {{"probability", rounded(*c.presence_probability)},
                     {"decision", c.vetoed.empty() ? "keep" : "veto"},
                     {"vetoed", c.vetoed},
                     {"why", x.precision}};
    }
    return {{"category", evidenceJson(x.category)},
            {"runner_up", runner_up},
            {"subtype", x.subtype},
            {"subtype_confidence", rounded(c.subtype_confidence)},
            {"subtype_runner_up", subtype_runner_up},
            {"sentiment", evidenceJson(x.sentiment)},
            {"sentiment_score", rounded(c.sentiment_score)},
            {"safety", x.safety},
            {"urgency", x.urgency},
            {"precision", precision},
            {"learned_urgency", c.urgency_probability ? json(rounded(*c.urgency_probability))
                                                      : json(nullptr)}};
}

routing::ExpectedTriage expectedOf(const json& in) {
    routing::ExpectedTriage e;
    auto str = [&](const char* key) -> std::optional<std::string> {
        if (in.contains(key) && in[key].is_string()) return in[key].get<std::string>();
        return std::nullopt;
    };
    e.id = in.contains("id") ? (in["id"].is_string() ? in["id"].get<std::string>() : in["id"].dump())
                             : std::string();
    e.text = in["text"].get<std::string>();
    e.category = str("category");
    e.subtype = str("subtype");
    e.language = str("language") ? str("language") : str("lang");
    e.priority = str("priority");
    if (in.contains("safety") && in["safety"].is_array()) {
        for (const auto& s : in["safety"])
            if (s.is_string()) e.safety.push_back(s.get<std::string>());
    }
    return e;
}

routing::ObservedTriage observedOf(const routing::TriageResult& t) {
    return {t.classification.category, t.classification.subtype, t.classification.language,
            routing::priorityName(t.priority), t.classification.safety};
}

}  // namespace ccd::daemon
