#pragma once
// Process metrics in the Prometheus text exposition format (GET /metrics).
// Counters and histograms are lock-free atomics: safe to update from any thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ccd::daemon {

/// A cumulative histogram with fixed upper bounds.
class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    /// Thread-safe.
    void observe(double value);
    /// Appends `name_bucket`, `name_sum` and `name_count` lines.
    void render(const std::string& name, std::string& out) const;
    std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound, plus +Inf
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0.0};
};

/// Requests counted by route and status code.
class RequestCounters {
public:
    /// Registers a route label ("POST /v1/messages"); returns its index. Call before serving.
    std::size_t addRoute(std::string method, std::string route);
    /// Thread-safe. An out-of-range status is counted as 599.
    void count(std::size_t route_index, int status);
    void render(std::string& out) const;

private:
    struct Route {
        std::string method;
        std::string route;
        std::array<std::atomic<std::uint64_t>, 500> by_status{};  // status 100..599
    };
    std::vector<std::unique_ptr<Route>> routes_;
};

/// Every metric the daemon exports.
class Metrics {
public:
    Metrics();

    RequestCounters requests;
    Histogram intake_latency_seconds;  ///< POST of a message: request read to response ready
    Histogram store_commit_seconds;    ///< one group commit, BEGIN to durable COMMIT
    Histogram store_batch_size;        ///< writes grouped into one commit
    std::atomic<std::int64_t> open_connections{0};
    std::atomic<std::uint64_t> messages_ingested{0};
    std::atomic<std::uint64_t> messages_deduplicated{0};

    /// Gauges read at render time (queue depths). Register before serving.
    void addGauge(std::string name, std::string help, std::function<double()> read);

    /// The whole exposition text.
    std::string render() const;

private:
    struct Gauge {
        std::string name;
        std::string help;
        std::function<double()> read;
    };
    std::vector<Gauge> gauges_;
};

}  // namespace ccd::daemon
