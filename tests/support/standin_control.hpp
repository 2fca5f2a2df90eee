#pragma once
// The stand-in's control API under /_standin/: read what was recorded, replace the script, go
// down for a while, expire WeChat tokens, reset. Never recorded, never delayed. Pure: the server
// carries out what needs its sockets (going down).

#include <atomic>
#include <chrono>
#include <optional>

#include "tests/support/standin_dialects.hpp"
#include "tests/support/standin_recorder.hpp"
#include "tests/support/standin_script.hpp"

namespace ccd::standin {

/// What the control API reads and changes.
struct ControlContext {
    Recorder& recorder;
    Script& script;
    ProviderState& providers;
    std::atomic<int>& delay_ms;  ///< the normal answer delay (--delay-ms)
};

/// The answer to a control request, and whether the server is to go down before sending it.
struct ControlResult {
    Answer answer;
    std::optional<std::chrono::milliseconds> down_for;  ///< POST /_standin/down
};

/// Whether `target` is for the control API (path starts with /_standin/).
bool isControl(std::string_view target);

/// Handles one control request; any thread.
ControlResult handleControl(const Request& req, ControlContext& ctx);

}  // namespace ccd::standin
