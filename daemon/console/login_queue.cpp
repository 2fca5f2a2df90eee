#include "daemon/console/login_queue.hpp"

namespace ccd::daemon::console {

LoginQueue::LoginQueue() : limits_(Limits{}) {}

LoginQueue::Admission LoginQueue::push(const std::string& address, bool known,
                                       std::function<void()> run) {
    auto& lane = known ? known_ : others_;
    if (lane.size() >= (known ? limits_.known_capacity : limits_.capacity)) return Admission::Busy;
    auto& count = in_progress_[address];
    if (count >= limits_.per_address) return Admission::TooManyFromAddress;
    ++count;
    lane.push_back(Job{address, std::move(run)});
    return Admission::Queued;
}

std::optional<LoginQueue::Job> LoginQueue::pop() {
    auto& lane = !known_.empty() ? known_ : others_;
    if (lane.empty()) return std::nullopt;
    Job job = std::move(lane.front());
    lane.pop_front();
    return job;
}

void LoginQueue::finished(const std::string& address) {
    auto it = in_progress_.find(address);
    if (it == in_progress_.end()) return;
    if (--it->second == 0) in_progress_.erase(it);
}

}  // namespace ccd::daemon::console
