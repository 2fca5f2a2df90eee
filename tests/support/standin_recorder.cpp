#include "tests/support/standin_recorder.hpp"

#include <algorithm>
#include <chrono>

namespace ccd::standin {

namespace {

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const char* outcomeName(int outcome) {
    static const char* kNames[] = {"pending", "answered", "dropped", "hung"};
    return kNames[outcome];
}

const char* modeName(RecordMode mode) {
    switch (mode) {
        case RecordMode::kFull:
            return "full";
        case RecordMode::kMeta:
            return "meta";
        case RecordMode::kNone:
            break;
    }
    return "none";
}

}  // namespace

std::uint64_t Recorder::arrived(const Request& req, Dialect dialect, std::uint64_t conn) {
    std::lock_guard lock(mutex_);
    std::uint64_t seq = next_seq_++;
    ++requests_;
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    if (mode_ == RecordMode::kNone) {
        first_seq_ = next_seq_;
        return seq;
    }
    if (entries_.empty()) first_seq_ = seq;
    Entry& e = entries_.emplace_back();
    e.seq = seq;
    e.conn = conn;
    e.dialect = dialect;
    e.method = req.method;
    e.target = req.target;
    e.at_ms = nowMs();
    if (mode_ == RecordMode::kFull) {
        e.headers = req.headers;
        e.body = req.body;
    }
    return seq;
}

Recorder::Entry* Recorder::find(std::uint64_t seq) {
    if (entries_.empty() || seq < first_seq_ || seq - first_seq_ >= entries_.size()) return nullptr;
    return &entries_[seq - first_seq_];
}

void Recorder::settle(std::uint64_t seq, Outcome outcome, int status) {
    if (Entry* e = find(seq)) {
        e->outcome = outcome;
        e->status = status;
        if (outcome == Outcome::kAnswered) e->answered_ms = nowMs();
    }
}

void Recorder::answered(std::uint64_t seq, int status) {
    std::lock_guard lock(mutex_);
    ++by_status_[status];
    --in_flight_;
    settle(seq, Outcome::kAnswered, status);
}

void Recorder::dropped(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    ++dropped_;
    --in_flight_;
    settle(seq, Outcome::kDropped, 0);
}

void Recorder::hung(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    ++hung_;
    settle(seq, Outcome::kHung, 0);
}

void Recorder::released(std::uint64_t) {
    std::lock_guard lock(mutex_);
    --in_flight_;
}

void Recorder::connectionOpened() {
    std::lock_guard lock(mutex_);
    ++open_connections_;
    ++connections_accepted_;
}

void Recorder::connectionClosed() {
    std::lock_guard lock(mutex_);
    --open_connections_;
}

nlohmann::json Recorder::requests(std::uint64_t since, std::size_t limit,
                                  const std::string& match) const {
    std::lock_guard lock(mutex_);
    nlohmann::json out = nlohmann::json::array();
    std::size_t start =
        since < first_seq_ ? 0 : std::min<std::uint64_t>(since - first_seq_ + 1, entries_.size());
    for (std::size_t i = start; i < entries_.size() && out.size() < limit; ++i) {
        const Entry& e = entries_[i];
        if (!match.empty() && e.target.find(match) == std::string::npos) continue;
        nlohmann::json headers = nullptr;
        nlohmann::json body = nullptr;
        if (mode_ == RecordMode::kFull) {
            headers = nlohmann::json::object();
            for (const auto& [k, v] : e.headers) {
                // Repeated fields are joined as HTTP allows; names as the client spelled them.
                auto it = headers.find(k);
                if (it == headers.end()) {
                    headers[k] = v;
                } else {
                    *it = it->get<std::string>() + ", " + v;
                }
            }
            body = e.body;  // invalid UTF-8 is replaced when the answer is serialized
        }
        out.push_back(nlohmann::json{{"seq", e.seq},
                                     {"conn", e.conn},
                                     {"dialect", dialectName(e.dialect)},
                                     {"method", e.method},
                                     {"target", e.target},
                                     {"headers", std::move(headers)},
                                     {"body", std::move(body)},
                                     {"at_ms", e.at_ms},
                                     {"answered_ms", e.answered_ms},
                                     {"status", e.status},
                                     {"outcome", outcomeName(static_cast<int>(e.outcome))}});
    }
    return out;
}

nlohmann::json Recorder::stats() const {
    std::lock_guard lock(mutex_);
    nlohmann::json by_status = nlohmann::json::object();
    for (const auto& [status, n] : by_status_) by_status[std::to_string(status)] = n;
    return nlohmann::json{{"requests", requests_},
                          {"by_status", std::move(by_status)},
                          {"dropped", dropped_},
                          {"hung", hung_},
                          {"in_flight", in_flight_},
                          {"max_in_flight", max_in_flight_},
                          {"open_connections", open_connections_},
                          {"connections_accepted", connections_accepted_},
                          {"record", modeName(mode_)}};
}

void Recorder::reset() {
    std::lock_guard lock(mutex_);
    entries_.clear();
    first_seq_ = next_seq_;
    requests_ = 0;
    by_status_.clear();
    dropped_ = 0;
    hung_ = 0;
    max_in_flight_ = in_flight_;
    connections_accepted_ = 0;
}

}  // namespace ccd::standin
