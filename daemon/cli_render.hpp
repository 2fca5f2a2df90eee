#pragma once
// `ccd render TEMPLATE`: previews a reply template as a channel would send it.
//
//   ccd render ack --locale zh-Hant --channel email --var ticket=10428
//       --var first_response_due=2026-11-23T10:30:00Z --time-zone Asia/Taipei
//
// The catalog is `--catalog DIR`, or the `templates` folder that the ccd.yaml of `--config`
// names. Values: times in RFC 3339, durations such as 15m for minute variables, numbers as
// numbers, the rest as text; `--sample` fills every variable not given with a sample value.
// Exit codes: 0 rendered, 2 usage (unknown template, locale, variable or bad value),
// 3 invalid catalog or configuration (each problem as file:line:column: path: message).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/json_time.hpp"
#include "templates/value.hpp"

namespace CLI {
class App;
}

namespace ccd::daemon {

/// The `render` command of the command line.
class RenderCommand {
public:
    /// Adds `render` to `app`; `config_path` holds the --config default shared with other
    /// commands.
    RenderCommand(CLI::App& app, std::string& config_path);
    ~RenderCommand();

    /// Whether the command line chose this command (after parsing).
    bool selected() const;
    /// Runs it and prints the result on stdout; returns the process exit code.
    int run() const;

private:
    struct Options;
    CLI::App* render_ = nullptr;
    std::string* config_path_ = nullptr;
    std::unique_ptr<Options> opts_;
};

/// Parses a `--var` value for the variable `name` by its type in the documented context:
/// RFC 3339 for times ("2026-11-23T10:30:00Z", "2026-11-23T18:30:00+08:00"), a duration
/// ("15m", "1h30m") or a number for minute variables, a number for numbers, text otherwise.
/// nullopt with `error` set when the name is unknown or the value does not fit.
std::optional<templates::Value> parseVarValue(const std::string& name, const std::string& text,
                                              std::string& error);

}  // namespace ccd::daemon
