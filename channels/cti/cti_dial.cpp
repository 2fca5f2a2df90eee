#include "channels/cti/cti_dial.hpp"

#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"
#include "channels/common/send_outcome.hpp"

namespace ccd::channels::cti {

using nlohmann::json;

std::string dialCallId(const OutgoingMessage& m) {
    return "ccd-dial-" + std::to_string(m.message_id);
}

std::string dialRequestJson(const CtiSettings& s, const OutgoingMessage& m,
                            const DialRequest& dial) {
    json body{{"action", "dial"},
              {"number", m.to},
              {"target", dial.target},
              {"agent", dial.agent},
              {"conversation", m.conversation_id},
              {"call_id", dialCallId(m)},
              {"reason", dial.reason}};
    // None configured: the phone system shows its own default.
    if (auto caller_id = callerIdFor(s, m.to); !caller_id.empty()) body["caller_id"] = caller_id;
    return dumpJson(body);
}

BuiltSend CtiOutbound::buildDial(const OutgoingMessage& m, const DialRequest& dial,
                                 routing::TimePoint) const {
    if (s_.dial_url.empty())
        return {std::nullopt,
                SendOutcome::failed("the cti instance " + s_.name +
                                    " has no dial_url: ccd cannot ask its phone system to call")};
    HttpCall c;
    c.url = s_.dial_url;
    c.body = dialRequestJson(s_, m, dial);
    c.headers.emplace_back("Content-Type", "application/json");
    c.headers.emplace_back("Authorization", "Bearer " + token_);
    // The same key on every try: a phone system that took a request once can drop a repeat.
    c.headers.emplace_back("Idempotency-Key", m.idempotency_key);
    return {std::move(c), std::nullopt};
}

SendOutcome CtiOutbound::classifyDial(const OutgoingMessage& m, const HttpAnswer& a) const {
    auto out = classifyHttp(a, routing::Clock::now());
    if (out.kind != SendOutcome::Kind::Sent) return out;
    std::string id;
    if (auto body = parseJsonBody(a.body); !body.error && body.value.is_object())
        id = jsonId(body.value, "callId").value_or(jsonId(body.value, "call_id").value_or(""));
    out.provider_message_id = id.empty() || id.size() > 200 ? dialCallId(m) : id;
    return out;
}

}  // namespace ccd::channels::cti
