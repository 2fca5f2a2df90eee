#pragma once
// The call log of a voice conversation as GET /v1/conversations/{id} shows it: one entry per
// call (the phone system's call id) with when it rang, who answered, when and why it ended,
// how long it lasted, its recording, and every step as recorded.

#include <nlohmann/json.hpp>

#include <vector>

#include "daemon/store/store.hpp"

namespace ccd::daemon {

/// The calls of `events` (call.* events, oldest first), in the order they started.
nlohmann::json callLogJson(const std::vector<store::EventRecord>& events);

}  // namespace ccd::daemon
