#pragma once
// The IMAP side of every `type: email` instance: each mailbox is polled every `poll_interval`
// (libcurl has no IDLE) through the outbox's HttpClient (libcurl multi on its own thread), so
// no poll ever blocks an HTTP or engine thread. A poll asks STATUS (UIDVALIDITY, UIDNEXT),
// searches the UIDs after the last one taken (all unseen ones after a UIDVALIDITY change),
// fetches each with BODY.PEEK (fetching marks nothing), hands it to Intake::ingest — stored in
// one commit with the mailbox's new last UID — and only then marks it \Seen or moves it.
//
// A mailbox that cannot be reached is retried with backoff (1 s doubling, at most
// max(poll_interval, 5 s)), shown in /healthz and in /metrics (ccd_email_mailbox_up,
// ccd_email_poll_failures_total); it never stops the daemon.
//
// Asio stays out of this header: the strands live in the implementation.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "channels/registry.hpp"

namespace boost::asio {
class io_context;
}
namespace ccd::store {
class Store;
}

namespace ccd::daemon {

class Intake;
class Metrics;
namespace outbox {
class HttpClient;
}

/// A mailbox's health, for /healthz.
struct MailboxHealth {
    std::string instance;
    bool up = false;          ///< the last poll reached the server (false before the first)
    std::string last_error;   ///< why the last poll failed; empty when up
    std::int64_t last_poll_ms = 0;  ///< when a poll last ended well (Unix ms); 0: never
};

/// Thread safety: every public method may be called from any thread.
class MailboxPoller {
public:
    using Channels = std::function<channels::ChannelSetPtr()>;

    MailboxPoller(boost::asio::io_context& ioc, store::Store& store, Metrics& metrics,
                  outbox::HttpClient& http, Intake& intake, Channels channels);
    ~MailboxPoller();
    MailboxPoller(const MailboxPoller&) = delete;
    MailboxPoller& operator=(const MailboxPoller&) = delete;

    /// Starts polling every email instance of the current channel set.
    void start();
    /// After a reload: starts new or changed mailboxes, stops removed ones.
    void sync();
    /// Stops every mailbox: no new poll starts; what is in flight is dropped (a message not
    /// stored is fetched again at the next start, one stored but not marked is recognised).
    void stop();

    /// Every mailbox's health.
    std::vector<MailboxHealth> health() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon
