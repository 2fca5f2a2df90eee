#include "channels/web_types.hpp"

#include <nlohmann/json.hpp>

namespace ccd::channels {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
        if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string_view WebRequest::path() const {
    std::string_view t = target;
    auto q = t.find('?');
    return q == std::string_view::npos ? t : t.substr(0, q);
}

std::string_view WebRequest::query() const {
    std::string_view t = target;
    auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::string_view WebRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (equalsIgnoreCase(k, name)) return v;
    }
    return {};
}

bool WebRequest::hasHeader(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (equalsIgnoreCase(k, name)) return true;
    }
    return false;
}

WebResponse WebResponse::error(int status, std::string_view code, std::string_view reason,
                               std::string_view field) {
    nlohmann::json j{{"error", code}, {"reason", reason}};
    if (!field.empty()) j["field"] = field;
    WebResponse r;
    r.status = status;
    // Replace invalid UTF-8 (a reason may quote client input) instead of throwing.
    r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

WebResponse WebResponse::json(int status, std::string body) {
    WebResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

}  // namespace ccd::channels
