#pragma once
// ccd's extension of the CTI dialect: ccd asks the phone system to place a call (a call-back, a
// follow-up call). Zammad's CTI API only reports calls to ccd, so the phone system offers a
// click-to-dial endpoint, the instance's `dial_url`, and ccd POSTs to it
//   Authorization: Bearer <the instance's token>, Idempotency-Key: <the same on every try>
//   {"action":"dial","number":<customer, E.164>,"caller_id":<from outbound_caller_ids>,
//    "target":<the agent's SIP URI>,"agent":<name>,"conversation":<id>,"call_id":"ccd-dial-<n>"}
// The phone system answers 2xx (optionally {"callId": its own id of the call}) and then
// reports the call as usual (newCall, answer, hangup with direction `out`) under `call_id`, or
// under its own callId, or with `conversation` in each event: any of them joins the call to
// the conversation. 408, 429, 5xx and no answer are tried again; another 4xx fails for good.

#include <string>

#include "channels/common/call_request.hpp"
#include "channels/cti/cti_channel.hpp"

namespace ccd::channels::cti {

/// The id ccd gives the call it asks for (the phone system may answer its own).
std::string dialCallId(const OutgoingMessage& message);

/// The JSON body of the request to `dial_url`.
std::string dialRequestJson(const CtiSettings& s, const OutgoingMessage& message,
                            const DialRequest& dial);

/// The outbound side of `type: cti`: the calls ccd places, through `dial_url`.
class CtiOutbound final : public CallOutbound {
public:
    explicit CtiOutbound(const CtiSettings& s) : s_(s), token_(s.token.reveal()) {}

protected:
    BuiltSend buildDial(const OutgoingMessage& message, const DialRequest& dial,
                        routing::TimePoint now) const override;
    SendOutcome classifyDial(const OutgoingMessage& message,
                             const HttpAnswer& answer) const override;

private:
    CtiSettings s_;
    std::string token_;
};

}  // namespace ccd::channels::cti
