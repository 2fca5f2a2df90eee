#pragma once
// The inbound message the store suites ingest: a Telegram message to the instance
// "support-bot" (tests/support/store_makers.hpp, tests/support/ingest_drivers.hpp).

#include <chrono>
#include <cstdint>
#include <string>

#include "routing/engine_types.hpp"

namespace ccd::testing {

/// A Telegram message of `sender` to the instance "support-bot".
inline routing::InboundMessage message(const std::string& sender, const std::string& provider_id,
                                       const std::string& text,
                                       std::int64_t at_ms = 1'700'000'000'000) {
    routing::InboundMessage m;
    m.channel = routing::ChannelKind::Telegram;
    m.channel_instance = "support-bot";
    m.provider_id = provider_id;
    m.from.id = sender;
    m.from.name = "Customer " + sender;
    m.text = text;
    m.locale = "en";
    m.received_at = routing::TimePoint(std::chrono::milliseconds(at_ms));
    return m;
}

}  // namespace ccd::testing
