#pragma once
// What the stand-in remembers of the provider requests it served: each request (as much of it
// as the record mode keeps), how it was answered, and the counters behind /_standin/stats.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/standin_dialects.hpp"

namespace ccd::standin {

/// How much of each request is kept: `full` everything, `meta` no headers or bodies, `none`
/// only the counters (benchmarks).
enum class RecordMode { kFull, kMeta, kNone };

/// Recorded requests and counters. Thread-safe: called from every I/O thread.
class Recorder {
  public:
    explicit Recorder(RecordMode mode) : mode_(mode) {}

    /// A provider request has arrived (on connection `conn`); returns its sequence number
    /// (1, 2, ...; never reused, not even after reset()).
    std::uint64_t arrived(const Request& req, Dialect dialect, std::uint64_t conn);
    /// The request was answered with `status`.
    void answered(std::uint64_t seq, int status);
    /// The connection was closed without an answer (scripted drop, or the stand-in went down).
    void dropped(std::uint64_t seq);
    /// The request will never be answered (scripted hang); it stays in flight until released.
    void hung(std::uint64_t seq);
    /// The connection of a hung request has closed.
    void released(std::uint64_t seq);
    /// A connection was accepted / closed.
    void connectionOpened();
    void connectionClosed();

    /// Recorded requests with seq > since (at most `limit`; those whose target contains `match`
    /// when it is not empty), oldest first.
    nlohmann::json requests(std::uint64_t since, std::size_t limit, const std::string& match) const;
    /// {"requests","by_status","dropped","hung","in_flight","max_in_flight","open_connections",
    ///  "connections_accepted","record"}.
    nlohmann::json stats() const;
    /// Forgets the recorded requests and zeroes the counters (open connections and requests
    /// in flight are not forgotten: they are still there).
    void reset();

  private:
    enum class Outcome { kPending, kAnswered, kDropped, kHung };
    struct Entry {
        std::uint64_t seq = 0;
        std::uint64_t conn = 0;
        Dialect dialect = Dialect::kUnknown;
        std::string method;
        std::string target;
        std::vector<std::pair<std::string, std::string>> headers;
        std::string body;
        std::int64_t at_ms = 0;
        std::int64_t answered_ms = 0;
        int status = 0;
        Outcome outcome = Outcome::kPending;
    };
    Entry* find(std::uint64_t seq);
    void settle(std::uint64_t seq, Outcome outcome, int status);

    const RecordMode mode_;
    mutable std::mutex mutex_;
    std::deque<Entry> entries_;  ///< consecutive seqs from first_seq_ (empty in kNone)
    std::uint64_t first_seq_ = 1;
    std::uint64_t next_seq_ = 1;
    std::uint64_t requests_ = 0;
    std::map<int, std::uint64_t> by_status_;
    std::uint64_t dropped_ = 0;
    std::uint64_t hung_ = 0;
    std::int64_t in_flight_ = 0;
    std::int64_t max_in_flight_ = 0;
    std::int64_t open_connections_ = 0;
    std::uint64_t connections_accepted_ = 0;
};

}  // namespace ccd::standin
