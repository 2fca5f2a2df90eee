#include "channels/twilio/twilio_channel.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <optional>

#include "channels/common/call_request.hpp"
#include "channels/common/json_body.hpp"
#include "channels/common/settings_reader.hpp"
#include "channels/twilio/twilio_dial.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::twilio {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 9> kStatuses{
    "queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"};

constexpr std::string_view kEmptyTwiml =
    R"(<?xml version="1.0" encoding="UTF-8"?><Response/>)";

WebResponse twiml(std::string body) {
    WebResponse r;
    r.content_type = "text/xml; charset=utf-8";
    r.body = std::move(body);
    return r;
}

std::string xmlEscape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string say(const CallDecision& d) {
    if (d.speech.empty()) return {};
    std::string lang = d.language.empty() ? "" : " language=\"" + xmlEscape(d.language) + "\"";
    return "<Say" + lang + ">" + xmlEscape(d.speech) + "</Say>";
}

// The step a status callback reports, in the words the CTI dialect's call log uses.
std::string statusEventType(std::string_view status) {
    if (status == "ringing" || status == "queued") return "call.ringing";
    if (status == "in-progress") return "call.answered";
    if (status == "initiated") return "call.initiated";  // a call ccd placed is dialled
    return "call.hangup";  // completed, busy, failed, no-answer, canceled
}

}  // namespace

namespace {

// `url` with "name=value" added to its query string.
std::string withQuery(const std::string& url, const std::string& name, const std::string& value) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + name + "=" + value;
}

// The value of `name` in a query string as received; nullopt when it has none.
std::optional<std::string_view> queryValue(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 &&
            part[name.size()] == '=')
            return part.substr(name.size() + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

// What Twilio says a call in <Enqueue> came to (the action URL's QueueResult).
constexpr std::array<std::string_view, 8> kQueueResults{
    "bridged", "bridging-in-progress", "queue-full", "redirected",
    "leave",   "hangup",               "error",      "system-error"};

}  // namespace

// "<url>?menu=<attempt>" (or "&menu=" after a query of its own): where the menu's <Gather>
// posts the caller's digits, so that the answer to each playing is its own step.
std::string menuActionUrl(const std::string& url, int attempt) {
    return withQuery(url, "menu", std::to_string(attempt));
}

std::string enqueueUrl(const std::string& url, const std::string& step) {
    return withQuery(url, "enqueue", step);
}

// The playing of the menu a request answers: `menu=1` or `menu=2` in the query string; 0 when
// the request is not a menu's answer, -1 when the value is not one of those.
int menuAttemptOf(std::string_view query) {
    auto v = queryValue(query, "menu");
    if (!v) return 0;
    return *v == "1" ? 1 : *v == "2" ? 2 : -1;
}

std::string decisionTwiml(const CallDecision& d, const std::string& fallback_queue,
                          const std::string& action_url) {
    std::string body = R"(<?xml version="1.0" encoding="UTF-8"?><Response>)";
    switch (d.kind) {
        case CallDecision::Kind::Ring:
            body += "<Enqueue>" + xmlEscape(fallback_queue) + "</Enqueue>";
            break;
        case CallDecision::Kind::Dial:
            body += "<Dial><Sip>" + xmlEscape(d.target) + "</Sip></Dial>";
            break;
        case CallDecision::Kind::Queue:
            if (d.poll_after_s > 0) {
                // Twilio asks the waitUrl what the caller hears (the announcement, again and
                // again), and the action URL what follows the queue.
                body += "<Enqueue waitUrl=\"" + xmlEscape(enqueueUrl(action_url, "wait")) +
                        "\" waitUrlMethod=\"POST\" action=\"" +
                        xmlEscape(enqueueUrl(action_url, "result")) + "\" method=\"POST\">" +
                        xmlEscape(d.queue) + "</Enqueue>";
            } else {
                body += say(d) + "<Enqueue>" + xmlEscape(d.queue) + "</Enqueue>";
            }
            break;
        case CallDecision::Kind::Voicemail:
            body += say(d) + "<Record transcribe=\"true\" transcribeCallback=\"" +
                    xmlEscape(action_url) + "\" maxLength=\"120\" playBeep=\"true\"/>";
            break;
        case CallDecision::Kind::Menu:
            // actionOnEmptyResult: no key before the timeout is an answer too (repeat, then
            // the fallback), so the call never ends in the menu.
            body += "<Gather input=\"dtmf\" numDigits=\"1\" timeout=\"" +
                    std::to_string(d.timeout_s) +
                    "\" actionOnEmptyResult=\"true\" method=\"POST\" action=\"" +
                    xmlEscape(menuActionUrl(action_url, std::max(1, d.attempt))) + "\">" + say(d) +
                    "</Gather>";
            break;
    }
    return body + "</Response>";
}

std::string waitTwiml(const CallDecision& d) {
    std::string body = R"(<?xml version="1.0" encoding="UTF-8"?><Response>)";
    if (d.kind == CallDecision::Kind::Queue) {
        const int pause = d.poll_after_s > 0 ? d.poll_after_s : 60;
        body += say(d) + "<Pause length=\"" + std::to_string(pause) + "\"/>";
    } else {
        body += "<Leave/>";
    }
    return body + "</Response>";
}

ParseOutcome TwilioInbound::parse(const WebRequest& request, const ParseContext& context) const {
    CallFields f;
    if (auto bad = readCallFields(request, false, f)) return ParseOutcome::reject(*bad);
    std::string url = s_.public_url;
    if (!request.query().empty()) url.append("?").append(request.query());
    if (!validSignature(token_, url, f.pairs, request.header("X-Twilio-Signature")))
        return ParseOutcome::reject(403, "forbidden",
                                    "X-Twilio-Signature does not match the URL and parameters");
    auto account = f.get("AccountSid");
    if (!s_.account_sid.empty() && account != s_.account_sid)
        return ParseOutcome::reject(403, "forbidden", "AccountSid is not this instance's account",
                                    "AccountSid");
    auto sid = f.get("CallSid");
    if (!sid) return ParseOutcome::reject(422, "missing_field", "\"CallSid\" is required", "CallSid");
    if (sid->size() > 200)
        return ParseOutcome::reject(422, "invalid_field", "\"CallSid\" is longer than 200 bytes",
                                    "CallSid");
    // A queue's requests (waitUrl, action) carry the call's status too, but need none.
    const auto enqueue_step = queryValue(request.query(), "enqueue");
    auto status = f.get("CallStatus");
    if (!status && !enqueue_step)
        return ParseOutcome::reject(422, "missing_field", "\"CallStatus\" is required",
                                    "CallStatus");
    if (status && std::find(kStatuses.begin(), kStatuses.end(), *status) == kStatuses.end())
        return ParseOutcome::reject(422, "invalid_field",
                                    "\"CallStatus\" is not one of Twilio's call statuses",
                                    "CallStatus");
    auto direction = f.get("Direction").value_or("inbound");
    if (direction != "inbound" && direction != "outbound-api" && direction != "outbound-dial")
        return ParseOutcome::reject(422, "invalid_field",
                                    "\"Direction\" must be inbound, outbound-api or outbound-dial",
                                    "Direction");
    const bool in = direction == "inbound";
    auto from = f.get("From");
    auto to = f.get("To");
    auto customer_raw = in ? from : to;
    const std::string customer = callerAddress(customer_raw.value_or(""), s_.default_region);

    json data{{"direction", in ? "in" : "out"}};
    if (status) data["status"] = *status;
    if (from) data["from"] = *from;
    if (to) data["to"] = *to;
    if (!customer.empty()) data["customer"] = customer;

    ParseOutcome out;
    out.stored_answer = twiml(std::string(kEmptyTwiml));
    if (const auto& step = enqueue_step) {
        if (*step == "wait") {
            // The waitUrl of <Enqueue>: what the queued caller hears next.
            for (const auto& [field, key] : {std::pair{"QueuePosition", "queue_position"},
                                             std::pair{"QueueTime", "queue_time"},
                                             std::pair{"AvgQueueTime", "avg_queue_time"}}) {
                if (auto v = f.get(field)) data[key] = *v;
            }
            out.stored_answer.reset();
            out.calls.push_back(callEvent(*sid, "call.waiting", data, context.now));
            return out;
        }
        if (*step != "result")
            return ParseOutcome::reject(422, "invalid_field", "\"enqueue\" must be wait or result",
                                        "enqueue");
        // The action of <Enqueue>: the caller left the queue.
        auto result = f.get("QueueResult");
        if (!result)
            return ParseOutcome::reject(422, "missing_field", "\"QueueResult\" is required",
                                        "QueueResult");
        if (std::find(kQueueResults.begin(), kQueueResults.end(), *result) == kQueueResults.end())
            return ParseOutcome::reject(422, "invalid_field",
                                        "\"QueueResult\" is not one of Twilio's queue results",
                                        "QueueResult");
        data["queue_result"] = *result;
        if (auto t = f.get("QueueTime")) data["queue_time"] = *t;
        if (*result == "hangup") {
            // Abandoned while queued: the conversation becomes a call-back.
            data["cause"] = "abandoned";
            out.calls.push_back(callEvent(*sid, "call.hangup", data, context.now, "queue:hangup"));
            return out;
        }
        if (*result == "bridged" || *result == "bridging-in-progress" || *result == "redirected") {
            out.calls.push_back(
                callEvent(*sid, "call.queue_result", data, context.now, "queue:" + *result));
            return out;
        }
        // <Leave/> (the maximum wait, an agent who took the call), or the queue failed: the
        // answer is what follows (the voicemail, <Dial>).
        out.stored_answer.reset();
        out.calls.push_back(
            callEvent(*sid, "call.dequeued", data, context.now, "queue:" + *result));
        return out;
    }
    if (auto text = f.get("TranscriptionText")) {
        // A voicemail's transcription: a message in the caller's conversation, classified like
        // any other.
        if (customer.empty())
            return ParseOutcome::reject(422, "missing_field", "\"From\" is required", "From");
        auto m = newCallMessage(*sid + ":transcription", customer, context.now);
        m.text = *text;
        out.messages.push_back(std::move(m));
        data["text"] = *text;
        if (auto rec = f.get("RecordingUrl")) data["recording_url"] = *rec;
        out.calls.push_back(callEvent(*sid, "call.transcription", data, context.now));
        return out;
    }
    if (auto rec = f.get("RecordingUrl")) {
        data["recording_url"] = *rec;
        if (auto d = f.get("RecordingDuration")) data["recording_duration"] = *d;
        out.calls.push_back(callEvent(*sid, "call.recording", data, context.now));
        return out;
    }
    if (auto attempt = menuAttemptOf(request.query())) {
        // The phone menu's <Gather> posts here: the digit routes the call, and the answer is
        // what the engine then decided.
        if (attempt < 0)
            return ParseOutcome::reject(422, "invalid_field", "\"menu\" must be 1 or 2", "menu");
        CallEvent e;
        if (auto bad = menuDigitsEvent(*sid, f.get("Digits").value_or(""), attempt, data,
                                       context.now, "Digits", e))
            return ParseOutcome::reject(*bad);
        out.stored_answer.reset();
        out.calls.push_back(std::move(e));
        return out;
    }
    if (auto digits = f.get("Digits")) {
        data["digits"] = *digits;
        out.calls.push_back(callEvent(*sid, "call.digits", data, context.now, "digits:" + *digits));
        return out;
    }
    const bool callback = f.get("CallbackSource").has_value();
    if (in && !callback && (*status == "ringing" || *status == "queued")) {
        // The call's first request: ccd's routing decides what Twilio does with it.
        if (customer.empty())
            return ParseOutcome::reject(422, "missing_field", "\"From\" is required", "From");
        out.stored_answer.reset();
        out.messages.push_back(newCallMessage(*sid, customer, context.now));
        out.calls.push_back(callEvent(*sid, "call.ringing", data, context.now));
        return out;
    }
    // A call ccd placed (twilio_dial.hpp): its URLs name the conversation.
    const auto leg = dialLegOf(request.query());
    if (leg.conversation < 0)
        return ParseOutcome::reject(422, "invalid_field", "\"dial\" is not a conversation id",
                                    "dial");
    if (leg.conversation > 0 && !leg.target.empty() && !in && !callback) {
        // The customer answered: Twilio fetches `Url`, and the answer rings the agent.
        data["agent"] = leg.agent;
        data["target"] = leg.target;
        out.calls.push_back(
            callEvent(*sid, "call.answered", data, context.now, "status:in-progress"));
        out.calls.back().conversation_id = leg.conversation;
        out.stored_answer = twiml(connectTwiml(leg.target));
        return out;
    }
    if (auto d = f.get("CallDuration")) data["duration"] = *d;
    if (statusEventType(*status) == "call.hangup") data["cause"] = *status;
    out.calls.push_back(
        callEvent(*sid, statusEventType(*status), data, context.now, "status:" + *status));
    out.calls.back().conversation_id = leg.conversation;
    return out;
}

WebResponse TwilioInbound::answer(const IntakeReceipt& receipt) const {
    CallDecision ring;
    const CallDecision* d = receipt.call_step ? &*receipt.call_step : &ring;
    for (const auto& m : receipt.messages) {
        if (m.call) d = &*m.call;
    }
    // A queued caller's waitUrl request: the announcement, or <Leave/> to what follows.
    if (receipt.call_step_type == "call.waiting") return twiml(waitTwiml(*d));
    return twiml(decisionTwiml(*d, s_.queue_name.empty() ? s_.name : s_.queue_name, s_.public_url));
}

ChannelKindInfo kindInfo() {
    return makeKindInfo<TwilioSettings, TwilioInbound, TwilioOutbound>(
        "twilio", routing::ChannelKind::Voice,
        {"account_sid", "auth_token", "api_base", "public_url", "default_region", "queue_name",
         "outbound_caller_ids", "default_caller_id"},
        [](const config::NodeRef& item, TwilioSettings& s) {
            if (item["account_sid"].require())
                s.account_sid = item["account_sid"].nonEmptyString().value_or("");
            if (!s.account_sid.empty() && s.account_sid.rfind("AC", 0) != 0)
                item["account_sid"].error("a Twilio account SID starts with AC");
            s.auth_token = requiredSecret(item["auth_token"]);
            s.api_base = baseUrl(item["api_base"], s.api_base);
            // Kept exactly as written (a trailing slash too): the signature covers it.
            if (item["public_url"].require()) {
                s.public_url = item["public_url"].nonEmptyString().value_or("");
                if (!s.public_url.empty() && s.public_url.rfind("http://", 0) != 0 &&
                    s.public_url.rfind("https://", 0) != 0)
                    item["public_url"].error("expected the http:// or https:// URL Twilio calls");
            }
            s.default_region = readPhoneRegion(item["default_region"]);
            s.queue_name = item["queue_name"].string().value_or("");
            readCallerIds(item, s.outbound_caller_ids, s.default_caller_id);
        });
}

}  // namespace ccd::channels::twilio
