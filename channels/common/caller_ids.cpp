#include "channels/common/caller_ids.hpp"

#include <algorithm>

#include "channels/common/phone_number.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels {

namespace {

std::string digitsOf(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c >= '0' && c <= '9') out += c;
    }
    return out;
}

// The forms a number is compared in: its digits as sent, and the E.164 digits (country code
// included), so that "+8613800138000", "8613800138000" and "013800138000" all match a table
// written either way.
std::vector<std::string> numberForms(const std::string& number, const std::string& region) {
    std::vector<std::string> forms{digitsOf(number)};
    if (auto e164 = toE164(number, region)) {
        auto d = digitsOf(*e164);
        if (d != forms[0]) forms.push_back(d);
    }
    return forms;
}

}  // namespace

std::string callerIdFor(const std::vector<CallerIdRule>& rules, const std::string& fallback,
                        const std::string& number, const std::string& region) {
    auto forms = numberForms(number, region);
    for (const auto& rule : rules) {
        if (!rule.dest.empty() && rule.dest.back() == '*') continue;
        auto dest = digitsOf(rule.dest);
        if (std::find(forms.begin(), forms.end(), dest) != forms.end()) return rule.caller_id;
    }
    const CallerIdRule* best = nullptr;
    std::size_t best_len = 0;
    for (const auto& rule : rules) {
        if (rule.dest.empty() || rule.dest.back() != '*') continue;
        auto prefix = digitsOf(rule.dest);
        for (const auto& f : forms) {
            if (f.compare(0, prefix.size(), prefix) == 0 && (!best || prefix.size() > best_len)) {
                best = &rule;
                best_len = prefix.size();
            }
        }
    }
    return best ? best->caller_id : fallback;
}

void readCallerIds(const config::NodeRef& item, std::vector<CallerIdRule>& rules,
                   std::string& fallback) {
    auto table = item["outbound_caller_ids"];
    if (table.expectSequence()) {
        for (const auto& row : table.items()) {
            if (!row.expectMap({"dest", "caller_id"})) continue;
            CallerIdRule r;
            if (row["dest"].require()) r.dest = row["dest"].nonEmptyString().value_or("");
            if (row["caller_id"].require())
                r.caller_id = row["caller_id"].nonEmptyString().value_or("");
            auto digits = r.dest.empty() || r.dest.back() != '*'
                              ? r.dest
                              : r.dest.substr(0, r.dest.size() - 1);
            if (!r.dest.empty() && digitsOf(digits).empty())
                row["dest"].error("expected a number or a prefix ending in *");
            rules.push_back(std::move(r));
        }
    }
    fallback = item["default_caller_id"].string().value_or("");
}

}  // namespace ccd::channels
