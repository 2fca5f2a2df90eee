#pragma once
// The outbox sender: takes due messages from the store's outbox, asks each message's channel
// instance to build the provider request, sends it (HttpClient), reads the answer through the
// channel, and records the outcome — sent (with the provider's id), tried again later with
// exponential backoff and jitter (honouring the provider's Retry-After), or failed for good.
//
// Guarantees (docs/outbox.md): a message accepted into the outbox is never lost — it stays in
// the store until it is sent or fails for good, and a restart resumes it; it is sent twice only
// when ccd stopped without knowing the outcome of a request in flight (counted in /metrics as
// ccd_outbox_possible_duplicates_total). Per conversation, messages leave in order, one at a
// time. Memory does not grow with the backlog: only messages in flight are held.
//
// Asio stays out of this header: the strand lives in the implementation.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "channels/registry.hpp"
#include "daemon/store/store.hpp"

namespace boost::asio {
class io_context;
}

namespace ccd::daemon {
class Metrics;
}

namespace ccd::daemon::outbox {

class HttpClient;

/// Tunables (ccd.yaml `outbox:`); per-instance limits and retries are the instances' own.
struct SenderOptions {
    std::size_t claim_batch = 1024;  ///< most messages taken from the store at once
    std::chrono::milliseconds poll_interval{1000};  ///< look for due retries this often
};

/// Thread safety: every public method may be called from any thread. The sender's state lives
/// on its own strand; callbacks it makes (deliveries) run there: keep them short.
class OutboxSender {
public:
    using Channels = std::function<channels::ChannelSetPtr()>;
    /// Messages whose delivery state changed (sent, failed), once stored.
    using Deliveries = std::function<void(std::vector<store::DeliveryChange>)>;

    OutboxSender(boost::asio::io_context& ioc, store::Store& store, Metrics& metrics,
                 HttpClient& http, Channels channels, SenderOptions options,
                 Deliveries deliveries);
    ~OutboxSender();
    OutboxSender(const OutboxSender&) = delete;
    OutboxSender& operator=(const OutboxSender&) = delete;

    /// Puts messages a crash left `sending` back in line (each counted as a possible
    /// duplicate), then starts sending. Blocks until the store has done that.
    void start();
    /// Stops taking messages and waits up to `grace` for the sends in flight to end and their
    /// outcomes to be stored; what is still in flight then is resumed at the next start.
    void stop(std::chrono::milliseconds grace);

    /// New messages were queued (the store's outbox listener): look now.
    void poke();
    /// Shows "typing..." to the customer of a conversation, where the channel has it.
    void typing(std::int64_t conversation_id);

    /// Sends in flight, all instances together.
    std::size_t inFlight() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

/// The delay before try `attempt + 1` after try `attempt` failed: initial * 2^(attempt-1),
/// at most `max`, times a random factor in [0.75, 1.25] (`unit` in [0, 1) picks it).
std::chrono::milliseconds backoff(const channels::RetryPolicy& policy, int attempt, double unit);

}  // namespace ccd::daemon::outbox
