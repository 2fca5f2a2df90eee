#pragma once
// What reading a contact's archive (daemon/store/contact_history.hpp) does that is not SQL,
// shared by the SQLite and PostgreSQL stores so that both show the same: the subject's preview
// and what a case's document says of its warranty. Pure functions: any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "daemon/store/contact_history.hpp"

namespace ccd::store {

/// How many characters of a first message the archive shows as its subject.
inline constexpr std::size_t kHistorySubjectChars = 160;

/// A message text as a one-line preview: line breaks and tabs become spaces, and a text of
/// more than `max_chars` characters (UTF-8) is cut there and ends with "…".
std::string previewText(std::string_view text, std::size_t max_chars);

/// The warranty decision and repeat_of from a case's document; a document that does not parse
/// (or lacks them) leaves them unset: the archive still lists the case.
void readHistoryCaseBody(const std::string& body, HistoryCase& c);

}  // namespace ccd::store
