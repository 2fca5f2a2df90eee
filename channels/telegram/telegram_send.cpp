// Sending through the Bot API: sendMessage and sendChatAction, and reading its answers.
#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"
#include "channels/common/send_outcome.hpp"
#include "channels/common/text_limits.hpp"
#include "channels/telegram/telegram_channel.hpp"

namespace ccd::channels::telegram {
namespace {

using nlohmann::json;

// Chat ids are integers (negative for groups); a channel's "@name" is a string.
json chatId(const std::string& to) {
    bool numeric = !to.empty();
    for (std::size_t i = 0; i < to.size(); ++i) {
        numeric = numeric && ((to[i] >= '0' && to[i] <= '9') || (i == 0 && to[i] == '-'));
    }
    if (numeric && to.size() < 19 && to != "-") return json(std::stoll(to));
    return json(to);
}

HttpCall post(const std::string& url, const json& body) {
    HttpCall c;
    c.method = "POST";
    c.url = url;
    c.headers.emplace_back("Content-Type", "application/json");
    c.body = dumpJson(body);
    return c;
}

}  // namespace

BuiltSend TelegramOutbound::build(const OutgoingMessage& m, const AccessToken*,
                                  routing::TimePoint) const {
    if (m.text.empty()) return {std::nullopt, SendOutcome::failed("the message has no text")};
    if (utf16Length(m.text) > kMaxText)
        return {std::nullopt,
                SendOutcome::failed("the text is longer than Telegram's 4096 characters")};
    return {post(base_ + "/sendMessage", json{{"chat_id", chatId(m.to)}, {"text", m.text}}),
            std::nullopt};
}

SendOutcome TelegramOutbound::classify(const OutgoingMessage& m, const HttpAnswer& a) const {
    auto now = routing::Clock::now();
    auto body = parseJsonBody(a.body);
    const json& j = body.value;
    if (a.status >= 200 && a.status < 300 && !body.error && j.is_object() && j.value("ok", false)) {
        std::string id;
        if (const auto* result = jsonObject(j, "result")) {
            auto message_id = jsonId(*result, "message_id");
            const json* chat = jsonObject(*result, "chat");
            auto chat_id = chat ? jsonId(*chat, "id") : std::nullopt;
            if (message_id) id = chat_id.value_or(m.to) + ":" + *message_id;
        }
        return SendOutcome::sent(std::move(id));
    }
    if (body.error || !j.is_object()) return classifyHttp(a, now);
    // {"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5",
    //  "parameters":{"retry_after":5}}
    auto code = jsonInt(j, "error_code").value_or(a.status);
    std::string reason = "Telegram " + std::to_string(code) + ": " +
                         jsonString(j, "description").value_or(describeAnswer(a));
    if (code == 429) {
        std::optional<std::chrono::milliseconds> after;
        if (const auto* p = jsonObject(j, "parameters")) {
            if (auto s = jsonInt(*p, "retry_after"); s && *s >= 0 && *s < 86400)
                after = std::chrono::seconds(*s);
        }
        if (!after) after = parseRetryAfter(a.header("Retry-After"), now);
        auto out = SendOutcome::retry(std::move(reason), after);
        out.pause_instance = true;
        return out;
    }
    // A wrong token (401, 404) is the configuration's fault, not the message's: keep it until
    // an operator fixes the token, within the retry policy.
    if (code >= 500 || code == 401 || code == 404) return SendOutcome::retry(std::move(reason));
    return SendOutcome::failed(std::move(reason));
}

std::optional<HttpCall> TelegramOutbound::typing(const std::string& to, const AccessToken*) const {
    return post(base_ + "/sendChatAction", json{{"chat_id", chatId(to)}, {"action", "typing"}});
}

}  // namespace ccd::channels::telegram
