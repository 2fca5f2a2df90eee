#include "tests/support/standin_script.hpp"

#include <set>

namespace ccd::standin {

namespace {

using nlohmann::json;

std::optional<long> integer(const json& a, const char* key, std::string& error) {
    auto it = a.find(key);
    if (it == a.end()) return std::nullopt;
    if (!it->is_number_integer()) {
        error = std::string("\"") + key + "\" must be an integer";
        return std::nullopt;
    }
    return it->get<long>();
}

std::optional<std::string> string(const json& a, const char* key, std::string& error) {
    auto it = a.find(key);
    if (it == a.end()) return std::nullopt;
    if (!it->is_string()) {
        error = std::string("\"") + key + "\" must be a string";
        return std::nullopt;
    }
    return it->get<std::string>();
}

bool flag(const json& a, const char* key, std::string& error) {
    auto it = a.find(key);
    if (it == a.end()) return false;
    if (!it->is_boolean()) {
        error = std::string("\"") + key + "\" must be true or false";
        return false;
    }
    return it->get<bool>();
}

/// One answer of a rule; `error` says what is wrong with it.
std::optional<ScriptAnswer> parseAnswer(const json& a, long& times, std::string& error) {
    static const std::set<std::string> kKeys = {"status", "retry_after", "times",       "drop",
                                                "hang",   "delay_ms",    "description", "message",
                                                "errmsg", "code",        "errcode",     "body"};
    if (!a.is_object()) {
        error = "an answer must be an object";
        return std::nullopt;
    }
    for (const auto& [key, value] : a.items()) {
        if (!kKeys.count(key)) {
            error = "unknown key \"" + key + "\" in an answer";
            return std::nullopt;
        }
    }
    ScriptAnswer out;
    times = integer(a, "times", error).value_or(1);
    auto status = integer(a, "status", error);
    auto retry_after = integer(a, "retry_after", error);
    auto delay = integer(a, "delay_ms", error);
    auto code = integer(a, "code", error);
    auto errcode = integer(a, "errcode", error);
    auto description = string(a, "description", error);
    if (!description) description = string(a, "message", error);
    if (!description) description = string(a, "errmsg", error);
    auto body = string(a, "body", error);
    bool drop = flag(a, "drop", error);
    bool hang = flag(a, "hang", error);
    if (!error.empty()) return std::nullopt;
    if (status && (*status < 100 || *status > 599)) {
        error = "\"status\" must be an HTTP status (100-599)";
        return std::nullopt;
    }
    if (delay && *delay < 0) {
        error = "\"delay_ms\" must not be negative";
        return std::nullopt;
    }
    if (drop && hang) {
        error = "an answer cannot both drop and hang";
        return std::nullopt;
    }
    out.delay_ms = delay ? std::optional<int>(static_cast<int>(*delay)) : std::nullopt;
    if (drop) {
        out.kind = ScriptAnswer::Kind::kDrop;
    } else if (hang) {
        out.kind = ScriptAnswer::Kind::kHang;
    } else if (status || code || errcode || body || description) {
        out.kind = ScriptAnswer::Kind::kError;
        out.error.status = status ? static_cast<int>(*status) : 0;
        if (retry_after) out.error.retry_after = static_cast<int>(*retry_after);
        out.error.description = description;
        out.error.code = code;
        out.error.errcode = errcode;
        out.error.body = body;
    } else if (!delay) {
        error = "an answer needs one of status, code, errcode, body, drop, hang or delay_ms";
        return std::nullopt;
    }
    return out;
}

}  // namespace

std::optional<std::string> Script::replace(const json& spec) {
    if (!spec.is_object() || !spec.contains("rules") || !spec["rules"].is_array())
        return "the script must be {\"rules\":[...]}";
    for (const auto& [key, value] : spec.items()) {
        if (key != "rules") return "unknown key \"" + key + "\" in the script";
    }
    std::vector<Rule> rules;
    for (const auto& r : spec["rules"]) {
        if (!r.is_object()) return std::string("a rule must be an object");
        for (const auto& [key, value] : r.items()) {
            if (key != "match" && key != "answers") return "unknown key \"" + key + "\" in a rule";
        }
        if (!r.contains("match") || !r["match"].is_string())
            return std::string("a rule needs \"match\" (a string)");
        if (!r.contains("answers") || !r["answers"].is_array())
            return std::string("a rule needs \"answers\" (an array)");
        Rule rule;
        rule.match = r["match"].get<std::string>();
        for (const auto& a : r["answers"]) {
            std::string error;
            long times = 1;
            auto answer = parseAnswer(a, times, error);
            if (!answer) return "rule \"" + rule.match + "\": " + error;
            rule.steps.push_back(Step{*answer, a, times});
        }
        rules.push_back(std::move(rule));
    }
    std::lock_guard lock(mutex_);
    rules_ = std::move(rules);
    return std::nullopt;
}

std::optional<ScriptAnswer> Script::next(std::string_view target) {
    std::lock_guard lock(mutex_);
    for (auto& rule : rules_) {
        if (target.find(rule.match) == std::string_view::npos) continue;
        for (auto& step : rule.steps) {
            if (step.left == 0) continue;
            if (step.left > 0) --step.left;
            return step.answer;
        }
    }
    return std::nullopt;
}

json Script::describe() const {
    std::lock_guard lock(mutex_);
    json rules = json::array();
    for (const auto& rule : rules_) {
        json answers = json::array();
        for (const auto& step : rule.steps) {
            json a = step.spec;
            a["left"] = step.left < 0 ? -1 : step.left;
            answers.push_back(std::move(a));
        }
        rules.push_back(json{{"match", rule.match}, {"answers", std::move(answers)}});
    }
    return json{{"rules", std::move(rules)}};
}

void Script::clear() {
    std::lock_guard lock(mutex_);
    rules_.clear();
}

}  // namespace ccd::standin
