#pragma once
// What a listener does when accept() fails. Out of file descriptors (EMFILE, ENFILE) the
// pending connection stays in the backlog and the listening socket stays readable, so retrying
// at once spins a core and writes a log line per try: instead wait a short pause that doubles
// up to a ceiling while the failures go on, and log once per interval with the count of the
// failures not logged. Pure: time comes in as a parameter; both listeners (HTTP and console)
// use it.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>

namespace ccd::daemon::http {

/// At most one log line per interval; counts the events it kept quiet about.
/// Thread safety: none (each listener keeps its own, on its accept strand).
class IntervalLog {
  public:
    using Clock = std::chrono::steady_clock;

    explicit IntervalLog(std::chrono::milliseconds interval) : interval_(interval) {}

    /// Whether an event at `now` gets a log line; if so, `quiet` is the number of events since
    /// the last line that did not get one.
    bool shouldLog(Clock::time_point now, std::uint64_t& quiet) {
        if (logged_once_ && now - last_ < interval_) {
            ++quiet_;
            return false;
        }
        logged_once_ = true;
        last_ = now;
        quiet = quiet_;
        quiet_ = 0;
        return true;
    }

  private:
    std::chrono::milliseconds interval_;
    bool logged_once_ = false;
    Clock::time_point last_{};
    std::uint64_t quiet_ = 0;
};

/// The pause after failed accepts. Thread safety: none.
class AcceptBackoff {
  public:
    using Clock = std::chrono::steady_clock;

    /// What to do after one failure.
    struct Decision {
        std::chrono::milliseconds pause{0};  ///< wait this long before accepting again
        bool log = false;                    ///< write a log line for this one
        std::uint64_t quiet = 0;             ///< failures not logged since the last line
    };

    explicit AcceptBackoff(std::chrono::milliseconds first = std::chrono::milliseconds(50),
                           std::chrono::milliseconds ceiling = std::chrono::milliseconds(500),
                           std::chrono::milliseconds log_interval = std::chrono::seconds(10))
        : first_(first), ceiling_(ceiling), log_(log_interval) {}

    /// Whether an accept() error (an errno value) is about resources that free up only with
    /// time (descriptors, buffers, memory): those are retried after a pause; others at once.
    static bool outOfResources(int error) {
        return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
    }

    /// A failed accept at `now`; `resources` as outOfResources() says.
    Decision failed(Clock::time_point now, bool resources) {
        Decision d;
        if (resources) {
            next_ = next_.count() == 0 ? first_ : std::min(next_ * 2, ceiling_);
            d.pause = next_;
        }
        d.log = log_.shouldLog(now, d.quiet);
        return d;
    }

    /// An accept succeeded: the next failure starts with the shortest pause again.
    void succeeded() { next_ = std::chrono::milliseconds(0); }

  private:
    std::chrono::milliseconds first_;
    std::chrono::milliseconds ceiling_;
    std::chrono::milliseconds next_{0};
    IntervalLog log_;
};

}  // namespace ccd::daemon::http
