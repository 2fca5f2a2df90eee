#pragma once
// The log's formatter: every line's message goes through maskText() before it is written, so
// a phone number, an email address, an ID number or a street address that reaches a log call
// (a sender's key, a provider's error quoting a recipient) is masked at every level. Installed
// once on the daemon's logger (daemon/main.cpp).

#include <memory>
#include <string>

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>

#include "daemon/privacy/pii_mask.hpp"

namespace ccd::daemon::privacy {

/// A spdlog formatter: `pattern` as spdlog's pattern_formatter, with the message masked.
class MaskingFormatter final : public spdlog::formatter {
public:
    explicit MaskingFormatter(std::string pattern)
        : pattern_(std::move(pattern)),
          inner_(std::make_unique<spdlog::pattern_formatter>(pattern_)) {}

    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        auto masked = maskText(std::string_view(msg.payload.data(), msg.payload.size()));
        spdlog::details::log_msg copy = msg;
        copy.payload = spdlog::string_view_t(masked.data(), masked.size());
        inner_->format(copy, dest);
        // The color sink reads where the level's color goes from the message it passed.
        msg.color_range_start = copy.color_range_start;
        msg.color_range_end = copy.color_range_end;
    }

    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<MaskingFormatter>(pattern_);
    }

private:
    std::string pattern_;
    std::unique_ptr<spdlog::pattern_formatter> inner_;
};

}  // namespace ccd::daemon::privacy
