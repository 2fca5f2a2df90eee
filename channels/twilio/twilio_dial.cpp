#include "channels/twilio/twilio_dial.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "channels/common/crypto.hpp"
#include "channels/common/json_body.hpp"
#include "channels/common/send_outcome.hpp"
#include "channels/common/url.hpp"

namespace ccd::channels::twilio {

namespace {

std::string withQuery(const std::string& url, const std::string& query) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [k, v] : fields)
        body += (body.empty() ? "" : "&") + percentEncode(k) + "=" + percentEncode(v);
    return body;
}

}  // namespace

std::optional<HttpCall> callsRequest(const TwilioSettings& s, const OutgoingMessage& m,
                                     const DialRequest& dial, std::string& error) {
    auto from = callerIdFor(s.outbound_caller_ids, s.default_caller_id, m.to, s.default_region);
    if (from.empty()) {
        error = "no caller id for " + m.to +
                ": set outbound_caller_ids or default_caller_id on the twilio instance " + s.name;
        return std::nullopt;
    }
    const std::string conversation = "dial=" + std::to_string(m.conversation_id);
    HttpCall c;
    c.url = s.api_base + "/2010-04-01/Accounts/" + percentEncode(s.account_sid) + "/Calls.json";
    c.headers.emplace_back("Authorization",
                           "Basic " + base64(s.account_sid + ":" + s.auth_token.reveal()));
    c.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    c.body = form({{"To", m.to},
                   {"From", from},
                   {"Url", withQuery(s.public_url, conversation + "&agent=" +
                                                       percentEncode(dial.agent) + "&target=" +
                                                       percentEncode(dial.target))},
                   {"Method", "POST"},
                   {"StatusCallback", withQuery(s.public_url, conversation)},
                   {"StatusCallbackMethod", "POST"},
                   {"StatusCallbackEvent", "initiated"},
                   {"StatusCallbackEvent", "ringing"},
                   {"StatusCallbackEvent", "answered"},
                   {"StatusCallbackEvent", "completed"}});
    return c;
}

DialLeg dialLegOf(std::string_view query) {
    DialLeg leg;
    auto params = parseQuery(query);
    if (!params) return leg;
    for (const auto& [k, v] : *params) {
        if (k == "dial") {
            char* end = nullptr;
            auto id = std::strtoll(v.c_str(), &end, 10);
            leg.conversation = end && *end == '\0' && id > 0 ? id : -1;
        } else if (k == "target") {
            leg.target = v;
        } else if (k == "agent") {
            leg.agent = v;
        }
    }
    return leg;
}

std::string connectTwiml(const std::string& target) {
    CallDecision d;
    d.kind = CallDecision::Kind::Dial;
    d.target = target;
    return decisionTwiml(d, {}, {});
}

BuiltSend TwilioOutbound::buildDial(const OutgoingMessage& m, const DialRequest& dial,
                                    routing::TimePoint) const {
    std::string error;
    auto call = callsRequest(s_, m, dial, error);
    if (!call) return {std::nullopt, SendOutcome::failed(error)};
    return {std::move(call), std::nullopt};
}

SendOutcome TwilioOutbound::classifyDial(const OutgoingMessage&, const HttpAnswer& a) const {
    auto out = classifyHttp(a, routing::Clock::now());
    auto body = parseJsonBody(a.body);
    const bool json = !body.error && body.value.is_object();
    if (out.kind == SendOutcome::Kind::Sent) {
        // 201 Created with the call resource: its sid is the CallSid of every later callback.
        // Without one (not Twilio's way) the call is still placed: its callbacks name the
        // conversation (`dial=`), so it is not asked for twice.
        if (json) out.provider_message_id = jsonString(body.value, "sid").value_or("");
    } else if (out.kind == SendOutcome::Kind::Failed && json) {
        // Twilio's error: {"code": 21211, "message": "The 'To' number ... is not valid", ...}
        auto code = jsonId(body.value, "code");
        auto message = jsonString(body.value, "message");
        if (message)
            out.reason = "HTTP " + std::to_string(a.status) + (code ? " (" + *code + ")" : "") +
                         ": " + *message;
    }
    return out;
}

}  // namespace ccd::channels::twilio
