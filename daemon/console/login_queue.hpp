#pragma once
// The logins waiting for a hashing worker. argon2id is slow and memory-hungry on purpose, so
// the workers are few and logins queue; a flood of bogus logins must not keep a real user
// waiting. Two lanes: addresses that logged in successfully before (known) go first and have
// room of their own; and no address holds more than a few places, waiting or running.
// Pure (no threads, no clock): the workers in auth_routes.cpp lock around it.

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

namespace ccd::daemon::console {

/// Thread safety: none; the caller serializes every call.
class LoginQueue {
  public:
    struct Limits {
        std::size_t capacity = 64;        ///< logins waiting from other addresses
        std::size_t known_capacity = 16;  ///< logins waiting from known addresses
        std::size_t per_address = 4;      ///< logins of one address, waiting or running
    };

    /// One login to run, and where it came from.
    struct Job {
        std::string address;
        std::function<void()> run;
    };

    enum class Admission {
        Queued,
        Busy,                ///< the lane is full
        TooManyFromAddress,  ///< this address has `per_address` logins in progress
    };

    LoginQueue();
    explicit LoginQueue(Limits limits) : limits_(limits) {}

    /// Queues a login from `address`, in the known lane when `known`.
    Admission push(const std::string& address, bool known, std::function<void()> run);
    /// The next login to run: the known lane first, each lane in arrival order.
    std::optional<Job> pop();
    /// A login that pop() returned has finished: its address's place is free.
    void finished(const std::string& address);

    /// Logins waiting (not running).
    std::size_t waiting() const { return known_.size() + others_.size(); }

  private:
    Limits limits_;
    std::deque<Job> known_;
    std::deque<Job> others_;
    std::unordered_map<std::string, std::size_t> in_progress_;  // waiting or running
};

}  // namespace ccd::daemon::console
