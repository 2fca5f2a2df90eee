#include "daemon/store/contact_rows.hpp"

#include <nlohmann/json.hpp>
#include <set>

namespace ccd::store {

std::string lowerAscii(std::string s) {
    for (auto& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return s;
}

std::vector<std::pair<std::string, std::string>> contactAddresses(const ContactUpdate& u) {
    using Address = std::pair<std::string, std::string>;
    std::vector<Address> out;
    std::set<Address> seen;
    auto add = [&](const std::string& channel, const std::string& address) {
        Address a{channel, channel == "email" ? lowerAscii(address) : address};
        if (seen.insert(a).second) out.push_back(std::move(a));
    };
    for (const auto& [channel, address] : u.addresses) add(channel, address);
    if (u.email) add("email", *u.email);
    if (u.phone) add("voice", *u.phone);
    return out;
}

std::optional<std::string> contactAttributesColumn(const ContactUpdate& u) {
    if (!u.attributes) return std::nullopt;
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *u.attributes) j[k] = v;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::map<std::string, std::string> parseContactAttributes(const std::string& text) {
    std::map<std::string, std::string> out;
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return out;
    for (const auto& item : j.items()) {
        if (item.value().is_string()) {
            out.emplace(item.key(), item.value().get<std::string>());
        } else {
            out.emplace(item.key(), item.value().dump());
        }
    }
    return out;
}

}  // namespace ccd::store
