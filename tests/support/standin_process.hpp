#pragma once
// The stand-in provider APIs (provider_standin) as a child process of a test: started on a free
// loopback port, driven through its control API, stopped with SIGTERM. Failures throw
// std::runtime_error saying what went wrong, so that any test framework reports them.
//
//   ccd::testing::StandinOptions options;
//   options.delay_ms = 50;
//   ccd::testing::StandinProcess standin(options);
//   config.api_base = standin.baseUrl();          // http://127.0.0.1:PORT
//   standin.script({{"rules", {{{"match", "sendMessage"},
//                                {"answers", {{{"status", 429}, {"retry_after", 1}}}}}}}});
//   ... the code under test sends ...
//   auto sent = standin.requests(0, "sendMessage");  // [{"seq","method","target",...}]
//
// Not thread-safe: use one StandinProcess from one thread (the stand-in itself serves any
// number of clients).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ccd::testing {

/// How to start the stand-in.
struct StandinOptions {
    int delay_ms = 0;                      ///< --delay-ms: every provider answer waits this long
    int threads = 1;                       ///< --threads
    std::string record = "full";           ///< --record full|meta|none
    std::vector<std::string> wechat_apps;  ///< --wechat-app APPID:SECRET each (empty: any wx...)
    std::string binary;                    ///< "" = $CCD_STANDIN, else the path compiled in
    std::string log_path;                  ///< its stderr ("" = this process's stderr)
    std::chrono::milliseconds start_timeout{10'000};
};

/// The path of provider_standin: $CCD_STANDIN when set, else the one built with this library.
std::string standinExecutable();

/// One running provider_standin.
class StandinProcess {
  public:
    /// Starts it and reads its port from its first line; it gets SIGKILL if this process dies.
    explicit StandinProcess(StandinOptions options = {});
    /// Stops it (SIGTERM, then SIGKILL after 5 s).
    ~StandinProcess();
    StandinProcess(const StandinProcess&) = delete;
    StandinProcess& operator=(const StandinProcess&) = delete;

    std::uint16_t port() const { return port_; }
    /// "http://127.0.0.1:PORT", the api_base to configure.
    std::string baseUrl() const;
    pid_t pid() const { return pid_; }

    /// GET /_standin/requests: the recorded provider requests with seq > `since` (and whose
    /// target contains `match` when given), oldest first. Each is {"seq","conn","dialect",
    /// "method","target","headers":{..},"body","at_ms","answered_ms","status","outcome"};
    /// headers and body are null unless recording is "full".
    nlohmann::json requests(std::uint64_t since = 0, const std::string& match = {}) const;
    /// GET /_standin/stats: {"requests","by_status":{"200":N},"dropped","hung","in_flight",
    /// "max_in_flight","open_connections","connections_accepted","record","delay_ms"}.
    nlohmann::json stats() const;
    /// POST /_standin/script: replaces the script ({"rules":[...]}); throws when refused.
    void script(const nlohmann::json& script);
    /// GET /_standin/script: the script with what is left of each answer.
    nlohmann::json currentScript() const;
    /// POST /_standin/down: closes the listener and every connection now, listens again on the
    /// same port after `seconds`. Returns once the stand-in has closed them all.
    void down(double seconds);
    /// Waits until the stand-in accepts connections again (after down()); false on timeout.
    bool waitUntilUp(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    /// POST /_standin/expire_tokens: every WeChat access token issued so far answers 40001.
    void expireTokens();
    /// POST /_standin/reset: forgets recorded requests, counters and the script.
    void reset();
    /// POST /_standin/delay: changes the normal answer delay.
    void setDelay(int ms);

    /// Polls requests() until `count` requests whose target contains `match` were recorded
    /// (seq > since); returns them, or throws with what was recorded when `timeout` passes.
    nlohmann::json waitForRequests(
        std::size_t count, const std::string& match = {}, std::uint64_t since = 0,
        std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

    /// SIGTERM, then waits up to `timeout`. Empty when it exited with status 0; otherwise what
    /// went wrong.
    std::string stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  private:
    nlohmann::json call(const std::string& method, const std::string& target,
                        const std::string& body = {}) const;

    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace ccd::testing
