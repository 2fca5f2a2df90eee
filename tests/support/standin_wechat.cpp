// WeChat Official Account API (https://developers.weixin.qq.com/doc/offiaccount/): the access
// token (`GET /cgi-bin/token`, `POST /cgi-bin/stable_token`) and customer-service messages
// (`POST /cgi-bin/message/custom/send?access_token=...`). Errors are HTTP 200 with
// `{"errcode":N,"errmsg":"..."}`, as WeChat answers them.

#include "tests/support/standin_dialects.hpp"

namespace ccd::standin {

namespace {

using json = nlohmann::ordered_json;

// errmsg as WeChat words them (without the " rid: ..." suffix its servers append).
const char* errmsgOf(long errcode) {
    switch (errcode) {
        case -1:
            return "system error";
        case 0:
            return "ok";
        case 40001:
            return "invalid credential, access_token is invalid or not latest";
        case 40002:
            return "invalid grant_type";
        case 40003:
            return "invalid openid";
        case 40008:
            return "invalid message type";
        case 40013:
            return "invalid appid";
        case 40125:
            return "invalid appsecret";
        case 41001:
            return "access_token missing";
        case 41002:
            return "appid missing";
        case 41004:
            return "appsecret missing";
        case 42001:
            return "access_token expired";
        case 43002:
            return "require POST method";
        case 44002:
            return "empty post data";
        case 44004:
            return "empty content";
        case 45009:
            return "reach max api daily quota limit";
        case 45015:
            return "response out of time limit or subscription is canceled";
        case 45047:
            return "out of response count limit";
        case 47001:
            return "data format error";
        case 48001:
            return "api unauthorized";
        default:
            break;
    }
    return "error";
}

Answer wx(const json& body) {
    Answer a = jsonAnswer(200, body);
    a.content_type = "application/json; encoding=utf-8";
    return a;
}

Answer wxError(long errcode) {
    return wx(json{{"errcode", errcode}, {"errmsg", errmsgOf(errcode)}});
}

Answer issueToken(const std::string& grant_type, const std::string& appid,
                  const std::string& secret, ProviderState& state) {
    if (grant_type != "client_credential") return wxError(40002);
    if (auto refused = state.checkWeChatApp(appid, secret)) return wx(*refused);
    return wx(json{{"access_token", state.issueWeChatToken()}, {"expires_in", 7200}});
}

std::string str(const json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Answer wechatAnswer(const Request& req, ProviderState& state) {
    auto path = req.path();
    auto query = req.query();
    if (path == "/cgi-bin/token") {
        return issueToken(query["grant_type"], query["appid"], query["secret"], state);
    }
    if (path == "/cgi-bin/stable_token") {
        json body = json::parse(req.body, nullptr, false);
        if (!body.is_object()) return wxError(47001);
        return issueToken(str(body, "grant_type"), str(body, "appid"), str(body, "secret"), state);
    }
    if (path == "/cgi-bin/message/custom/send" || path == "/cgi-bin/message/custom/typing") {
        auto token = query.find("access_token");
        if (token == query.end() || token->second.empty()) return wxError(41001);
        if (!state.weChatTokenValid(token->second)) return wxError(40001);
        if (req.method != "POST") return wxError(43002);
        if (req.body.empty()) return wxError(44002);
        json body = json::parse(req.body, nullptr, false);
        if (!body.is_object()) return wxError(47001);
        if (str(body, "touser").empty()) return wxError(40003);
        if (path == "/cgi-bin/message/custom/typing") return wxError(0);
        std::string type = str(body, "msgtype");
        static const char* kTypes[] = {"text",    "image",  "voice",          "video",
                                       "music",   "news",   "mpnews",         "mpnewsarticle",
                                       "msgmenu", "wxcard", "miniprogrampage"};
        bool known = false;
        for (const char* t : kTypes) known = known || type == t;
        if (!known || !body.contains(type) || !body[type].is_object()) return wxError(40008);
        if (type == "text" && str(body["text"], "content").empty()) return wxError(44004);
        return wxError(0);
    }
    Answer a;
    a.status = 404;
    a.content_type = "text/plain";
    a.body = "404 Not Found\n";
    return a;
}

Answer wechatError(const ErrorSpec& spec) {
    long errcode = spec.errcode.value_or(spec.code.value_or(-1));
    Answer a =
        wx(json{{"errcode", errcode}, {"errmsg", spec.description.value_or(errmsgOf(errcode))}});
    a.status = spec.status ? spec.status : 200;
    if (spec.retry_after) a.headers.emplace_back("Retry-After", std::to_string(*spec.retry_after));
    return a;
}

}  // namespace ccd::standin
