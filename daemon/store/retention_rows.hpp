#pragma once
// What a retention run decides that is not SQL, shared by the SQLite and PostgreSQL stores:
// where a run stands between two batches, and which cut-offs apply to a channel instance.
// Pure: any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/store/redaction_rows.hpp"
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

/// What of a message of `instance` written at `at_ms` is past its cut-offs.
Redaction expiredParts(const RetentionRequest& request, const std::string& instance,
                       std::int64_t at_ms);

/// The batch of ids a step of the cursor's phase looks at: (after_id, the returned id].
std::int64_t windowEnd(const RetentionCursor& cursor, const RetentionRequest& request);

/// After a step over (after_id, to]: the next window, or the start of `next` when the phase's
/// ids are all seen.
void endWindow(RetentionCursor& cursor, std::int64_t to, RetentionCursor::Phase next);

/// The expired contacts `ids` erased with `erase(id)` (returning what it erased), or counted
/// on a dry run.
template <class Erase>
void eraseExpired(const std::vector<std::int64_t>& ids, const RetentionRequest& r,
                  RetentionReport& report, Erase&& erase) {
    for (auto id : ids) {
        if (r.dry_run) {
            ++report.contacts;
            continue;
        }
        const auto n = erase(id);
        report.contacts += n.contacts;
        report.message_texts += n.messages;
        report.attachments += n.attachments;
        report.outbox += n.outbox;
    }
}

/// One step of a retention run, the same for both stores: `messages`, `calls` and `contacts`
/// run one window of their phase in the store's SQL (ending it with endWindow); the audit log's
/// phase counts (`count_audit(before)`) or purges (`purge_audit(before, limit)`).
template <class Messages, class Calls, class Contacts, class CountAudit, class PurgeAudit>
void retentionStepWith(const RetentionRequest& r, RetentionCursor& cursor, RetentionReport& report,
                       Messages&& messages, Calls&& calls, Contacts&& contacts,
                       CountAudit&& count_audit, PurgeAudit&& purge_audit) {
    using Phase = RetentionCursor::Phase;
    skipUnconfigured(r, cursor);
    switch (cursor.phase) {
        case Phase::Messages:
            return messages();
        case Phase::Calls:
            return calls();
        case Phase::Contacts:
            return contacts();
        case Phase::Audit:
            if (r.dry_run) {
                report.audit += count_audit(*r.audit);
                return startPhase(cursor, Phase::Done);
            } else {
                const std::size_t removed = purge_audit(*r.audit, r.batch);
                report.audit += removed;
                if (removed < r.batch) startPhase(cursor, Phase::Done);
                return;
            }
        case Phase::Done:
            return;
    }
}

}  // namespace ccd::store
