#pragma once
// What the phone-system dialects (CTI, Twilio) share: reading a call request's fields (a form
// or a flat JSON object), the caller as a contact address (E.164), the new call as an inbound
// message on channel `voice`, and a step of the call as a CallEvent.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/channel.hpp"

namespace ccd::config {
class NodeRef;
}

namespace ccd::channels {

/// A call request's fields, in the order sent (names may repeat in a form).
struct CallFields {
    std::vector<std::pair<std::string, std::string>> pairs;

    /// The first value of `name`; nullopt when absent. An empty value counts as absent.
    std::optional<std::string> get(std::string_view name) const;
    /// Every value of `name` and of the list `name[]`, joined with ", " (Zammad's `user`).
    std::optional<std::string> joined(std::string_view name) const;
    /// The first of several spellings present (Zammad's `callId` and `call_id`).
    std::optional<std::string> any(std::initializer_list<std::string_view> names) const;
};

/// Reads an application/x-www-form-urlencoded body, or a JSON object of strings, numbers,
/// booleans and nulls when the Content-Type says JSON (`allow_json`). A malformed body, nested
/// JSON values or a body over 64 KiB is a 400 with the reason.
std::optional<Rejection> readCallFields(const WebRequest& request, bool allow_json,
                                        CallFields& out);

/// The caller's contact address: the number in E.164 when it reads as one (in `region` when
/// dialled without a country code), else the number as sent, trimmed (an extension,
/// "anonymous"). Empty when nothing is left.
std::string callerAddress(std::string_view raw, std::string_view region);

/// The inbound message that opens (or joins) the caller's conversation on channel `voice`:
/// provider id = the call's id, so a repeat of the same call is stored once and later steps of
/// the call find its conversation.
routing::InboundMessage newCallMessage(const std::string& call_id, const std::string& caller,
                                       routing::TimePoint at);

/// A step of call `call_id`: provider id "<call id>:<key>" (key defaults to the type).
CallEvent callEvent(const std::string& call_id, std::string type, nlohmann::json data,
                    routing::TimePoint at, std::string key = {});

/// The caller's answer to the phone menu's playing `attempt` (1 or 2): digits pressed (empty:
/// none before the timeout). Refused (422, naming `field`) unless the digits are at most 32
/// keys of a phone (0-9, *, #). Provider id "<call id>:digits:<attempt>": a retry of the same
/// answer is stored once, the answer to the repeated menu is another step.
std::optional<Rejection> menuDigitsEvent(const std::string& call_id, const std::string& digits,
                                         int attempt, nlohmann::json data, routing::TimePoint at,
                                         std::string_view field, CallEvent& out);

/// The outbound side of a phone-system kind: a call takes no written reply (the engine sends
/// none on channel voice; an agent's reply fails with the reason). What it sends is a call to
/// place (OutgoingMessage::dial: a call-back, a follow-up call), which each kind words for its
/// phone system.
class CallOutbound : public OutboundChannel {
public:
    BuiltSend build(const OutgoingMessage& message, const AccessToken* token,
                    routing::TimePoint now) const final;
    SendOutcome classify(const OutgoingMessage& message, const HttpAnswer& answer) const final;

protected:
    /// The phone system's request for `message` (its `dial` set, its `to` not empty).
    virtual BuiltSend buildDial(const OutgoingMessage& message, const DialRequest& dial,
                                routing::TimePoint now) const = 0;
    /// Reads the phone system's answer: Sent with its id of the call.
    virtual SendOutcome classifyDial(const OutgoingMessage& message,
                                     const HttpAnswer& answer) const = 0;
};

/// Reads `default_region` (ISO 3166 alpha-2 that libphonenumber knows; `CN` when absent).
std::string readPhoneRegion(const config::NodeRef& node);

}  // namespace ccd::channels
