#include "daemon/reports/kpi_metrics.hpp"

#include <chrono>

#include <fmt/format.h>

namespace ccd::daemon::reports {
namespace {

// 30 s to 2 days: the shipped policies' first-response targets are 5 min to 24 h.
std::vector<double> firstResponseBuckets() {
    return {30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800};
}

}  // namespace

void KpiMetrics::observe(const routing::Action& action,
                         const routing::ConversationSnapshot* conversation) {
    if (const auto* m = std::get_if<routing::MilestoneMet>(&action)) {
        std::lock_guard lock(mutex_);
        if (!m->late) ++sla_[{std::string(routing::toString(m->milestone)), "met"}];
        if (m->milestone == routing::Milestone::FirstResponse && conversation) {
            auto& h = first_response_[{conversation->queue,
                                       std::string(routing::toString(conversation->channel))}];
            if (!h) h = std::make_unique<Histogram>(firstResponseBuckets());
            h->observe(std::chrono::duration<double>(m->at - conversation->opened_at).count());
        }
    } else if (const auto* a = std::get_if<routing::SlaAlert>(&action); a && a->breached) {
        std::lock_guard lock(mutex_);
        ++sla_[{std::string(routing::toString(a->milestone)), "breached"}];
    } else if (const auto* r = std::get_if<routing::RatingRecorded>(&action)) {
        if (r->rating >= 1 && r->rating <= 5)
            ratings_[static_cast<std::size_t>(r->rating - 1)].fetch_add(1, std::memory_order_relaxed);
    } else if (const auto* o = std::get_if<routing::OfferRevoked>(&action)) {
        // As the agents report's missed_offers: a withdrawn offer is not missed.
        if (o->reason == "timeout") missed_timeout_.fetch_add(1, std::memory_order_relaxed);
        else if (o->reason == "declined") missed_declined_.fetch_add(1, std::memory_order_relaxed);
    } else if (const auto* q = std::get_if<routing::Queued>(&action); q && q->reason == "reopened") {
        reopened_.fetch_add(1, std::memory_order_relaxed);
    }
}

void KpiMetrics::render(std::string& out) const {
    std::lock_guard lock(mutex_);
    out += "# HELP ccd_first_response_seconds Time from a conversation's opening to the first "
           "agent reply.\n# TYPE ccd_first_response_seconds histogram\n";
    for (const auto& [key, h] : first_response_)
        h->render("ccd_first_response_seconds", out,
                  fmt::format("queue=\"{}\",channel=\"{}\"", escapeLabel(key.first),
                              escapeLabel(key.second)));
    out += "# HELP ccd_sla_outcomes_total SLA milestones met on time or breached.\n"
           "# TYPE ccd_sla_outcomes_total counter\n";
    for (const auto& [key, n] : sla_)
        out += fmt::format("ccd_sla_outcomes_total{{milestone=\"{}\",outcome=\"{}\"}} {}\n",
                           escapeLabel(key.first), key.second, n);
    out += "# HELP ccd_ratings_total Satisfaction survey ratings by score.\n"
           "# TYPE ccd_ratings_total counter\n";
    for (std::size_t i = 0; i < ratings_.size(); ++i)
        out += fmt::format("ccd_ratings_total{{score=\"{}\"}} {}\n", i + 1,
                           ratings_[i].load(std::memory_order_relaxed));
    out += fmt::format("# HELP ccd_offers_missed_total Offers that timed out or that the agent "
                       "declined.\n# TYPE ccd_offers_missed_total counter\n"
                       "ccd_offers_missed_total{{reason=\"timeout\"}} {}\n"
                       "ccd_offers_missed_total{{reason=\"declined\"}} {}\n",
                       missed_timeout_.load(std::memory_order_relaxed),
                       missed_declined_.load(std::memory_order_relaxed));
    out += fmt::format("# HELP ccd_reopened_total Conversations the customer reopened after "
                       "their resolution.\n# TYPE ccd_reopened_total counter\n"
                       "ccd_reopened_total {}\n", reopened_.load(std::memory_order_relaxed));
}

}  // namespace ccd::daemon::reports
