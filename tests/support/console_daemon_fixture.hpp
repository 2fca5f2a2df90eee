#pragma once
// console_daemon_itest's fixture (ConsoleDaemon): the real ccd binary in a temp folder with the
// shipped configuration made for the test, and alice, bob (agents) and sam (supervisor) logged in.
// The binary and the repository root are the test's arguments, else the paths compiled in
// (CCD_EXECUTABLE, CCD_SOURCE_DIR).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/ccd_process.hpp"
#include "tests/support/console_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace ccd::testing {

/// The real ccd in a temp folder with alice, bob and sam logged in. Its configuration: console
/// grace 2s, offer_timeout {live: 2s, async: 2s} on every queue, the API without keys.
struct ConsoleDaemon {
    /// console.grace in the test's ccd.yaml.
    static constexpr std::chrono::seconds kGrace{2};

    ConsoleDaemon();
    /// Stops ccd; prints its log when it did not stop cleanly or the test case failed.
    ~ConsoleDaemon();

    /// Writes the test's ccd.yaml, routing.yaml and agents.yaml (the password hash made once
    /// per run by `ccd agent passwd`).
    void configure();
    /// POST /v1/auth/login: the account's token.
    std::string login(const std::string& name);

    /// A console connection of this account, after its `hello` (copied to `hello`).
    std::unique_ptr<ConsoleClient> connect(const std::string& name, const std::string& target = "/",
                                           nlohmann::json* hello = nullptr);
    /// connect(), then presence available.
    std::unique_ptr<ConsoleClient> available(const std::string& name);

    struct Posted {
        std::int64_t conversation_id = 0;
        std::int64_t message_id = 0;
    };

    /// A customer message through POST /v1/messages (its 202 comes once it is stored and the
    /// engine's decisions about it are stored and passed on to the console).
    Posted post(const std::string& from, const std::string& name, const std::string& text);

    /// GET /v1/conversations/{id} with the supervisor's token.
    nlohmann::json conversation(std::int64_t id);

    TempDir dir;
    std::string binary;  ///< the ccd binary's path
    CcdProcess ccd{binary, (dir.path() / "config" / "ccd.yaml").string(),
                   (dir.path() / "ccd.log").string()};
    std::map<std::string, std::string> tokens;
    int posted = 0;
};

}  // namespace ccd::testing
