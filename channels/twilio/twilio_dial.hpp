#pragma once
// The calls ccd places through Twilio (a call-back, a follow-up call): Twilio's REST API
//   POST {api_base}/2010-04-01/Accounts/{AccountSid}/Calls.json, basic auth AccountSid:AuthToken,
//   form fields To (the customer), From (the caller id from outbound_caller_ids, else
//   default_caller_id), Url, Method, StatusCallback, StatusCallbackMethod and
//   StatusCallbackEvent (initiated, ringing, answered, completed).
// Twilio calls the customer first; when they answer it fetches `Url` — the instance's
// public_url with `dial=<conversation>&target=<the agent's SIP URI>` in its query — and ccd
// answers <Dial><Sip>agent</Sip></Dial>, which rings the agent who accepted the work. The
// status callbacks (public_url?dial=<conversation>) land in the conversation's call log; the
// 201 answer's `sid` (the CallSid) links the call to the conversation as well.

#include <optional>
#include <string>
#include <string_view>

#include "channels/common/call_request.hpp"
#include "channels/twilio/twilio_channel.hpp"

namespace ccd::channels::twilio {

/// The Calls.json request for a dial (To, From, Url, StatusCallback...); nullopt with
/// `error` set when the instance has no caller id for the customer's number.
std::optional<HttpCall> callsRequest(const TwilioSettings& s, const OutgoingMessage& message,
                                     const DialRequest& dial, std::string& error);

/// What a request's query says about a call ccd placed: `dial=<conversation>` (0: none,
/// -1: not a conversation id) and, on the fetch of `Url`, `target` (the agent's SIP URI).
struct DialLeg {
    std::int64_t conversation = 0;
    std::string target;
    std::string agent;
};
DialLeg dialLegOf(std::string_view query);

/// TwiML that connects the answered customer to the agent's SIP URI.
std::string connectTwiml(const std::string& target);

/// The outbound side of `type: twilio`: the calls ccd places, through the REST API.
class TwilioOutbound final : public CallOutbound {
public:
    explicit TwilioOutbound(const TwilioSettings& s) : s_(s) {}

protected:
    BuiltSend buildDial(const OutgoingMessage& message, const DialRequest& dial,
                        routing::TimePoint now) const override;
    SendOutcome classifyDial(const OutgoingMessage& message,
                             const HttpAnswer& answer) const override;

private:
    TwilioSettings s_;
};

}  // namespace ccd::channels::twilio
