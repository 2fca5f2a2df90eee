#pragma once
// The channel registry: every channel kind ccd knows, by name, in one list (registry.cpp); the
// parsing of ccd.yaml's `channels:` list into instances of those kinds; and the set of
// adapters built from them that the daemon serves with (swapped whole on a reload).
//
// Adding a kind: its folder under channels/, one line in registry.cpp, its tests.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "channels/channel.hpp"
#include "channels/channel_settings.hpp"

namespace ccd::config {
class NodeRef;
}

namespace ccd::channels {

/// One channel kind: its name, its own configuration keys and how to build its adapters.
struct ChannelKindInfo {
    std::string_view type;  ///< the `type:` of an instance: "telegram"
    routing::ChannelKind kind = routing::ChannelKind::Api;
    std::vector<std::string_view> keys;  ///< the kind's own keys, beside the common ones
    /// Reads the kind's own keys of an instance's item; problems are recorded on the item's
    /// document (file, line, column, path). Returns the settings with the kind's fields set;
    /// the registry fills in the common ones.
    std::function<std::shared_ptr<ChannelSettings>(const config::NodeRef& item)> parse;
    std::function<std::unique_ptr<InboundChannel>(const ChannelSettings&)> make_inbound;
    std::function<std::unique_ptr<OutboundChannel>(const ChannelSettings&)> make_outbound;
};

/// A kind's entry from its settings type, its two adapters (constructed from the settings) and
/// the reader of its own keys: what each kind's kindInfo() returns.
template <class Settings, class Inbound, class Outbound>
ChannelKindInfo makeKindInfo(std::string_view type, routing::ChannelKind kind,
                             std::vector<std::string_view> keys,
                             std::function<void(const config::NodeRef& item, Settings& s)> read) {
    ChannelKindInfo k;
    k.type = type;
    k.kind = kind;
    k.keys = std::move(keys);
    k.parse = [read = std::move(read)](const config::NodeRef& item) {
        auto s = std::make_shared<Settings>();
        read(item, *s);
        return s;
    };
    k.make_inbound = [](const ChannelSettings& s) -> std::unique_ptr<InboundChannel> {
        return std::make_unique<Inbound>(static_cast<const Settings&>(s));
    };
    k.make_outbound = [](const ChannelSettings& s) -> std::unique_ptr<OutboundChannel> {
        return std::make_unique<Outbound>(static_cast<const Settings&>(s));
    };
    return k;
}

/// Every registered kind, in registration order. Two kinds with one name are a programming
/// error caught at the first call (std::logic_error).
const std::vector<ChannelKindInfo>& channelKinds();
/// The kind named `type`, or null.
const ChannelKindInfo* findChannelKind(std::string_view type);

/// The keys every instance may have, whatever its kind.
const std::vector<std::string_view>& commonChannelKeys();

/// Parses ccd.yaml's `channels:` list. Problems (unknown kind, duplicate or malformed names,
/// unknown keys, a kind's own errors) are recorded on the node's document. A missing node
/// gives the default: one API instance named "api".
std::vector<ChannelSettingsPtr> parseChannels(const config::NodeRef& node);

/// One configured instance with its adapters.
struct ChannelInstance {
    ChannelSettingsPtr settings;
    const ChannelKindInfo* info = nullptr;
    std::unique_ptr<const InboundChannel> inbound;
    std::unique_ptr<const OutboundChannel> outbound;

    const std::string& name() const { return settings->name; }
    const std::string& type() const { return settings->type; }
};

using ChannelInstancePtr = std::shared_ptr<const ChannelInstance>;

/// The instances the daemon serves with: immutable; a reload builds a new set. Thread safety:
/// const methods may be called from any thread.
class ChannelSet {
public:
    /// Builds the adapters of every enabled instance. Throws std::invalid_argument naming the
    /// instance when one cannot be built (its settings passed parsing, so this is a bug).
    static std::shared_ptr<const ChannelSet> build(const std::vector<ChannelSettingsPtr>& settings);

    /// The enabled instance named `name`, or null.
    ChannelInstancePtr find(std::string_view name) const;
    /// The instance `POST /v1/messages` serves: the enabled API instance named "api", else
    /// the first enabled API instance; null when there is none.
    ChannelInstancePtr defaultApi() const;
    /// Every enabled instance, in configuration order.
    const std::vector<ChannelInstancePtr>& all() const { return instances_; }

private:
    std::vector<ChannelInstancePtr> instances_;
};

using ChannelSetPtr = std::shared_ptr<const ChannelSet>;

}  // namespace ccd::channels
