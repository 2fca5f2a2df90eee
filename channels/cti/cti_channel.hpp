#pragma once
// Zammad-compatible generic CTI (`type: cti`): the phone system (a PBX, a SIP proxy) posts each
// step of a call to /webhooks/cti/<instance>/<token>, form-encoded or as JSON:
//   event=newCall|answer|hangup, direction=in|out, from, to, callId (or call_id), user, queue,
//   answeringNumber, cause
// and does what ccd answers to newCall: {} (ring the phone system's own queue),
// {"action":"reject","reason":"busy"} (a blocked caller), {"action":"dial","number","caller_id"}
// (an outbound call, with the caller id from `outbound_caller_ids`), and ccd's routing
// extension: {"action":"dial","target":"sip:..."} to the agent ccd chose,
// {"action":"queue","announcement"}, {"action":"voicemail","prompt"},
// {"action":"menu","prompt","digits","attempt","timeout"} (the phone menu), whose key comes back
// as event=digits with callId, digits (empty: none pressed) and attempt. A queue answer with
// "poll_after" (seconds) asks the phone system to post event=waiting with the callId then: the
// answer is the next decision (queue with a fresh announcement, dial, voicemail after the
// queue's maximum wait). The other direction, ccd asking the phone system to place a call, is
// ccd's `dial_url` extension (cti_dial.hpp).

#include <string>
#include <vector>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/common/caller_ids.hpp"
#include "channels/registry.hpp"
#include "config/secret.hpp"

namespace ccd::channels::cti {

using channels::CallerIdRule;

/// `type: cti` settings (Zammad's names).
struct CtiSettings : ChannelSettings {
    config::Secret token;  ///< the last segment of the URL
    std::vector<std::string> blocked_callers;  ///< E.164 (or as written when not a number)
    std::vector<CallerIdRule> outbound_caller_ids;
    std::string default_caller_id;
    std::string default_region = "CN";  ///< for numbers without a country code
    /// ccd's extension: the phone system's click-to-dial endpoint, where ccd POSTs the calls
    /// it places (call-backs, follow-up calls; channels/cti/cti_dial.hpp). Empty: none.
    std::string dial_url;
};

/// The caller id for an outbound call to `number`: an exact `dest` first, then the longest
/// matching prefix, else `default_caller_id` (empty when none). Digits are compared, with and
/// without the country code of the E.164 form.
std::string callerIdFor(const CtiSettings& s, const std::string& number);

/// The inbound side: verify the token, read the event, record the call.
class CtiInbound final : public InboundChannel {
public:
    explicit CtiInbound(const CtiSettings& s) : s_(s), token_(s.token.reveal()) {}
    bool tokenInPath() const override { return true; }
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;
    WebResponse answer(const IntakeReceipt& receipt) const override;

private:
    ParseOutcome parseEvent(const WebRequest& request, const ParseContext& context) const;

    CtiSettings s_;
    std::string token_;
};

/// The JSON answer for a decision ({} for Ring).
std::string decisionJson(const CallDecision& decision);

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::cti
