#pragma once
// The stand-in's HTTP/1.1 server: keep-alive connections on one io_context, each with its own
// strand; provider requests recorded, answered on script after a timer (never a blocked thread);
// the control API under /_standin/.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "tests/support/standin_recorder.hpp"

namespace ccd::standin {

/// What the command line sets.
struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;
    int delay_ms = 0;  ///< every provider answer waits this long (the script may change it)
    int threads = 2;   ///< threads running the io_context
    RecordMode record = RecordMode::kFull;
    std::unordered_map<std::string, std::string> wechat_apps;  ///< empty: any "wx..." appid
    std::size_t body_limit = 16 * 1024 * 1024;
};

/// The server. Construct, start(), then run() until SIGTERM/SIGINT or stop().
class Server {
  public:
    explicit Server(ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens; returns the bound port. Throws std::system_error when it cannot.
    std::uint16_t start();
    /// Serves on `options.threads` threads (this one included) until SIGTERM/SIGINT or stop();
    /// then closes every connection and returns.
    void run();
    /// Makes run() return; any thread.
    void stop();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::standin
