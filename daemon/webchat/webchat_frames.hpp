#pragma once
// The pure part of the web chat protocol (docs/webchat-protocol.md): reading a customer's
// `start` frame, the session profile as stored, and the frames the server sends. No I/O.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "channels/webchat/webchat_channel.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon::webchat {

/// Who the customer said they are when the chat started.
struct Profile {
    std::string sender;  ///< the session's address on the channel ("wc_<hex>")
    std::optional<std::string> name, email, phone, order;
    std::string locale = "en";
};

/// A `start` frame read: the profile, or the first problem and its field.
struct ProfileRead {
    Profile value;
    std::string error;
    std::string field;
};

/// Reads name (required), email, phone, locale (en, zh-Hans, zh-Hant) and the instance's
/// order field from a `start` frame.
ProfileRead readProfile(const nlohmann::json& frame,
                        const channels::webchat::WebchatSettings& settings);

nlohmann::json profileJson(const Profile& p);
Profile profileFromJson(const nlohmann::json& j);

/// {"type":"error","code","reason"[,"field"][,"id"]}.
nlohmann::json errorFrame(std::string_view code, std::string_view reason,
                          std::string_view field = {}, std::string_view id = {});

/// The client's id of a `message` frame when it is 1 to 64 of [A-Za-z0-9_-]; empty otherwise.
std::string clientId(const nlohmann::json& frame);

/// A stored message as the customer sees it: {"type":"message","message_id","direction",
/// "author" ("customer", "agent", "auto"), "agent"?, "text", "html", "at_ms", "client_id"?}.
nlohmann::json messageFrame(const store::MessageRecord& m, const std::string& sender);

/// Plain text as HTML: &, <, >, ", ' escaped; newlines as <br>.
std::string escapeHtml(std::string_view text);

}  // namespace ccd::daemon::webchat
