#pragma once
// Live KPI metrics for Prometheus, fed by the engine's actions as they are applied:
//   ccd_first_response_seconds{queue,channel}   histogram: opening to the first agent reply
//   ccd_sla_outcomes_total{milestone,outcome}    counter: outcome "met" (on time) or "breached"
//   ccd_ratings_total{score}                     counter: survey ratings 1..5
//   ccd_offers_missed_total{reason}              counter: offers that timed out or were declined
//   ccd_reopened_total                           counter: conversations reopened after resolving
// The same definitions as the reports (docs/kpis.md), counted as they happen.

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/metrics.hpp"
#include "routing/engine_types.hpp"

namespace ccd::daemon::reports {

/// Thread safety: observe() and render() may be called from any thread.
class KpiMetrics {
public:
    /// Counts what `action` tells; `conversation` is the engine's view of its conversation
    /// (queue, channel, opening), when there is one.
    void observe(const routing::Action& action, const routing::ConversationSnapshot* conversation);
    /// Appends the five families.
    void render(std::string& out) const;

private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, std::unique_ptr<Histogram>> first_response_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> sla_;
    std::array<std::atomic<std::uint64_t>, 5> ratings_{};
    std::atomic<std::uint64_t> missed_timeout_{0}, missed_declined_{0}, reopened_{0};
};

}  // namespace ccd::daemon::reports
