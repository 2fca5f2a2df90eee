#pragma once
// Process metrics in the Prometheus text exposition format (GET /metrics).
// Counters and histograms are lock-free atomics: safe to update from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ccd::daemon {

/// Seconds from `start` to now (steady clock): what Histogram::observe takes for a duration.
inline double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// A cumulative histogram with fixed upper bounds.
class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    /// Thread-safe.
    void observe(double value);
    /// Appends `name_bucket`, `name_sum` and `name_count` lines; `labels` (escaped, e.g.
    /// `queue="billing"`) are put on each.
    void render(const std::string& name, std::string& out, const std::string& labels = {}) const;
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

/// One metric per value of a label (per channel instance): counters or gauges, each created on
/// first use. Thread-safe; the references at() returns stay valid.
class LabeledValues {
public:
    LabeledValues(std::string name, std::string help, std::string type, std::string label);
    /// The value for `label_value`, created at 0.
    std::atomic<std::int64_t>& at(const std::string& label_value);
    void render(std::string& out) const;
    const std::string& name() const { return name_; }

private:
    std::string name_, help_, type_, label_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<std::atomic<std::int64_t>>> values_;
};

/// A label value escaped for the exposition format (backslash, quote, newline).
std::string escapeLabel(const std::string& value);

/// The steps of one inbound message from its request to its answer and to its offer at an
/// agent, each timed on its own, so that a latency can be taken apart: the work in each step,
/// and the waits for a thread between them (ccd_message_step_seconds{step="..."}; the console
/// benchmark prints their quantiles, docs/performance.md). Thread-safe.
struct MessageSteps {
    MessageSteps();
    Histogram store;             ///< parsed -> stored durably (the request's group commit)
    Histogram engine_queue;      ///< handed to the engine -> taken by its strand
    Histogram engine;            ///< the engine's decision, and the store update built from it
    Histogram decisions_commit;  ///< the update handed to the store -> durable
    Histogram engine_return;     ///< durable -> back on the engine's strand
    Histogram listeners;         ///< the engine's listeners (the console builds offer frames)
    Histogram answer;            ///< a POST's answer ready -> on its HTTP connection's strand
    Histogram console_agent;     ///< a console frame posted -> sent from its agent's strand
    Histogram console_connection;  ///< sent -> handed to the websocket on its connection's strand
    void render(std::string& out) const;
};

/// Every metric the daemon exports.
class Metrics {
public:
    Metrics();

    RequestCounters requests;
    Histogram intake_latency_seconds;  ///< POST of a message: request read to response ready
    Histogram store_commit_seconds;    ///< one group commit, BEGIN to durable COMMIT
    Histogram store_batch_size;        ///< writes grouped into one commit
    Histogram outbox_send_seconds;     ///< one request to a provider, sent to answered
    MessageSteps steps;
    std::atomic<std::int64_t> open_connections{0};
    std::atomic<std::uint64_t> accept_failures{0};  ///< accepts that failed (out of descriptors)
    std::atomic<std::uint64_t> messages_ingested{0};
    std::atomic<std::uint64_t> messages_deduplicated{0};

    /// Gauges read at render time (queue depths). Register before serving.
    void addGauge(std::string name, std::string help, std::function<double()> read);

    /// The labeled family `name` (created on first call; `type` "counter" or "gauge").
    /// Thread-safe.
    LabeledValues& labeled(const std::string& name, const std::string& help,
                           const std::string& type, const std::string& label);

    /// Families rendered by their owner (reports' KPI metrics), appended after the others.
    /// Register before serving; `render` must be thread-safe.
    void addSection(std::function<void(std::string&)> render);

    /// The whole exposition text.
    std::string render() const;

private:
    struct Gauge {
        std::string name;
        std::string help;
        std::function<double()> read;
    };
    std::vector<Gauge> gauges_;
    std::vector<std::function<void(std::string&)>> sections_;
    mutable std::mutex labeled_mutex_;
    std::vector<std::unique_ptr<LabeledValues>> labeled_;
};

}  // namespace ccd::daemon
