// Sending through the Cloud API: text within the customer-service window, the approved
// template outside it, and reading Graph API answers and errors.
#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"
#include "channels/common/send_outcome.hpp"
#include "channels/common/text_limits.hpp"
#include "channels/whatsapp/whatsapp_channel.hpp"

namespace ccd::channels::whatsapp {
namespace {

using nlohmann::json;

// Template parameters may not hold new lines, tabs or more than four spaces in a row
// (Graph error 132018).
std::string asParameter(std::string_view text) {
    std::string out;
    int spaces = 0;
    for (char c : text) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        spaces = c == ' ' ? spaces + 1 : 0;
        if (spaces > 1) continue;
        out.push_back(c);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace

BuiltSend WhatsAppOutbound::build(const OutgoingMessage& m, const AccessToken*,
                                  routing::TimePoint now) const {
    bool outside = m.last_inbound_at && now - *m.last_inbound_at > kWindow;
    bool use_template = m.window_template || outside;
    json body{{"messaging_product", "whatsapp"}, {"recipient_type", "individual"}, {"to", m.to}};
    if (use_template) {
        if (!window_template_) {
            auto hours = m.last_inbound_at ? std::chrono::duration_cast<std::chrono::hours>(
                                                 now - *m.last_inbound_at)
                                                 .count()
                                           : 0;
            return {std::nullopt,
                    SendOutcome::failed("outside WhatsApp's 24-hour customer-service window (the "
                                        "customer last wrote " +
                                        std::to_string(hours) +
                                        " h ago) and the instance has no window_template")};
        }
        json tpl{{"name", window_template_->name},
                 {"language", {{"code", window_template_->language}}}};
        if (window_template_->text_parameter && !m.text.empty()) {
            tpl["components"] = json::array(
                {{{"type", "body"},
                  {"parameters", json::array({{{"type", "text"}, {"text", asParameter(m.text)}}})}}});
        }
        body["type"] = "template";
        body["template"] = std::move(tpl);
    } else {
        if (m.text.empty()) return {std::nullopt, SendOutcome::failed("the message has no text")};
        if (utf16Length(m.text) > kMaxText)
            return {std::nullopt,
                    SendOutcome::failed("the text is longer than WhatsApp's 4096 characters")};
        body["type"] = "text";
        body["text"] = {{"preview_url", false}, {"body", m.text}};
    }
    HttpCall c;
    c.url = url_;
    c.headers.emplace_back("Content-Type", "application/json");
    c.headers.emplace_back("Authorization", "Bearer " + access_token_);
    c.body = dumpJson(body);
    return {std::move(c), std::nullopt};
}

SendOutcome WhatsAppOutbound::classify(const OutgoingMessage&, const HttpAnswer& a) const {
    auto now = routing::Clock::now();
    auto body = parseJsonBody(a.body);
    const json& j = body.value;
    if (a.status >= 200 && a.status < 300) {
        std::string id;
        if (const auto* messages = jsonArray(j, "messages"); messages && !messages->empty())
            id = jsonString((*messages)[0], "id").value_or("");
        return SendOutcome::sent(std::move(id));
    }
    const json* error = body.error ? nullptr : jsonObject(j, "error");
    if (!error) return classifyHttp(a, now);
    auto code = jsonInt(*error, "code").value_or(0);
    std::string reason = "WhatsApp " + std::to_string(code) + ": " +
                         jsonString(*error, "message").value_or(describeAnswer(a));
    if (const auto* data = jsonObject(*error, "error_data")) {
        if (auto details = jsonString(*data, "details")) reason += " (" + *details + ")";
    }
    switch (code) {
        case 4:        // application request limit
        case 80007:    // WABA rate limit
        case 130429:   // throughput reached
        case 131048:   // spam rate limit
        case 131056: {  // pair rate limit: too many to this number
            auto out = SendOutcome::retry(std::move(reason),
                                          parseRetryAfter(a.header("Retry-After"), now));
            out.pause_instance = code != 131056;
            return out;
        }
        case 0:        // AuthException
        case 190:      // the access token expired or was revoked: an operator renews it
        case 1:        // unknown API error
        case 2:        // service temporarily unavailable
        case 131000:   // something went wrong
        case 131016:   // service unavailable
            return SendOutcome::retry(std::move(reason));
        default:
            if (a.status >= 500 || a.status == 0) return SendOutcome::retry(std::move(reason));
            return SendOutcome::failed(std::move(reason));
    }
}

}  // namespace ccd::channels::whatsapp
