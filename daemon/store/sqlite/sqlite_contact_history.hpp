#pragma once
// The customer archive from the SQLite store (daemon/store/contact_history.hpp): a contact's
// newest conversations on every channel with what an agent needs at a glance, its products and
// counts over all its conversations. Every query walks conversations_by_contact (contact_id,
// then the rowid: newest first without a sort) and the per-conversation indexes of messages and
// events. Used only on the store's own threads; throws SqliteError on failure.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/contact_history.hpp"
#include "daemon/store/history_rows.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::store::sqlite {

/// The archive of the contact `query` names; nullopt when there is no such contact. Runs in
/// the caller's transaction when one is open (the writer, reading an offer back), else in a
/// read transaction of its own (one snapshot).
std::optional<ContactHistory> readContactHistory(Connection& db, const ContactHistoryQuery& query);

/// A message text as a one-line preview (daemon/store/history_rows.hpp, shared by both stores).
using store::previewText;

}  // namespace ccd::store::sqlite
