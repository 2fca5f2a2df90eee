#pragma once
// Captures what the process logs through spdlog's default logger while it lives, so that a test
// can check what was (and was not) written to the log. The previous default logger comes back
// at the end.

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ccd::testing {

/// Thread safety: lines are added from any thread; lines() and count() may be called
/// concurrently with them.
class LogCapture {
  public:
    LogCapture() : previous_(spdlog::default_logger()), sink_(std::make_shared<Sink>()) {
        auto logger = std::make_shared<spdlog::logger>("capture", sink_);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    /// Every message logged so far, without the pattern (time, level).
    std::vector<std::string> lines() const { return sink_->lines(); }

    /// How many messages contain `text`.
    std::size_t count(const std::string& text) const {
        auto all = lines();
        return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const auto& l) {
            return l.find(text) != std::string::npos;
        }));
    }

    /// Whether any message contains `text`.
    bool contains(const std::string& text) const { return count(text) > 0; }

  private:
    class Sink : public spdlog::sinks::base_sink<std::mutex> {
      public:
        std::vector<std::string> lines() {
            std::lock_guard lock(mutex_);
            return lines_;
        }

      protected:
        void sink_it_(const spdlog::details::log_msg& msg) override {
            lines_.emplace_back(msg.payload.data(), msg.payload.size());
        }
        void flush_() override {}

      private:
        std::vector<std::string> lines_;
    };

    std::shared_ptr<spdlog::logger> previous_;
    std::shared_ptr<Sink> sink_;
};

}  // namespace ccd::testing
