#pragma once
// Twilio-compatible programmable voice (`type: twilio`): Twilio posts a call's webhooks
// (form-encoded: CallSid, AccountSid, From, To, CallStatus, Direction, Digits, RecordingUrl,
// TranscriptionText, ...) to /webhooks/twilio/<instance>, signed with X-Twilio-Signature, and
// ccd answers TwiML: <Dial><Sip> to the agent it chose, <Say> + <Enqueue> with the queue's
// announcement, <Say> + <Record transcribe="true"> for a voicemail, <Gather numDigits="1"> with
// <Say> for the phone menu (its action is the public URL with `menu=1` or `menu=2`). Status callbacks (ringing,
// in-progress, completed, busy, no-answer, failed, canceled) are recorded on the call. A queue
// whose callers hear repeated announcements answers <Enqueue waitUrl=public_url?enqueue=wait
// action=public_url?enqueue=result>: the waitUrl gets the announcement and <Pause>, or <Leave/>
// after the queue's maximum wait; the action gets the voicemail (QueueResult leave) or records
// an abandoned call (hangup).

#include <string>
#include <utility>
#include <vector>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"
#include "channels/common/caller_ids.hpp"
#include "channels/registry.hpp"
#include "config/secret.hpp"

namespace ccd::channels::twilio {

/// `type: twilio` settings.
struct TwilioSettings : ChannelSettings {
    std::string account_sid;   ///< "AC...": requests for another account are refused
    config::Secret auth_token; ///< signs Twilio's requests
    std::string api_base = "https://api.twilio.com";
    /// The address Twilio calls for this instance (ccd may sit behind a proxy): what the
    /// signature covers, followed by the query string as received.
    std::string public_url;
    std::string default_region = "CN";
    std::string queue_name;  ///< <Enqueue> when ccd has no routing decision; default: the name
    /// The caller id (`From`) of the calls ccd places (twilio_dial.hpp), as for `cti`.
    std::vector<CallerIdRule> outbound_caller_ids;
    std::string default_caller_id;
};

/// Twilio's signature: base64 HMAC-SHA1(auth_token, url + every parameter's name and value,
/// sorted by name, then value).
std::string signature(std::string_view auth_token, std::string_view url,
                      std::vector<std::pair<std::string, std::string>> params);

/// Whether `header` is the signature of `url` and `params`, with the URL as given, without its
/// port, and with the scheme's default port added, as Twilio's own validators try.
bool validSignature(std::string_view auth_token, std::string_view url,
                    const std::vector<std::pair<std::string, std::string>>& params,
                    std::string_view header);

/// TwiML for a routing decision; `fallback_queue` for Ring, `action_url` where a recording's
/// transcription is posted.
std::string decisionTwiml(const CallDecision& decision, const std::string& fallback_queue,
                          const std::string& action_url);

/// Where the menu's <Gather> posts its digits: `url` with `menu=<attempt>` added to its query.
std::string menuActionUrl(const std::string& url, int attempt);

/// A queue's URLs: `url` with `enqueue=<step>` added to its query; step "wait" (<Enqueue>'s
/// waitUrl) or "result" (its action).
std::string enqueueUrl(const std::string& url, const std::string& step);

/// TwiML for a queued caller's waitUrl request: the announcement and a <Pause> until the next
/// one (Twilio asks again when it ends) while the decision is Queue, else <Leave/> (the action
/// URL is then answered with the decision: the voicemail, <Dial>).
std::string waitTwiml(const CallDecision& decision);

/// The inbound side.
class TwilioInbound final : public InboundChannel {
public:
    explicit TwilioInbound(const TwilioSettings& s) : s_(s), token_(s.auth_token.reveal()) {}
    ParseOutcome parse(const WebRequest& request, const ParseContext& context) const override;
    WebResponse answer(const IntakeReceipt& receipt) const override;

private:
    TwilioSettings s_;
    std::string token_;
};

/// The registry entry.
ChannelKindInfo kindInfo();

}  // namespace ccd::channels::twilio
