#pragma once
// The configuration of one channel instance (an item of ccd.yaml's `channels:` list): the keys
// every kind has, here, and each kind's own keys in a struct derived from it in the kind's
// folder. Parsed once by the registry (channels/registry.hpp), immutable afterwards.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "routing/model.hpp"

namespace ccd::channels {

/// When and how often the outbox tries a message again.
struct RetryPolicy {
    std::chrono::milliseconds initial{1000};  ///< first delay; doubled each time, with jitter
    std::chrono::milliseconds max{300000};    ///< longest delay between two tries
    int max_attempts = 15;                    ///< then the message fails for good
    std::chrono::milliseconds give_up_after{std::chrono::hours(24)};  ///< or after this long
};

/// A key of an instance that names another instance, which must exist, be enabled and be of
/// `type` (checked once every instance is read).
struct InstanceReference {
    std::string key;   ///< "email_instance"
    std::string name;  ///< the instance it names
    std::string type;  ///< "email"
};

/// What every instance has, whatever its kind.
struct ChannelSettings {
    virtual ~ChannelSettings() = default;

    std::string name;  ///< in routes, conversations, rules (`channel_instance`), metrics
    std::string type;  ///< the kind's registry name: "api", "telegram", ...
    routing::ChannelKind kind = routing::ChannelKind::Api;
    bool enabled = true;  ///< a disabled instance has no route and sends nothing
    std::size_t max_in_flight = 64;  ///< sends to the provider under way at once
    std::chrono::milliseconds send_timeout{15000};  ///< one request to the provider
    RetryPolicy retry;
    /// Where the line and column of the instance's item are, for messages about it later.
    std::string source;  ///< "config/ccd.yaml:31:5"
    std::vector<InstanceReference> references;  ///< set by the kind's reader
};

using ChannelSettingsPtr = std::shared_ptr<const ChannelSettings>;

}  // namespace ccd::channels
