#include "channels/wechat/wechat_channel.hpp"

#include <algorithm>
#include <array>

#include "channels/common/crypto.hpp"
#include "channels/common/settings_reader.hpp"
#include "channels/common/url.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::wechat {

std::string signature(std::string_view token, std::string_view timestamp, std::string_view nonce) {
    std::array<std::string_view, 3> parts{token, timestamp, nonce};
    std::sort(parts.begin(), parts.end());
    std::string joined;
    for (auto p : parts) joined += p;
    return sha1Hex(joined);
}

ParseOutcome WeChatInbound::parse(const WebRequest& request, const ParseContext& context) const {
    auto q = parseQuery(request.query());
    if (!q) return ParseOutcome::reject(400, "invalid_query", "malformed query string");
    auto sig = queryValue(*q, "signature").value_or("");
    auto timestamp = queryValue(*q, "timestamp").value_or("");
    auto nonce = queryValue(*q, "nonce").value_or("");
    bool valid = !sig.empty() && !timestamp.empty() && !nonce.empty() &&
                 constantTimeEquals(sig, signature(token_, timestamp, nonce));
    if (request.method == "GET") {
        auto echo = queryValue(*q, "echostr");
        if (!valid || !echo)
            return ParseOutcome::reject(403, "forbidden",
                                        "signature does not match the token, timestamp and nonce");
        WebResponse r;
        r.content_type = "text/plain";
        r.body = *echo;
        return ParseOutcome::answer(std::move(r));
    }
    if (!valid)
        return ParseOutcome::reject(401, "unauthorized",
                                    "signature does not match the token, timestamp and nonce");
    if (queryValue(*q, "encrypt_type").value_or("raw") != "raw")
        return ParseOutcome::reject(400, "unsupported",
                                    "encrypted (safe mode) messages are not supported: set the "
                                    "Official Account's message encryption to plaintext");
    return parseXmlMessage(request.body, context.now);
}

WebResponse WeChatInbound::answer(const IntakeReceipt&) const {
    WebResponse r;
    r.content_type = "text/plain";
    r.body = "success";
    return r;
}

ChannelKindInfo kindInfo() {
    return makeKindInfo<WeChatSettings, WeChatInbound, WeChatOutbound>(
        "wechat", routing::ChannelKind::WeChat,
        {"app_id", "app_secret", "token", "api_base", "encoding_aes_key"},
        [](const config::NodeRef& item, WeChatSettings& s) {
            if (item["app_id"].require()) s.app_id = item["app_id"].nonEmptyString().value_or("");
            s.app_secret = requiredSecret(item["app_secret"]);
            s.token = requiredSecret(item["token"]);
            const auto& t = s.token.reveal();
            bool ok = t.size() >= 3 && t.size() <= 32;
            for (char c : t)
                ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
            if (!t.empty() && !ok) item["token"].error("WeChat's Token is 3 to 32 letters and digits");
            if (item["encoding_aes_key"].present())
                item["encoding_aes_key"].error(
                    "encrypted (safe) mode is not supported yet: use plaintext mode");
            s.api_base = baseUrl(item["api_base"], s.api_base);
        });
}

}  // namespace ccd::channels::wechat
