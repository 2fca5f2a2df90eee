#include "daemon/privacy/pii_json.hpp"

#include "daemon/privacy/pii_mask.hpp"

namespace ccd::daemon::privacy {
namespace {

using json = nlohmann::json;
enum class Rule { Phone, Email, Address, Text, Recurse };

Rule ruleFor(std::string_view key) {
    if (key == "phone" || key == "mobile" || key == "phone_number") return Rule::Phone;
    if (key == "email") return Rule::Email;
    if (key == "address" || key == "postal_address") return Rule::Address;
    if (key == "text" || key == "original_text" || key == "subject" || key == "note" ||
        key == "body" || key == "channel_ref" || key == "key" || key == "addresses" ||
        key == "attributes")
        return Rule::Text;
    return Rule::Recurse;
}

// Every string inside `j` through `f`.
template <class F>
void eachString(json& j, const F& f) {
    if (j.is_string()) j = f(j.get_ref<const std::string&>());
    else if (j.is_structured())
        for (auto& v : j) eachString(v, f);
}

void apply(json& value, Rule rule) {
    switch (rule) {
    case Rule::Phone: return eachString(value, [](const std::string& s) { return maskPhone(s); });
    case Rule::Email: return eachString(value, [](const std::string& s) { return maskEmail(s); });
    case Rule::Address:
        if (value.is_string()) value = maskAddress(value.get_ref<const std::string&>());
        else eachString(value, [](const std::string& s) { return maskText(s); });
        return;
    case Rule::Text: return eachString(value, [](const std::string& s) { return maskText(s); });
    case Rule::Recurse: return maskJson(value);
    }
}

}  // namespace

void maskJson(json& j) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) apply(it.value(), ruleFor(it.key()));
    } else if (j.is_array()) {
        for (auto& v : j) maskJson(v);
    }
}

std::string maskFrame(std::string_view frame) {
    auto j = json::parse(frame, nullptr, false);
    if (j.is_discarded()) return maskText(frame);
    maskJson(j);
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ccd::daemon::privacy
