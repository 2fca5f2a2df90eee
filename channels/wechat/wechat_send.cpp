// Sending through the customer-service message API, and the access token it needs.
#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"
#include "channels/common/send_outcome.hpp"
#include "channels/common/url.hpp"
#include "channels/wechat/wechat_channel.hpp"

namespace ccd::channels::wechat {
namespace {

using nlohmann::json;

HttpCall postJson(std::string url, const json& body) {
    HttpCall c;
    c.url = std::move(url);
    c.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    c.body = dumpJson(body);
    return c;
}

}  // namespace

std::optional<HttpCall> WeChatOutbound::tokenRequest() const {
    HttpCall c;
    c.method = "GET";
    c.url = base_ + "/cgi-bin/token?grant_type=client_credential&appid=" + percentEncode(app_id_) +
            "&secret=" + percentEncode(app_secret_);
    return c;
}

std::optional<AccessToken> WeChatOutbound::parseToken(const HttpAnswer& a, routing::TimePoint now,
                                                      std::string& error) const {
    auto body = parseJsonBody(a.body);
    if (a.status != 200 || body.error || !body.value.is_object()) {
        error = "access token: " + describeAnswer(a);
        return std::nullopt;
    }
    auto token = jsonString(body.value, "access_token");
    auto expires = jsonInt(body.value, "expires_in");
    if (!token || token->empty() || !expires || *expires <= 0) {
        error = "access token: WeChat " + jsonId(body.value, "errcode").value_or("?") + ": " +
                jsonString(body.value, "errmsg").value_or(describeAnswer(a));
        return std::nullopt;
    }
    // Renewed a while before it expires, so that no send carries a token about to lapse.
    auto life = std::chrono::seconds(*expires);
    auto margin = std::min<std::chrono::seconds>(std::chrono::minutes(5), life / 10);
    return AccessToken{*token, now + life - margin};
}

BuiltSend WeChatOutbound::build(const OutgoingMessage& m, const AccessToken* token,
                                routing::TimePoint now) const {
    if (m.last_inbound_at && now - *m.last_inbound_at > kWindow) {
        auto hours =
            std::chrono::duration_cast<std::chrono::hours>(now - *m.last_inbound_at).count();
        return {std::nullopt,
                SendOutcome::failed("outside WeChat's 48-hour customer-service window (the "
                                    "customer last wrote " +
                                    std::to_string(hours) + " h ago)")};
    }
    if (m.text.empty()) return {std::nullopt, SendOutcome::failed("the message has no text")};
    if (!token) return {std::nullopt, SendOutcome::retry("no access token yet")};
    return {postJson(base_ + "/cgi-bin/message/custom/send?access_token=" +
                         percentEncode(token->value),
                     json{{"touser", m.to}, {"msgtype", "text"}, {"text", {{"content", m.text}}}}),
            std::nullopt};
}

SendOutcome WeChatOutbound::classify(const OutgoingMessage&, const HttpAnswer& a) const {
    auto body = parseJsonBody(a.body);
    if (a.status < 200 || a.status >= 300) return classifyHttp(a, routing::Clock::now());
    // WeChat answers 200 with an errcode; a 200 we cannot read may not have been sent.
    if (body.error || !body.value.is_object())
        return SendOutcome::retry("unreadable answer: " + describeAnswer(a));
    auto code = jsonInt(body.value, "errcode").value_or(0);
    if (code == 0) return SendOutcome::sent(jsonId(body.value, "msgid").value_or(""));
    std::string reason = "WeChat " + std::to_string(code) + ": " +
                         jsonString(body.value, "errmsg").value_or("");
    switch (code) {
        case 40001:  // invalid credential: the token is not the latest
        case 40014:  // invalid access_token
        case 42001: {  // access_token expired
            auto out = SendOutcome::retry(std::move(reason), std::chrono::milliseconds(0));
            out.refresh_token = true;
            return out;
        }
        case -1:     // system busy
            return SendOutcome::retry(std::move(reason));
        case 45009: {  // the account's daily API quota is used up
            auto out = SendOutcome::retry(std::move(reason), std::chrono::minutes(10));
            out.pause_instance = true;
            return out;
        }
        case 45015:
            return SendOutcome::failed(reason + " (outside the 48-hour window)");
        default:     // 45047 too many replies, 43004 unsubscribed, 40003 unknown openid...
            return SendOutcome::failed(std::move(reason));
    }
}

std::optional<HttpCall> WeChatOutbound::typing(const std::string& to,
                                               const AccessToken* token) const {
    if (!token) return std::nullopt;
    return postJson(base_ + "/cgi-bin/message/custom/typing?access_token=" +
                        percentEncode(token->value),
                    json{{"touser", to}, {"command", "Typing"}});
}

}  // namespace ccd::channels::wechat
