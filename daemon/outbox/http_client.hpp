#pragma once
// Outbound HTTP for the channels' providers: libcurl's multi interface on a thread of its own,
// many requests in flight at once, keep-alive connections reused across them. Only this
// header's .cpp includes curl.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "channels/channel.hpp"

namespace ccd::daemon::outbox {

/// Thread safety: submit() and inFlight() may be called from any thread; callbacks run on the
/// client's own thread (keep them short: post elsewhere).
class HttpClient {
public:
    struct Options {
        std::size_t connection_cache = 1024;   ///< idle keep-alive connections kept
        std::size_t max_response_bytes = 1 << 20;  ///< longer answers are cut (and flagged)
        std::chrono::milliseconds connect_timeout{5000};
    };
    using Callback = std::function<void(channels::HttpAnswer)>;

    HttpClient();
    explicit HttpClient(Options options);
    /// Stops the thread; requests still queued or in flight are answered with status 0
    /// ("shutting down").
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Queues one request; `done` runs exactly once with the answer or the transport error.
    void submit(channels::HttpCall call, std::chrono::milliseconds timeout, Callback done);
    /// Requests queued or in flight.
    std::size_t inFlight() const;
    /// Stops taking requests and ends the thread (idempotent).
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::outbox
