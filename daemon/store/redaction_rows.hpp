#pragma once
// What removing a message's personal data (erasure, retention) decides that is not SQL, shared
// by the SQLite and PostgreSQL stores so that both leave the same rows: the markers put in
// place of texts, which attachments are recordings, and a message's attachments column with
// the removed ones as {"kind", "removed"} stubs. Pure functions: any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccd::store {

/// What erasure puts in place of a message's text.
inline constexpr std::string_view kErasedMarker = "[erased]";
/// What retention puts in place of a message's text.
inline constexpr std::string_view kExpiredMarker = "[expired]";

/// Whether an attachment of this kind is a recording ("voice", "audio", "recording"): the
/// retention's `recordings` period applies to those, `attachments` to the others.
bool isRecording(std::string_view kind);

/// What to remove from one message.
struct Redaction {
    bool text = false;
    bool attachments = false;  ///< attachments that are not recordings
    bool recordings = false;
};

/// What redacting one message removed.
struct Redacted {
    bool text = false;
    std::size_t attachments = 0;
    std::size_t recordings = 0;
    std::size_t outbox = 0;  ///< outbox payloads scrubbed
};

/// What redacting a message would remove, without writing: the new attachments column in
/// `new_attachments` when it changes, and the places (from 1) of the attachments removed in
/// `removed` (also used to count for a dry run).
Redacted planRedaction(bool text_intact, const std::optional<std::string>& attachments,
                       Redaction what, std::optional<std::string>* new_attachments = nullptr,
                       std::vector<std::int64_t>* removed = nullptr);

}  // namespace ccd::store
