#pragma once
// A websocket client of the agent console (docs/console-protocol.md) for integration tests.
// A thread of its own reads every frame into a list; the test takes frames out of it by
// predicate, waiting with a timeout, and frames it did not ask for stay for later. Commands are
// sent with an id and answered by the `ack` or `error` with that id.
//
// Thread safety: one test thread calls the public methods; the reader runs on the client's
// own thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ccd::testing {

class ConsoleClient {
  public:
    using Frame = nlohmann::json;
    using Pred = std::function<bool(const Frame&)>;
    using Duration = std::chrono::steady_clock::duration;
    static constexpr std::chrono::seconds kWait{5};

    /// Connects to ws://127.0.0.1:`port``target`, with `Authorization: Bearer token` unless
    /// the token is empty, and an `Origin` header unless `origin` is empty (a browser's), and
    /// `X-Forwarded-For: forwarded_for` unless empty (as a load balancer adds it). Never
    /// throws: see open(), upgradeStatus() and error().
    ConsoleClient(std::uint16_t port, const std::string& token, const std::string& target = "/",
                  const std::string& origin = {}, const std::string& forwarded_for = {});
    /// Closes (1000) if still open.
    ~ConsoleClient();
    ConsoleClient(const ConsoleClient&) = delete;
    ConsoleClient& operator=(const ConsoleClient&) = delete;

    bool open() const;
    /// The HTTP status of the upgrade (101 when it succeeded).
    int upgradeStatus() const;
    /// Why the connection failed, when it did.
    const std::string& error() const;
    /// The close code the server sent, once closed.
    int closeCode() const;

    /// Sends one text frame; false when it could not be sent in time.
    bool sendText(const std::string& text);
    bool send(const Frame& frame) { return sendText(frame.dump()); }

    /// Sends a command (an id is made up when it has none) and returns its answer: the `ack` or
    /// `error` frame with that id. Throws std::runtime_error when none comes in time.
    Frame call(Frame command, Duration timeout = kWait);
    /// call(), and throws unless the answer is an `ack`.
    Frame ok(Frame command, Duration timeout = kWait);

    /// Takes the first frame matching `pred`, waiting up to `timeout` for one.
    std::optional<Frame> take(const Pred& pred, Duration timeout = kWait);
    /// Takes the first frame of `type` (about `conversation_id`, unless 0); throws when none
    /// comes in time, listing the frames that did.
    Frame expect(const std::string& type, std::int64_t conversation_id = 0,
                 Duration timeout = kWait);
    /// Takes the `conversation_updated` frame with this `change`; throws when none comes.
    Frame expectUpdate(std::int64_t conversation_id, const std::string& change,
                       Duration timeout = kWait);
    /// Whether a frame matching `pred` has arrived and was not taken.
    bool has(const Pred& pred) const;

    /// A predicate: frames of `type`, about `conversation_id` unless it is 0.
    static Pred matching(const std::string& type, std::int64_t conversation_id = 0);

    /// Every frame received, in order.
    std::vector<Frame> received() const;
    /// The highest `seq` received (0 when none).
    std::uint64_t lastSeq() const;
    /// The frames not taken yet, one a line, for failure messages.
    std::string pending() const;

    /// Closes with 1000 and waits until the reader has seen the end of the connection.
    void close();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::testing
