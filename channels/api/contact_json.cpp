#include "channels/api/contact_json.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"

namespace ccd::channels::api {
namespace {

using nlohmann::json;

ContactParse reject(int status, std::string code, std::string reason, std::string field = {}) {
    ContactParse out;
    out.rejection = Rejection{status, std::move(code), std::move(reason), std::move(field)};
    return out;
}

ContactParse invalid(const std::string& path, const std::string& message) {
    return reject(422, "invalid_field", path + " " + message, path);
}

bool isJsonContentType(std::string_view ct) {
    std::string_view mime = ct.substr(0, ct.find(';'));
    while (!mime.empty() && mime.back() == ' ') mime.remove_suffix(1);
    while (!mime.empty() && mime.front() == ' ') mime.remove_prefix(1);
    return equalsIgnoreCase(mime, "application/json");
}

std::optional<ContactParse> rejectUnknown(const json& obj, const std::string& prefix,
                                          std::initializer_list<std::string_view> known) {
    for (const auto& item : obj.items()) {
        if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
            std::string path = prefix.empty() ? item.key() : prefix + "." + item.key();
            return reject(422, "unknown_field", "unknown field " + path, path);
        }
    }
    return std::nullopt;
}

// Reads an optional non-empty string member; sets `error` when present but not one.
std::optional<std::string> optionalString(const json& obj, const char* key,
                                          const std::string& path, std::size_t max_len,
                                          std::optional<ContactParse>& error) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
        error = invalid(path, "must be a string");
        return std::nullopt;
    }
    auto value = it->get<std::string>();
    bool blank = std::all_of(value.begin(), value.end(),
                             [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
    if (blank) {
        error = invalid(path, "must not be empty");
        return std::nullopt;
    }
    if (value.size() > max_len) {
        error = invalid(path, "is longer than " + std::to_string(max_len) + " bytes");
        return std::nullopt;
    }
    return value;
}

std::optional<ContactParse> readAttributes(const json& body, ContactInput& c) {
    auto it = body.find("attributes");
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_object()) return invalid("attributes", "must be an object of strings");
    std::map<std::string, std::string> attributes;
    for (const auto& item : it->items()) {
        std::string path = "attributes." + item.key();
        if (auto bad = checkAttributeName(item.key())) return invalid(path, "is not allowed: " + *bad);
        if (!item.value().is_string()) return invalid(path, "must be a string");
        auto value = item.value().get<std::string>();
        if (value.size() > kMaxAttributeValueLength)
            return invalid(path, "is longer than " + std::to_string(kMaxAttributeValueLength) +
                                     " bytes");
        attributes.emplace(item.key(), std::move(value));
    }
    c.attributes = std::move(attributes);
    return std::nullopt;
}

std::optional<ContactParse> readAddresses(const json& body, ContactInput& c) {
    auto it = body.find("addresses");
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_object())
        return invalid("addresses", "must be an object of channel: [address, ...]");
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& item : it->items()) {
        const std::string& channel = item.key();
        std::string path = "addresses." + channel;
        if (!isContactChannel(channel))
            return reject(422, "invalid_field",
                          path + ": unknown channel (api, email, webchat, telegram, whatsapp, voice)",
                          path);
        const json& list = item.value();
        if (list.is_string()) return invalid(path, "must be an array of strings");
        if (!list.is_array()) return invalid(path, "must be an array of strings");
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string entry_path = path + "[" + std::to_string(i) + "]";
            if (!list[i].is_string()) return invalid(entry_path, "must be a string");
            auto address = list[i].get<std::string>();
            if (auto bad = normalizeAddress(channel, address)) return invalid(entry_path, *bad);
            if (seen.emplace(channel, address).second) c.addresses.emplace_back(channel, address);
            if (c.addresses.size() > kMaxAddresses)
                return invalid("addresses",
                               "holds more than " + std::to_string(kMaxAddresses) + " addresses");
        }
    }
    return std::nullopt;
}

std::optional<ContactParse> readProducts(const json& body, ContactInput& c) {
    auto it = body.find("products");
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_array()) return invalid("products", "must be an array of products");
    if (it->size() > kMaxProducts)
        return invalid("products", "holds more than " + std::to_string(kMaxProducts) + " products");
    std::vector<routing::Product> products;
    std::optional<ContactParse> error;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& p = (*it)[i];
        std::string path = "products[" + std::to_string(i) + "]";
        if (!p.is_object()) return invalid(path, "must be an object");
        if (auto bad =
                rejectUnknown(p, path, {"sku", "name", "serial", "purchased_on", "warranty_until"}))
            return bad;
        routing::Product product;
        if (!p.contains("sku") || p["sku"].is_null())
            return reject(422, "missing_field", "missing field " + path + ".sku", path + ".sku");
        product.sku = optionalString(p, "sku", path + ".sku", kMaxSkuLength, error).value_or("");
        if (error) return error;
        product.name = optionalString(p, "name", path + ".name", kMaxNameLength, error).value_or("");
        if (error) return error;
        product.serial = optionalString(p, "serial", path + ".serial", kMaxAddressLength, error);
        if (error) return error;
        product.purchased_on = optionalString(p, "purchased_on", path + ".purchased_on", 10, error);
        if (error) return invalid(path + ".purchased_on", "must be a date written YYYY-MM-DD");
        product.warranty_until =
            optionalString(p, "warranty_until", path + ".warranty_until", 10, error);
        if (error) return invalid(path + ".warranty_until", "must be a date written YYYY-MM-DD");
        if (auto bad = checkProduct(product)) return invalid(path + "." + bad->field, bad->message);
        products.push_back(std::move(product));
    }
    c.products = std::move(products);
    return std::nullopt;
}

ContactParse parseObject(const json& body, std::string_view key) {
    if (!body.is_object()) return reject(422, "invalid_body", "the body must be a JSON object");
    if (auto bad = rejectUnknown(body, "", {"name", "email", "phone", "tier", "locale",
                                            "attributes", "addresses", "products"}))
        return *bad;

    ContactInput c;
    c.key = std::string(key);
    std::optional<ContactParse> error;
    c.name = optionalString(body, "name", "name", kMaxNameLength, error);
    if (error) return *error;
    if (c.name) {
        if (auto bad = checkName(*c.name)) return invalid("name", *bad);
    }
    c.email = optionalString(body, "email", "email", kMaxEmailLength, error);
    if (error) return *error;
    if (c.email) {
        if (auto bad = normalizeEmail(*c.email)) return invalid("email", *bad);
    }
    c.phone = optionalString(body, "phone", "phone", 16, error);
    if (error) return invalid("phone", *checkPhone("?"));
    if (c.phone) {
        if (auto bad = checkPhone(*c.phone)) return invalid("phone", *bad);
    }
    c.tier = optionalString(body, "tier", "tier", kMaxTierLength, error);
    if (error) return invalid("tier", *checkTier(""));
    if (c.tier) {
        if (auto bad = checkTier(*c.tier)) return invalid("tier", *bad);
    }
    c.locale = optionalString(body, "locale", "locale", 35, error);
    if (error) return invalid("locale", *checkLocale(""));
    if (c.locale) {
        if (auto bad = checkLocale(*c.locale)) return invalid("locale", *bad);
    }
    if (auto bad = readAttributes(body, c)) return *bad;
    if (auto bad = readAddresses(body, c)) return *bad;
    if (auto bad = readProducts(body, c)) return *bad;

    ContactParse out;
    out.contact = std::move(c);
    return out;
}

}  // namespace

ContactParse parseContactJson(std::string_view content_type, std::string_view body,
                              std::string_view key) {
    if (!isJsonContentType(content_type))
        return reject(415, "unsupported_media_type", "Content-Type must be application/json");
    if (auto bad = checkKey(key)) return reject(422, "invalid_key", "the contact key " + *bad, "key");
    // Strict: nothing after the value, no NUL byte (`{...}\0garbage` was read as the body).
    auto parsed = parseJsonBody(body);
    if (parsed.error) return reject(400, "invalid_json", parsed.error->reason);
    try {
        return parseObject(parsed.value, key);
    } catch (const json::exception& e) {
        // Not expected: every access above checks the type first. A request never throws.
        return reject(422, "invalid_body", std::string("the body could not be read: ") + e.what());
    }
}

}  // namespace ccd::channels::api
