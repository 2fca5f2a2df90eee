#pragma once
// What reading a claimed outbox row and logging a dial do that is not SQL, shared by the SQLite
// and PostgreSQL stores: the payload's fields of an OutboxItem and the `call.dial` event's JSON.
// Pure: any thread.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daemon/store/store.hpp"

namespace ccd::store {

/// The string member `key` of `j`; nullopt when absent or not a string.
std::optional<std::string> stringMember(const nlohmann::json& j, const char* key);

/// `item`'s text, author, subject, html, template, locale and dial request from the outbox
/// row's payload (`payload`, parsed; anything but an object leaves them as they are).
void readOutboxPayload(const nlohmann::json& payload, OutboxItem& item);

/// The call a dial request asked for, for the conversation's call log (`call.dial`, or
/// `call.dial_failed` with the reason): the phone system's id of the call, the agent, the tries.
std::string dialEventJson(const nlohmann::json& payload, const std::string& call_id, int attempts,
                          const std::string& reason);

}  // namespace ccd::store
