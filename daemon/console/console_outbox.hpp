#pragma once
// A bounded, per-agent record of the sequenced frames sent to an agent, so that a client that
// reconnects with the last sequence number it saw receives exactly what it missed.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace ccd::daemon::console {

/// Thread safety: none; each agent's outbox lives on that agent's strand.
class ConsoleOutbox {
public:
    /// Keeps at most `capacity` frames (at least 1).
    explicit ConsoleOutbox(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

    /// Numbers the frame with the next sequence number (1, 2, ...), keeps it and returns it.
    std::uint64_t push(std::string frame) {
        frames_.emplace_back(++last_seq_, std::move(frame));
        if (frames_.size() > capacity_) frames_.pop_front();
        return last_seq_;
    }

    /// The frames after `seen`, oldest first. `complete` is false when some of them were
    /// already dropped (the client must reload its state).
    std::vector<std::string> since(std::uint64_t seen, bool& complete) const {
        std::vector<std::string> out;
        if (seen > last_seq_) complete = false;  // a sequence from another life of the server
        else if (ended_at_ > 0 && seen <= ended_at_) complete = false;  // a session that ended
        else if (seen == last_seq_) complete = true;
        else complete = !frames_.empty() && seen + 1 >= frames_.front().first;
        for (const auto& [seq, frame] : frames_) {
            if (seq > seen) out.push_back(frame);
        }
        return out;
    }

    /// The agent's session ended (the grace period passed): forgets the frames but keeps
    /// numbering, and a client resuming from before now is told it has a gap to reload.
    void clear() {
        frames_.clear();
        ended_at_ = last_seq_;
    }

    std::uint64_t lastSeq() const { return last_seq_; }
    std::size_t size() const { return frames_.size(); }

private:
    std::size_t capacity_;
    std::uint64_t last_seq_ = 0;
    std::uint64_t ended_at_ = 0;
    std::deque<std::pair<std::uint64_t, std::string>> frames_;
};

}  // namespace ccd::daemon::console
