#pragma once
// What a retention run decides that is not SQL, shared by the SQLite and PostgreSQL stores:
// where a run stands between two batches, and which cut-offs apply to a channel instance.
// Pure: any thread.

#include <cstdint>
#include <string>

#include "daemon/store/store.hpp"

namespace ccd::store {

/// Where a retention run stands between two batches.
struct RetentionCursor {
    enum class Phase { Messages, Calls, Contacts, Audit, Done };
    Phase phase = Phase::Messages;
    std::int64_t after_id = 0;  ///< messages / events / contacts: the last id looked at
    std::int64_t last_id = -1;  ///< the phase's highest id when it began; -1: not read yet
};

/// Whether the request sets any cut-off of messages (text, attachments, recordings), by default
/// or for an instance.
bool anyMessageCutoff(const RetentionRequest& request);

/// The instance's cut-offs: its own where it sets them, else the defaults.
RetentionCutoffs cutoffsFor(const RetentionRequest& request, const std::string& instance);

/// Moves the cursor to the start of `phase`.
void startPhase(RetentionCursor& cursor, RetentionCursor::Phase phase);

/// Skips the phases the request configures nothing for, from the cursor's on.
void skipUnconfigured(const RetentionRequest& request, RetentionCursor& cursor);

}  // namespace ccd::store
