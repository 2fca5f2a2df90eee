#pragma once
// What ingesting an inbound message writes and reads that is not SQL, shared by the SQLite and
// PostgreSQL stores so that both keep the same text in the same columns: the attachments'
// JSON, the thread references, the duplicate-or-conflict test, the events' JSON and the contact
// profile built from its rows. Pure functions: any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/contact.hpp"
#include "routing/model.hpp"

namespace ccd::store {

/// messages.attachments: the attachments' JSON, empty (stored as NULL) when there are none.
std::string attachmentsColumn(const routing::InboundMessage& message);
/// messages.thread_refs: the references separated by spaces; nullopt (NULL) when none.
std::optional<std::string> threadRefsColumn(const routing::InboundMessage& message);
/// A stored message with the same (instance, sender, provider_id) is a retry of `message`
/// unless its text (the original one, before edits) or its attachments differ: then the id was
/// reused for another message (a conflict). `attachments` is attachmentsColumn(message).
bool conflictsWith(const std::optional<std::string>& stored_text,
                   const std::optional<std::string>& stored_attachments,
                   const routing::InboundMessage& message, const std::string& attachments);

/// The data of a message.warnings event: {"message_id":N,"warnings":[...]}.
std::string warningsEventData(std::int64_t message_id, const std::vector<std::string>& warnings);
/// What follows `{"message_id":N,` in warningsEventData, for a store that knows N only inside
/// its SQL (PostgreSQL's pipelined ingest): `"warnings":[...]}`.
std::string warningsEventTail(const std::vector<std::string>& warnings);

/// Fills the profile's attributes from contacts.attributes (a JSON object; strings kept as
/// they are, other values as their JSON; anything else ignored).
void readProfileAttributes(const std::string& text, routing::ContactProfile& profile);
/// The account manager named by the attributes, once they are read.
void setAccountManager(routing::ContactProfile& profile);

}  // namespace ccd::store
