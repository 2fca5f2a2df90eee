// Telegram Bot API (https://core.telegram.org/bots/api): `/bot<token>/<method>`, parameters in
// the query string, a JSON body or an application/x-www-form-urlencoded body; every answer is
// `{"ok":true,"result":...}` or `{"ok":false,"error_code":N,"description":"..."}`.

#include <chrono>

#include "tests/support/standin_dialects.hpp"

namespace ccd::standin {

namespace {

using json = nlohmann::ordered_json;

Answer tgError(int status, const std::string& description) {
    return jsonAnswer(status,
                      json{{"ok", false}, {"error_code", status}, {"description", description}});
}

Answer tgOk(json result) {
    return jsonAnswer(200, json{{"ok", true}, {"result", std::move(result)}});
}

/// The request's parameters as JSON: the query string, then the body (JSON object or form).
json parameters(const Request& req) {
    json params = json::object();
    for (auto& [k, v] : req.query()) params[k] = v;
    auto type = req.header("Content-Type");
    if (type.find("application/json") != std::string::npos) {
        auto body = json::parse(req.body, nullptr, false);
        if (body.is_object()) {
            for (auto& [k, v] : body.items()) params[k] = v;
        }
    } else if (type.find("application/x-www-form-urlencoded") != std::string::npos) {
        for (auto& [k, v] : parseForm(req.body)) params[k] = v;
    }
    return params;
}

/// A parameter as text ("" when absent or null); numbers keep their digits.
std::string text(const json& params, const char* name) {
    auto it = params.find(name);
    if (it == params.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
    return it->dump();
}

bool isInteger(const std::string& s) {
    if (s.empty()) return false;
    std::size_t i = s[0] == '-' ? 1 : 0;
    if (i == s.size()) return false;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return s.size() <= 19;
}

json chatOf(const std::string& chat_id) {
    if (isInteger(chat_id)) {
        auto id = std::stoll(chat_id);
        if (id > 0) return json{{"id", id}, {"first_name", "Customer"}, {"type", "private"}};
        bool super = chat_id.rfind("-100", 0) == 0;
        return json{{"id", id}, {"title", "Group"}, {"type", super ? "supergroup" : "group"}};
    }
    // "@channelusername"
    return json{{"id", -1001000000001LL},
                {"title", chat_id.substr(1)},
                {"username", chat_id.substr(1)},
                {"type", "channel"}};
}

json botUser(const std::string& token) {
    std::int64_t id = 1;
    auto colon = token.find(':');
    auto digits = token.substr(0, colon);
    if (isInteger(digits) && digits[0] != '-') id = std::stoll(digits);
    return json{
        {"id", id}, {"is_bot", true}, {"first_name", "Stand-in Bot"}, {"username", "standin_bot"}};
}

std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Answer telegramAnswer(const Request& req, ProviderState& state) {
    auto path = req.path();  // "/bot<token>/<method>"
    auto slash = path.find('/', 4);
    if (slash == std::string_view::npos || slash == 4) return tgError(404, "Not Found");
    std::string token(path.substr(4, slash - 4));
    std::string method(path.substr(slash + 1));
    if (req.method != "GET" && req.method != "POST") return tgError(404, "Not Found");
    json params = parameters(req);

    if (method == "getMe") {
        json me = botUser(token);
        me["can_join_groups"] = true;
        me["can_read_all_group_messages"] = false;
        me["supports_inline_queries"] = false;
        return tgOk(std::move(me));
    }
    if (method == "sendMessage") {
        auto chat_id = text(params, "chat_id");
        if (chat_id.empty()) return tgError(400, "Bad Request: chat_id is empty");
        auto body = text(params, "text");
        if (body.empty()) return tgError(400, "Bad Request: message text is empty");
        if (body.size() > 4096) return tgError(400, "Bad Request: message is too long");
        json chat = chatOf(chat_id);
        auto now = unixNow();
        json message{{"message_id", state.nextTelegramMessageId(chat_id)},
                     {"from", botUser(token)},
                     {"chat", chat},
                     {"date", now},
                     {"text", body}};
        std::string reply_to = text(params, "reply_to_message_id");
        if (reply_to.empty() && params.contains("reply_parameters") &&
            params["reply_parameters"].is_object())
            reply_to = text(params["reply_parameters"], "message_id");
        if (isInteger(reply_to)) {
            message["reply_to_message"] =
                json{{"message_id", std::stoll(reply_to)}, {"chat", chat}, {"date", now}};
        }
        return tgOk(std::move(message));
    }
    if (method == "sendChatAction") {
        if (text(params, "chat_id").empty()) return tgError(400, "Bad Request: chat_id is empty");
        static const char* kActions[] = {
            "typing",        "upload_photo",      "record_video",     "upload_video",
            "record_voice",  "upload_voice",      "upload_document",  "choose_sticker",
            "find_location", "record_video_note", "upload_video_note"};
        auto action = text(params, "action");
        for (const char* a : kActions) {
            if (action == a) return tgOk(true);
        }
        return tgError(400, "Bad Request: wrong parameter action in request");
    }
    return tgError(404, "Not Found");
}

Answer telegramError(const ErrorSpec& spec) {
    int status = spec.status ? spec.status : 400;
    std::string description;
    if (spec.description) {
        description = *spec.description;
    } else if (status == 429) {
        description =
            "Too Many Requests: retry after " + std::to_string(spec.retry_after.value_or(1));
    } else if (status == 403) {
        description = "Forbidden: bot was blocked by the user";
    } else if (status == 400) {
        description = "Bad Request: chat not found";
    } else {
        description = reasonPhrase(status);
    }
    json body{{"ok", false}, {"error_code", status}, {"description", description}};
    if (spec.retry_after) body["parameters"] = json{{"retry_after", *spec.retry_after}};
    Answer a = jsonAnswer(status, body);
    if (spec.retry_after) a.headers.emplace_back("Retry-After", std::to_string(*spec.retry_after));
    return a;
}

}  // namespace ccd::standin
