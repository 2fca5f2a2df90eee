#pragma once
// Helpers of the routing engine's tests: the shipped routing.yaml as text (to change a line),
// a new conversation's first message, and the actions of one kind the engine answered.

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "routing/engine_types.hpp"

namespace ccd::testing {

/// config/routing.yaml as shipped.
inline std::string shippedRoutingText() {
    std::ifstream in(CCD_SOURCE_DIR "/config/routing.yaml");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The first message of conversation `conv` (its own message and contact ids) on `channel`.
inline routing::MessageReceived firstMessage(std::int64_t conv, routing::ChannelKind channel,
                                             std::string text = {}) {
    routing::MessageReceived m;
    m.conversation_id = conv;
    m.message_id = conv;
    m.new_conversation = true;
    m.message.channel = channel;
    m.message.text = std::move(text);
    m.message.from.id = "c" + std::to_string(conv);
    m.contact.id = conv;
    return m;
}

/// The actions of type T, in order.
template <class T>
std::vector<T> all(const std::vector<routing::Action>& actions) {
    std::vector<T> out;
    for (const auto& a : actions) {
        if (const auto* x = std::get_if<T>(&a)) out.push_back(*x);
    }
    return out;
}

/// The one action of type T (the test stops when there is none or more).
template <class T>
T one(const std::vector<routing::Action>& actions) {
    auto v = all<T>(actions);
    BOOST_REQUIRE_EQUAL(v.size(), 1u);
    return v.front();
}

}  // namespace ccd::testing
