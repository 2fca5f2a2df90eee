// X-Twilio-Signature: how Twilio signs the requests it makes (its RequestValidator, the same in
// every SDK): base64 HMAC-SHA1 with the account's auth token over the full URL followed by each
// POST parameter's name and value, sorted by name (and by value for repeated names). The port
// is a known pitfall: Twilio may sign the URL with or without the scheme's default port, so the
// validators try the URL without its port and with the default port added.

#include <algorithm>

#include "channels/common/crypto.hpp"
#include "channels/twilio/twilio_channel.hpp"

namespace ccd::channels::twilio {

namespace {

struct UrlParts {
    std::string scheme, host, port, rest;  // rest: path and query, from the first '/' or '?'
};

std::optional<UrlParts> split(std::string_view url) {
    auto colon = url.find("://");
    if (colon == std::string_view::npos) return std::nullopt;
    UrlParts p;
    p.scheme = std::string(url.substr(0, colon));
    std::string_view after = url.substr(colon + 3);
    auto end = after.find_first_of("/?#");
    std::string_view authority = after.substr(0, end);
    p.rest = end == std::string_view::npos ? std::string() : std::string(after.substr(end));
    // user:pass@host:port — the port is after the last ':' past any '@' and any IPv6 ']'.
    auto at = authority.rfind('@');
    std::string_view hostport = at == std::string_view::npos ? authority : authority.substr(at + 1);
    std::string userinfo = at == std::string_view::npos ? std::string()
                                                        : std::string(authority.substr(0, at + 1));
    auto pc = hostport.rfind(':');
    auto bracket = hostport.rfind(']');
    if (pc != std::string_view::npos && (bracket == std::string_view::npos || pc > bracket)) {
        p.host = userinfo + std::string(hostport.substr(0, pc));
        p.port = std::string(hostport.substr(pc + 1));
    } else {
        p.host = userinfo + std::string(hostport);
    }
    return p;
}

}  // namespace

std::string signature(std::string_view auth_token, std::string_view url,
                      std::vector<std::pair<std::string, std::string>> params) {
    std::sort(params.begin(), params.end());
    std::string data(url);
    for (const auto& [k, v] : params) data.append(k).append(v);
    return hmacSha1Base64(auth_token, data);
}

bool validSignature(std::string_view auth_token, std::string_view url,
                    const std::vector<std::pair<std::string, std::string>>& params,
                    std::string_view header) {
    if (header.empty()) return false;
    std::vector<std::string> candidates{std::string(url)};
    if (auto p = split(url)) {
        if (!p->port.empty()) {
            candidates.push_back(p->scheme + "://" + p->host + p->rest);
        } else if (p->scheme == "https" || p->scheme == "http") {
            candidates.push_back(p->scheme + "://" + p->host +
                                 (p->scheme == "https" ? ":443" : ":80") + p->rest);
        }
    }
    bool ok = false;
    // Every candidate is compared, so the time taken does not tell which one matched.
    for (const auto& c : candidates) ok |= constantTimeEquals(signature(auth_token, c, params), header);
    return ok;
}

}  // namespace ccd::channels::twilio
