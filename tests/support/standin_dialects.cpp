#include "tests/support/standin_dialects.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace ccd::standin {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        auto end = path.find('/', i);
        if (end == std::string_view::npos) end = path.size();
        out.push_back(path.substr(i, end - i));
        i = end;
    }
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

const char* dialectName(Dialect d) {
    switch (d) {
        case Dialect::kTelegram:
            return "telegram";
        case Dialect::kWhatsApp:
            return "whatsapp";
        case Dialect::kWeChat:
            return "wechat";
        case Dialect::kWebhook:
            return "webhook";
        case Dialect::kUnknown:
            break;
    }
    return "unknown";
}

Dialect dialectOf(std::string_view target) {
    auto path = target.substr(0, target.find('?'));
    if (path.rfind("/bot", 0) == 0) return Dialect::kTelegram;
    if (path.rfind("/cgi-bin/", 0) == 0) return Dialect::kWeChat;
    if (path.rfind("/callback/", 0) == 0) return Dialect::kWebhook;
    auto parts = segments(path);
    // Graph paths carry an API version ("v21.0") before the phone number id; clients that pin
    // the app's default version leave it out.
    if (!parts.empty() && parts.back() == "messages") {
        if (parts.size() == 2) return Dialect::kWhatsApp;
        if (parts.size() == 3 && parts[0].size() > 1 && parts[0][0] == 'v' &&
            std::isdigit(static_cast<unsigned char>(parts[0][1])))
            return Dialect::kWhatsApp;
    }
    return Dialect::kUnknown;
}

std::string Request::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return v;
    }
    return {};
}

std::string_view Request::path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
}

std::unordered_map<std::string, std::string> Request::query() const {
    auto q = target.find('?');
    if (q == std::string::npos) return {};
    return parseForm(std::string_view(target).substr(q + 1));
}

std::string urlDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 &&
                   hexValue(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::unordered_map<std::string, std::string> parseForm(std::string_view s) {
    std::unordered_map<std::string, std::string> out;
    std::size_t i = 0;
    while (i <= s.size()) {
        auto end = s.find('&', i);
        if (end == std::string_view::npos) end = s.size();
        auto pair = s.substr(i, end - i);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            if (eq == std::string_view::npos) {
                out[urlDecode(pair)] = "";
            } else {
                out[urlDecode(pair.substr(0, eq))] = urlDecode(pair.substr(eq + 1));
            }
        }
        i = end + 1;
    }
    return out;
}

std::string reasonPhrase(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 413:
            return "Request Entity Too Large";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            break;
    }
    if (status >= 500) return "Server Error";
    if (status >= 400) return "Client Error";
    return "OK";
}

Answer jsonAnswer(int status, const nlohmann::ordered_json& body) {
    Answer a;
    a.status = status;
    a.body = body.dump();
    return a;
}

ProviderState::ProviderState(std::unordered_map<std::string, std::string> wechat_apps)
    : wechat_apps_(std::move(wechat_apps)),
      rng_(
          static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {
}

std::int64_t ProviderState::nextTelegramMessageId(const std::string& chat) {
    std::lock_guard lock(mutex_);
    return ++telegram_message_ids_[chat];
}

std::string ProviderState::nextWamid() {
    std::lock_guard lock(mutex_);
    // Real ids are base64 of a protobuf; tests only need them unique and recognisable.
    return "wamid.HBgL" + std::to_string(++wamid_counter_) + "SI" + randomIdLocked(20);
}

std::uint64_t ProviderState::nextCallbackId() {
    std::lock_guard lock(mutex_);
    return ++callback_counter_;
}

std::string ProviderState::issueWeChatToken() {
    std::lock_guard lock(mutex_);
    std::string token = randomIdLocked(96);
    wechat_tokens_[token] = true;
    return token;
}

bool ProviderState::weChatTokenValid(const std::string& token) {
    std::lock_guard lock(mutex_);
    auto it = wechat_tokens_.find(token);
    return it != wechat_tokens_.end() && it->second;
}

std::size_t ProviderState::expireWeChatTokens() {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (auto& [token, valid] : wechat_tokens_) {
        if (valid) ++n;
        valid = false;
    }
    return n;
}

std::optional<nlohmann::ordered_json> ProviderState::checkWeChatApp(
    const std::string& appid, const std::string& secret) const {
    std::lock_guard lock(mutex_);
    if (wechat_apps_.empty()) {
        if (appid.rfind("wx", 0) != 0 || appid.size() < 3)
            return nlohmann::ordered_json{{"errcode", 40013}, {"errmsg", "invalid appid"}};
        if (secret.empty())
            return nlohmann::ordered_json{{"errcode", 41004}, {"errmsg", "appsecret missing"}};
        return std::nullopt;
    }
    auto it = wechat_apps_.find(appid);
    if (it == wechat_apps_.end())
        return nlohmann::ordered_json{{"errcode", 40013}, {"errmsg", "invalid appid"}};
    if (secret.empty())
        return nlohmann::ordered_json{{"errcode", 41004}, {"errmsg", "appsecret missing"}};
    if (secret != it->second)
        return nlohmann::ordered_json{{"errcode", 40125}, {"errmsg", "invalid appsecret"}};
    return std::nullopt;
}

std::string ProviderState::randomId(std::size_t length) {
    std::lock_guard lock(mutex_);
    return randomIdLocked(length);
}

std::string ProviderState::randomIdLocked(std::size_t length) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
    std::string out(length, 'A');
    for (auto& c : out) c = kAlphabet[pick(rng_)];
    return out;
}

Answer normalAnswer(Dialect d, const Request& req, ProviderState& state) {
    switch (d) {
        case Dialect::kTelegram:
            return telegramAnswer(req, state);
        case Dialect::kWhatsApp:
            return whatsappAnswer(req, state);
        case Dialect::kWeChat:
            return wechatAnswer(req, state);
        case Dialect::kWebhook:
            return webhookAnswer(req, state);
        case Dialect::kUnknown:
            break;
    }
    Answer a;
    a.status = 404;
    a.content_type = "text/plain";
    a.body = "404 Not Found: no provider endpoint at " + std::string(req.path()) + "\n";
    return a;
}

Answer errorAnswer(Dialect d, const ErrorSpec& spec, ProviderState& state) {
    Answer a;
    if (spec.body) {
        a.status = spec.status ? spec.status : 200;
        a.body = *spec.body;
        if (spec.retry_after)
            a.headers.emplace_back("Retry-After", std::to_string(*spec.retry_after));
        return a;
    }
    // What a load balancer in front of any of them answers: no JSON to rely on. A provider
    // error code asked for by the script keeps the provider's format.
    bool provider_code =
        (d == Dialect::kWeChat && spec.errcode) || (d == Dialect::kWhatsApp && spec.code);
    if (spec.status >= 500 && !provider_code) {
        a.status = spec.status;
        a.content_type = "text/plain";
        a.body = std::to_string(spec.status) + " " +
                 spec.description.value_or(reasonPhrase(spec.status)) + "\n";
        if (spec.retry_after)
            a.headers.emplace_back("Retry-After", std::to_string(*spec.retry_after));
        return a;
    }
    switch (d) {
        case Dialect::kTelegram:
            return telegramError(spec);
        case Dialect::kWhatsApp:
            return whatsappError(spec, state);
        case Dialect::kWeChat:
            return wechatError(spec);
        case Dialect::kWebhook:
        case Dialect::kUnknown:
            break;
    }
    int status = spec.status ? spec.status : 500;
    nlohmann::ordered_json body{{"error", spec.description.value_or(reasonPhrase(status))}};
    a = jsonAnswer(status, body);
    if (spec.retry_after) a.headers.emplace_back("Retry-After", std::to_string(*spec.retry_after));
    return a;
}

}  // namespace ccd::standin
