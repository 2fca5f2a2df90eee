#include "channels/common/json_body.hpp"

#include <charconv>

namespace ccd::channels {

using nlohmann::json;

JsonBody parseJsonBody(std::string_view body) {
    JsonBody out;
    if (auto nul = body.find('\0'); nul != std::string_view::npos) {
        out.error = Rejection{400, "invalid_json",
                              "malformed JSON: a NUL byte at byte " + std::to_string(nul + 1), ""};
        return out;
    }
    out.value = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (!out.value.is_discarded()) return out;
    // Parse again with exceptions only on the error path, for the position in the message.
    std::string reason = "malformed JSON";
    try {
        auto again = json::parse(body.begin(), body.end());
        (void)again;
    } catch (const json::parse_error& e) {
        reason = "malformed JSON at byte " + std::to_string(e.byte);
    } catch (const json::exception& e) {
        // out_of_range for a number too large to hold (found by the fuzzer: "44e4444444").
        reason = std::string("malformed JSON: ") + e.what();
    }
    out.error = Rejection{400, "invalid_json", reason, ""};
    return out;
}

bool isJsonContentType(std::string_view ct) {
    auto semi = ct.find(';');
    std::string_view mime = ct.substr(0, semi);
    while (!mime.empty() && (mime.back() == ' ' || mime.back() == '\t')) mime.remove_suffix(1);
    while (!mime.empty() && (mime.front() == ' ' || mime.front() == '\t')) mime.remove_prefix(1);
    return equalsIgnoreCase(mime, "application/json");
}

std::optional<std::string> jsonString(const json& obj, std::string_view key) {
    if (!obj.is_object()) return std::nullopt;
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<std::int64_t> jsonInt(const json& obj, std::string_view key) {
    if (!obj.is_object()) return std::nullopt;
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    if (it->is_number_integer()) return it->get<std::int64_t>();
    if (it->is_number_unsigned()) {
        auto v = it->get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    if (it->is_string()) {
        // Digits only (with an optional minus); a value past 64 bits is absent, not an exception
        // (std::stoll threw out_of_range on "9999999999999999999": found by the fuzzer).
        const auto& s = it->get_ref<const std::string&>();
        if (s.empty() || s.front() == '+') return std::nullopt;
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
        return v;
    }
    return std::nullopt;
}

std::optional<std::string> jsonId(const json& obj, std::string_view key) {
    if (auto n = jsonInt(obj, key)) return std::to_string(*n);
    auto s = jsonString(obj, key);
    if (s && !s->empty()) return s;
    return std::nullopt;
}

const json* jsonObject(const json& obj, std::string_view key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it != obj.end() && it->is_object() ? &*it : nullptr;
}

const json* jsonArray(const json& obj, std::string_view key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it != obj.end() && it->is_array() ? &*it : nullptr;
}

std::string dumpJson(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace ccd::channels
