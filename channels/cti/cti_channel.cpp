#include "channels/cti/cti_channel.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

#include "channels/common/call_request.hpp"
#include "channels/common/crypto.hpp"
#include "channels/common/json_body.hpp"
#include "channels/common/phone_number.hpp"
#include "channels/common/settings_reader.hpp"
#include "channels/cti/cti_dial.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::cti {

using nlohmann::json;

namespace {

void addIfSet(json& j, const char* key, const std::optional<std::string>& v) {
    if (v) j[key] = *v;
}

}  // namespace

std::string callerIdFor(const CtiSettings& s, const std::string& number) {
    return channels::callerIdFor(s.outbound_caller_ids, s.default_caller_id, number,
                                 s.default_region);
}

ParseOutcome CtiInbound::parse(const WebRequest& request, const ParseContext& context) const {
    auto out = parseEvent(request, context);
    if (out.rejection || out.calls.empty()) return out;
    // A call ccd asked for through `dial_url` (cti_dial.hpp): its events may name the
    // conversation, which joins them to it before the phone system's call id is known.
    CallFields f;
    if (readCallFields(request, true, f)) return out;
    if (auto conversation = f.get("conversation")) {
        char* end = nullptr;
        auto id = std::strtoll(conversation->c_str(), &end, 10);
        if (end && *end == '\0' && id > 0) {
            for (auto& e : out.calls) e.conversation_id = id;
        }
    }
    return out;
}

ParseOutcome CtiInbound::parseEvent(const WebRequest& request, const ParseContext& context) const {
    // /webhooks/cti/<instance>/<token>: the token is the URL's last segment.
    std::string_view path = request.path();
    auto slash = path.rfind('/');
    std::string_view token = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (!constantTimeEquals(token, token_))
        return ParseOutcome::reject(401, "unauthorized",
                                    "the token at the end of the URL is wrong or missing");
    CallFields f;
    if (auto bad = readCallFields(request, true, f)) return ParseOutcome::reject(*bad);

    auto event = f.get("event");
    if (!event) return ParseOutcome::reject(422, "missing_field", "\"event\" is required", "event");
    if (*event != "newCall" && *event != "answer" && *event != "hangup" && *event != "digits" &&
        *event != "waiting")
        return ParseOutcome::reject(422, "invalid_field",
                                    "\"event\" must be newCall, answer, hangup, digits or waiting",
                                    "event");
    // The answer to ccd's menu, and a queued caller's poll, come from the caller's side: their
    // direction goes without saying.
    const bool callers_step = *event == "digits" || *event == "waiting";
    auto direction = callers_step ? f.get("direction").value_or("in") : f.get("direction");
    if (!direction)
        return ParseOutcome::reject(422, "missing_field", "\"direction\" is required", "direction");
    if (*direction != "in" && *direction != "out")
        return ParseOutcome::reject(422, "invalid_field", "\"direction\" must be in or out",
                                    "direction");
    auto call_id = f.any({"callId", "call_id"});
    if (!call_id)
        return ParseOutcome::reject(422, "missing_field", "\"callId\" is required", "callId");
    if (call_id->size() > 200)
        return ParseOutcome::reject(422, "invalid_field", "\"callId\" is longer than 200 bytes",
                                    "callId");
    auto from = f.get("from");
    auto to = f.get("to");
    const bool in = *direction == "in";
    // The customer's side of the call: the caller of an inbound call, the callee of an outbound.
    auto customer_raw = in ? from : to;
    if (*event == "newCall" && !customer_raw)
        return ParseOutcome::reject(422, "missing_field",
                                    in ? "\"from\" is required" : "\"to\" is required",
                                    in ? "from" : "to");
    const std::string customer = callerAddress(customer_raw.value_or(""), s_.default_region);

    json data{{"direction", *direction}};
    addIfSet(data, "from", from);
    addIfSet(data, "to", to);
    if (!customer.empty()) data["customer"] = customer;
    addIfSet(data, "user", f.joined("user"));
    addIfSet(data, "queue", f.get("queue"));
    addIfSet(data, "answering_number", f.get("answeringNumber"));
    addIfSet(data, "cause", f.get("cause"));

    ParseOutcome out;
    if (*event == "digits") {
        // The caller's key in ccd's menu ({"action":"menu"}): answered with what routing then
        // decided (the menu once more, dial, queue).
        auto attempt_text = f.get("attempt").value_or("1");
        if (attempt_text != "1" && attempt_text != "2")
            return ParseOutcome::reject(422, "invalid_field", "\"attempt\" must be 1 or 2",
                                        "attempt");
        if (!in)
            return ParseOutcome::reject(422, "invalid_field",
                                        "\"digits\" answers the menu of an inbound call",
                                        "direction");
        CallEvent e;
        if (auto bad = menuDigitsEvent(*call_id, f.get("digits").value_or(""),
                                       attempt_text == "1" ? 1 : 2, data, context.now, "digits", e))
            return ParseOutcome::reject(*bad);
        out.calls.push_back(std::move(e));
        return out;
    }
    if (*event == "waiting") {
        // A caller ccd queued with `poll_after` still waits: answered with a fresh decision
        // (the queue's announcement again, dial the agent who took the call, the voicemail
        // after the queue's maximum wait). Stored once per call; each poll is answered.
        if (!in)
            return ParseOutcome::reject(422, "invalid_field",
                                        "\"waiting\" is a queued caller's poll: an inbound call",
                                        "direction");
        out.calls.push_back(callEvent(*call_id, "call.waiting", data, context.now));
        return out;
    }
    if (*event == "answer") {
        out.calls.push_back(callEvent(*call_id, "call.answered", data, context.now));
        return out;
    }
    if (*event == "hangup") {
        out.calls.push_back(callEvent(*call_id, "call.hangup", data, context.now));
        return out;
    }
    if (!in) {
        // An outbound call an agent placed: the phone system asks which caller id to show.
        // Zammad answers {} when no caller id is configured for the number.
        auto caller_id = callerIdFor(s_, *to);
        json answer = json::object();
        if (!caller_id.empty()) {
            answer = {{"action", "dial"}, {"number", *to}, {"caller_id", caller_id}};
            data["caller_id"] = caller_id;
        }
        out.calls.push_back(callEvent(*call_id, "call.outbound", data, context.now));
        out.stored_answer = WebResponse::json(200, dumpJson(answer));
        return out;
    }
    if (std::find(s_.blocked_callers.begin(), s_.blocked_callers.end(), customer) !=
        s_.blocked_callers.end()) {
        out.calls.push_back(callEvent(*call_id, "call.rejected", data, context.now));
        out.stored_answer = WebResponse::json(200, R"({"action":"reject","reason":"busy"})");
        return out;
    }
    if (customer.empty())
        return ParseOutcome::reject(422, "invalid_field", "\"from\" holds no number", "from");
    out.messages.push_back(newCallMessage(*call_id, customer, context.now));
    out.calls.push_back(callEvent(*call_id, "call.ringing", data, context.now));
    return out;
}

std::string decisionJson(const CallDecision& d) {
    json j = json::object();
    switch (d.kind) {
        case CallDecision::Kind::Ring: break;
        case CallDecision::Kind::Dial:
            j = {{"action", "dial"}, {"target", d.target}, {"agent", d.agent}};
            break;
        case CallDecision::Kind::Queue:
            j = {{"action", "queue"}, {"queue", d.queue}, {"announcement", d.speech}};
            if (!d.language.empty()) j["language"] = d.language;
            if (d.position > 0) {
                j["position"] = d.position;
                j["estimated_wait"] = d.wait_s;
            }
            // Post `waiting` after this many seconds for the next announcement.
            if (d.poll_after_s > 0) j["poll_after"] = d.poll_after_s;
            break;
        case CallDecision::Kind::Voicemail:
            j = {{"action", "voicemail"}, {"prompt", d.speech}};
            if (!d.language.empty()) j["language"] = d.language;
            break;
        case CallDecision::Kind::Menu:
            j = {{"action", "menu"},     {"prompt", d.speech},   {"digits", d.digits},
                 {"attempt", d.attempt}, {"timeout", d.timeout_s}};
            if (!d.language.empty()) j["language"] = d.language;
            break;
    }
    return dumpJson(j);
}

WebResponse CtiInbound::answer(const IntakeReceipt& receipt) const {
    if (receipt.call_step) return WebResponse::json(200, decisionJson(*receipt.call_step));
    for (const auto& m : receipt.messages) {
        if (m.call) return WebResponse::json(200, decisionJson(*m.call));
    }
    return WebResponse::json(200, "{}");
}

ChannelKindInfo kindInfo() {
    return makeKindInfo<CtiSettings, CtiInbound, CtiOutbound>(
        "cti", routing::ChannelKind::Voice,
        {"token", "blocked_callers", "outbound_caller_ids", "default_caller_id", "default_region",
         "dial_url"},
        [](const config::NodeRef& item, CtiSettings& s) {
            s.token = requiredSecret(item["token"]);
            if (!s.token.empty() && s.token.reveal().size() < 16)
                item["token"].error("use a token of at least 16 characters");
            s.default_region = readPhoneRegion(item["default_region"]);
            if (auto list = item["blocked_callers"].stringList()) {
                for (const auto& n : *list) s.blocked_callers.push_back(callerAddress(n, s.default_region));
            }
            readCallerIds(item, s.outbound_caller_ids, s.default_caller_id);
            s.dial_url = baseUrl(item["dial_url"], "");
        });
}

}  // namespace ccd::channels::cti
