#include "channels/common/call_request.hpp"

#include <algorithm>

#include "channels/common/json_body.hpp"
#include "channels/common/phone_number.hpp"
#include "channels/common/url.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels {

namespace {
constexpr std::size_t kMaxBody = 64 * 1024;

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
}  // namespace

std::optional<std::string> CallFields::get(std::string_view name) const {
    for (const auto& [k, v] : pairs) {
        if (k == name) return v.empty() ? std::nullopt : std::optional<std::string>(v);
    }
    return std::nullopt;
}

std::optional<std::string> CallFields::joined(std::string_view name) const {
    std::string out;
    const std::string list = std::string(name) + "[]";
    for (const auto& [k, v] : pairs) {
        if ((k == name || k == list) && !v.empty()) out += (out.empty() ? "" : ", ") + v;
    }
    return out.empty() ? std::nullopt : std::optional<std::string>(out);
}

std::optional<std::string> CallFields::any(std::initializer_list<std::string_view> names) const {
    for (auto n : names) {
        if (auto v = get(n)) return v;
    }
    return std::nullopt;
}

std::optional<Rejection> readCallFields(const WebRequest& request, bool allow_json,
                                        CallFields& out) {
    if (request.body.size() > kMaxBody)
        return Rejection{413, "too_large", "a call request is at most 64 KiB", ""};
    if (allow_json && isJsonContentType(request.header("Content-Type"))) {
        auto body = parseJsonBody(request.body);
        if (body.error) return body.error;
        if (!body.value.is_object())
            return Rejection{400, "invalid_body", "expected a JSON object of the call's fields", ""};
        for (const auto& [k, v] : body.value.items()) {
            if (v.is_string()) {
                out.pairs.emplace_back(k, v.get<std::string>());
            } else if (v.is_number() || v.is_boolean()) {
                out.pairs.emplace_back(k, v.dump());
            } else if (v.is_null()) {
                out.pairs.emplace_back(k, "");
            } else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const auto& x) {
                           return x.is_string();
                       })) {
                // Zammad's `user`: the names of the people on the call, a list in JSON.
                for (const auto& x : v) out.pairs.emplace_back(k + "[]", x.get<std::string>());
            } else {
                return Rejection{400, "invalid_body",
                                 "\"" + k + "\" must be a string, a number, a boolean or a list of strings", k};
            }
        }
        return std::nullopt;
    }
    auto pairs = parseQuery(request.body);
    if (!pairs)
        return Rejection{400, "invalid_body",
                         "malformed form body (a bad %-escape); expected "
                         "application/x-www-form-urlencoded" +
                             std::string(allow_json ? " or JSON" : ""),
                         ""};
    for (const auto& [k, v] : *pairs) {
        if (k.find('\0') != std::string::npos || v.find('\0') != std::string::npos)
            return Rejection{400, "invalid_body", "a NUL byte in the form body", k};
    }
    out.pairs = std::move(*pairs);
    return std::nullopt;
}

std::string callerAddress(std::string_view raw, std::string_view region) {
    if (auto e164 = toE164(raw, region)) return *e164;
    return std::string(trimmed(raw));
}

routing::InboundMessage newCallMessage(const std::string& call_id, const std::string& caller,
                                       routing::TimePoint at) {
    routing::InboundMessage m;
    m.channel = routing::ChannelKind::Voice;
    m.provider_id = call_id;
    m.from.id = caller;
    if (!caller.empty() && caller.front() == '+') m.from.phone = caller;
    m.received_at = at;
    // The caller's country is the language hint a call has (as Telegram's language_code is):
    // mainland China speaks Mandarin in simplified script, Hong Kong, Macao and Taiwan read
    // traditional; the customer's own locale, once known, wins.
    if (caller.rfind("+86", 0) == 0) m.locale = "zh-CN";
    else if (caller.rfind("+852", 0) == 0) m.locale = "zh-HK";
    else if (caller.rfind("+853", 0) == 0) m.locale = "zh-MO";
    else if (caller.rfind("+886", 0) == 0) m.locale = "zh-TW";
    return m;
}

CallEvent callEvent(const std::string& call_id, std::string type, nlohmann::json data,
                    routing::TimePoint at, std::string key) {
    CallEvent e;
    e.call_id = call_id;
    e.provider_id = call_id + ":" + (key.empty() ? type : key);
    e.type = std::move(type);
    data["call_id"] = call_id;
    e.data_json = dumpJson(data);
    e.at = at;
    return e;
}

BuiltSend CallOutbound::build(const OutgoingMessage& m, const AccessToken*,
                              routing::TimePoint now) const {
    if (!m.dial) return {std::nullopt, SendOutcome::failed("a phone call takes no written reply")};
    if (m.to.empty())
        return {std::nullopt, SendOutcome::failed("the customer has no phone number to call")};
    return buildDial(m, *m.dial, now);
}

SendOutcome CallOutbound::classify(const OutgoingMessage& m, const HttpAnswer& a) const {
    if (!m.dial) return SendOutcome::failed("a phone call takes no written reply");
    return classifyDial(m, a);
}

std::string readPhoneRegion(const config::NodeRef& node) {
    auto region = node.nonEmptyString();
    if (!region) return "CN";
    if (!knownPhoneRegion(*region)) {
        node.error("not a region libphonenumber knows (ISO 3166 alpha-2, e.g. CN, US, HK): \"" +
                   *region + "\"");
        return "CN";
    }
    return *region;
}

std::optional<Rejection> menuDigitsEvent(const std::string& call_id, const std::string& digits,
                                         int attempt, nlohmann::json data, routing::TimePoint at,
                                         std::string_view field, CallEvent& out) {
    const std::string name(field);
    if (digits.size() > 32)
        return Rejection{422, "invalid_field", "\"" + name + "\" is longer than 32 keys", name};
    for (char c : digits) {
        if (!((c >= '0' && c <= '9') || c == '*' || c == '#'))
            return Rejection{422, "invalid_field",
                             "\"" + name + "\" holds only the keys 0-9, * and #", name};
    }
    data["digits"] = digits;
    data["attempt"] = attempt;
    out = callEvent(call_id, "call.digits", std::move(data), at,
                    "digits:" + std::to_string(attempt));
    return std::nullopt;
}

}  // namespace ccd::channels
