#pragma once
// The stand-in's script: rules that make chosen requests fail (error status, dropped connection,
// no answer at all, a longer delay) a given number of times before the normal answer resumes.
//
//   {"rules":[{"match":"sendMessage","answers":[{"status":429,"retry_after":2,"times":2},
//                                                {"drop":true},{"hang":true},{"delay_ms":300}]}]}

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/standin_dialects.hpp"

namespace ccd::standin {

/// One scripted answer, as taken for one request.
struct ScriptAnswer {
    enum class Kind {
        kNormal,  ///< the provider's normal answer (only the delay is scripted)
        kError,   ///< `error`, in the provider's format
        kDrop,    ///< close the connection without answering
        kHang,    ///< never answer; keep the connection until the client closes it
    };
    Kind kind = Kind::kNormal;
    ErrorSpec error;
    std::optional<int> delay_ms;  ///< replaces --delay-ms for this request
};

/// The current script. Thread-safe: every member function takes the lock.
class Script {
  public:
    /// Replaces the script with `spec` ({"rules":[...]}). On a malformed script returns why and
    /// keeps the previous one. Unknown keys are refused, so that a typo does not pass silently.
    std::optional<std::string> replace(const nlohmann::json& spec);
    /// The answer for a request to `target`: the first rule whose `match` is a substring of it
    /// and that has answers left gives its next one (and counts it). nullopt: answer normally.
    std::optional<ScriptAnswer> next(std::string_view target);
    /// The script with what is left of each answer (`left`; -1 for `times` < 0, forever).
    nlohmann::json describe() const;
    void clear();

  private:
    struct Step {
        ScriptAnswer answer;
        nlohmann::json spec;  ///< as given, for describe()
        long left = 1;        ///< < 0: forever
    };
    struct Rule {
        std::string match;
        std::vector<Step> steps;
    };

    mutable std::mutex mutex_;
    std::vector<Rule> rules_;
};

}  // namespace ccd::standin
