#include "daemon/store/retention_rows.hpp"

namespace ccd::store {

bool anyMessageCutoff(const RetentionRequest& r) {
    auto any = [](const RetentionCutoffs& c) {
        return c.message_text || c.attachments || c.recordings;
    };
    if (any(r.defaults)) return true;
    for (const auto& [name, c] : r.channels)
        if (any(c)) return true;
    return false;
}

RetentionCutoffs cutoffsFor(const RetentionRequest& r, const std::string& instance) {
    RetentionCutoffs c = r.defaults;
    if (auto it = r.channels.find(instance); it != r.channels.end()) {
        if (it->second.message_text) c.message_text = it->second.message_text;
        if (it->second.attachments) c.attachments = it->second.attachments;
        if (it->second.recordings) c.recordings = it->second.recordings;
    }
    return c;
}

void startPhase(RetentionCursor& cursor, RetentionCursor::Phase phase) {
    cursor.phase = phase;
    cursor.after_id = 0;
    cursor.last_id = -1;
}

void skipUnconfigured(const RetentionRequest& r, RetentionCursor& cursor) {
    using Phase = RetentionCursor::Phase;
    if (cursor.phase == Phase::Messages && !anyMessageCutoff(r)) startPhase(cursor, Phase::Calls);
    if (cursor.phase == Phase::Calls && !anyMessageCutoff(r)) startPhase(cursor, Phase::Contacts);
    if (cursor.phase == Phase::Contacts && !r.contacts) startPhase(cursor, Phase::Audit);
    if (cursor.phase == Phase::Audit && !r.audit) startPhase(cursor, Phase::Done);
}

Redaction expiredParts(const RetentionRequest& r, const std::string& instance, std::int64_t at) {
    auto cut = cutoffsFor(r, instance);
    return Redaction{cut.message_text && at < *cut.message_text,
                     cut.attachments && at < *cut.attachments,
                     cut.recordings && at < *cut.recordings};
}

std::int64_t windowEnd(const RetentionCursor& cursor, const RetentionRequest& r) {
    return cursor.after_id + static_cast<std::int64_t>(r.batch);
}

void endWindow(RetentionCursor& cursor, std::int64_t to, RetentionCursor::Phase next) {
    cursor.after_id = to;
    if (to >= cursor.last_id) startPhase(cursor, next);
}

}  // namespace ccd::store
