#include "daemon/console/upgrade_request.hpp"

#include <charconv>

namespace ccd::daemon::console {

std::optional<std::uint64_t> lastSeqOf(const std::string& resource) {
    auto q = resource.find('?');
    if (q == std::string::npos) return std::nullopt;
    std::string_view query(resource);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        if (pair.substr(0, 9) == "last_seq=") {
            auto v = pair.substr(9);
            std::uint64_t n = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec == std::errc() && end == v.data() + v.size()) return n;
            return std::nullopt;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

std::string bearerToken(std::string_view header) {
    constexpr std::string_view kScheme = "bearer ";
    if (header.size() <= kScheme.size()) return {};
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        char c = header[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != kScheme[i]) return {};
    }
    auto token = header.substr(kScheme.size());
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    return std::string(token);
}

std::vector<std::string> defaultOrigins(const config::ListenAddress& http, std::uint16_t port,
                                        bool https) {
    auto p = ":" + std::to_string(port);
    std::string scheme = https ? "https://" : "http://";
    bool v6 = http.host.find(':') != std::string::npos;
    std::vector<std::string> out{scheme + (v6 ? "[" + http.host + "]" : http.host) + p};
    if (http.host == "127.0.0.1" || http.host == "::1" || http.host == "0.0.0.0" ||
        http.host == "::") {
        out.push_back(scheme + "localhost" + p);
        out.push_back(scheme + "127.0.0.1" + p);
        out.push_back(scheme + "[::1]" + p);
    }
    return out;
}

}  // namespace ccd::daemon::console
