#include "daemon/metrics.hpp"

#include <fmt/format.h>

namespace ccd::daemon {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    double old = sum_.load(std::memory_order_relaxed);
    while (!sum_.compare_exchange_weak(old, old + value, std::memory_order_relaxed)) {
    }
}

void Histogram::render(const std::string& name, std::string& out,
                       const std::string& labels) const {
    const std::string before_le = labels.empty() ? std::string() : labels + ",";
    const std::string own = labels.empty() ? std::string() : "{" + labels + "}";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, before_le, bounds_[i],
                           cumulative);
    }
    cumulative += buckets_[bounds_.size()].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, before_le, cumulative);
    out += fmt::format("{}_sum{} {}\n", name, own, sum_.load(std::memory_order_relaxed));
    out += fmt::format("{}_count{} {}\n", name, own, cumulative);
}

std::size_t RequestCounters::addRoute(std::string method, std::string route) {
    auto r = std::make_unique<Route>();
    r->method = std::move(method);
    r->route = std::move(route);
    routes_.push_back(std::move(r));
    return routes_.size() - 1;
}

void RequestCounters::count(std::size_t route_index, int status) {
    if (route_index >= routes_.size()) return;
    if (status < 100 || status > 599) status = 599;
    routes_[route_index]->by_status[static_cast<std::size_t>(status - 100)].fetch_add(
        1, std::memory_order_relaxed);
}

void RequestCounters::render(std::string& out) const {
    out += "# HELP ccd_http_requests_total HTTP requests by route and status.\n";
    out += "# TYPE ccd_http_requests_total counter\n";
    for (const auto& r : routes_) {
        for (std::size_t i = 0; i < r->by_status.size(); ++i) {
            auto n = r->by_status[i].load(std::memory_order_relaxed);
            if (n == 0) continue;
            out += fmt::format(
                "ccd_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                r->method, r->route, i + 100, n);
        }
    }
}

std::string escapeLabel(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

LabeledValues::LabeledValues(std::string name, std::string help, std::string type,
                             std::string label)
    : name_(std::move(name)), help_(std::move(help)), type_(std::move(type)),
      label_(std::move(label)) {}

std::atomic<std::int64_t>& LabeledValues::at(const std::string& value) {
    std::lock_guard lock(mutex_);
    auto& slot = values_[value];
    if (!slot) slot = std::make_unique<std::atomic<std::int64_t>>(0);
    return *slot;
}

void LabeledValues::render(std::string& out) const {
    std::lock_guard lock(mutex_);
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, help_, name_, type_);
    for (const auto& [value, n] : values_) {
        out += fmt::format("{}{{{}=\"{}\"}} {}\n", name_, label_, escapeLabel(value),
                           n->load(std::memory_order_relaxed));
    }
}

LabeledValues& Metrics::labeled(const std::string& name, const std::string& help,
                                const std::string& type, const std::string& label) {
    std::lock_guard lock(labeled_mutex_);
    for (const auto& f : labeled_) {
        if (f->name() == name) return *f;
    }
    labeled_.push_back(std::make_unique<LabeledValues>(name, help, type, label));
    return *labeled_.back();
}

namespace {
std::vector<double> latencyBuckets() {
    return {0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}
// Finer at the low end than latencyBuckets(): most steps take tens of microseconds.
std::vector<double> stepBuckets() {
    return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01,
            0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
}
}  // namespace

MessageSteps::MessageSteps()
    : store(stepBuckets()),
      engine_queue(stepBuckets()),
      engine(stepBuckets()),
      decisions_commit(stepBuckets()),
      engine_return(stepBuckets()),
      listeners(stepBuckets()),
      answer(stepBuckets()),
      console_agent(stepBuckets()),
      console_connection(stepBuckets()) {}

void MessageSteps::render(std::string& out) const {
    out += "# HELP ccd_message_step_seconds The steps of an inbound message, each timed on its "
           "own: store, engine_queue, engine, decisions_commit, engine_return, listeners, "
           "answer; console_agent and console_connection for each console frame.\n"
           "# TYPE ccd_message_step_seconds histogram\n";
    const std::pair<const char*, const Histogram*> all[] = {
        {"store", &store},
        {"engine_queue", &engine_queue},
        {"engine", &engine},
        {"decisions_commit", &decisions_commit},
        {"engine_return", &engine_return},
        {"listeners", &listeners},
        {"answer", &answer},
        {"console_agent", &console_agent},
        {"console_connection", &console_connection},
    };
    for (const auto& [name, h] : all)
        h->render("ccd_message_step_seconds", out, fmt::format("step=\"{}\"", name));
}

Metrics::Metrics()
    : intake_latency_seconds(latencyBuckets()),
      store_commit_seconds(latencyBuckets()),
      store_batch_size({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}),
      outbox_send_seconds({0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}) {}

void Metrics::addSection(std::function<void(std::string&)> render) {
    sections_.push_back(std::move(render));
}

void Metrics::addGauge(std::string name, std::string help, std::function<double()> read) {
    gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
    std::string out;
    out.reserve(8192);
    requests.render(out);
    auto histogram = [&out](const char* name, const char* help, const Histogram& h) {
        out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
        h.render(name, out);
    };
    histogram("ccd_intake_latency_seconds",
              "Time from a complete inbound request to its durable acknowledgement.",
              intake_latency_seconds);
    histogram("ccd_store_commit_seconds", "Duration of one group commit.", store_commit_seconds);
    histogram("ccd_store_commit_batch_size", "Writes grouped into one commit.", store_batch_size);
    histogram("ccd_outbox_send_seconds", "One request to a channel's provider, sent to answered.",
              outbox_send_seconds);
    steps.render(out);
    auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
        out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, v);
    };
    counter("ccd_messages_ingested_total", "Inbound messages stored.",
            messages_ingested.load(std::memory_order_relaxed));
    counter("ccd_messages_deduplicated_total", "Inbound messages answered as repeats.",
            messages_deduplicated.load(std::memory_order_relaxed));
    counter("ccd_http_accept_failures_total",
            "HTTP accepts that failed (out of file descriptors and the like).",
            accept_failures.load(std::memory_order_relaxed));
    out += "# HELP ccd_http_open_connections Open HTTP connections.\n"
           "# TYPE ccd_http_open_connections gauge\n";
    out += fmt::format("ccd_http_open_connections {}\n",
                       open_connections.load(std::memory_order_relaxed));
    for (const auto& g : gauges_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name,
                           g.name, g.read());
    }
    std::lock_guard lock(labeled_mutex_);
    for (const auto& f : labeled_) f->render(out);
    for (const auto& section : sections_) section(out);
    return out;
}

}  // namespace ccd::daemon
