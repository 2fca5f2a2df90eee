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

}  // namespace ccd::store
