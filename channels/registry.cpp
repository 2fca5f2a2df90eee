#include "channels/registry.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "channels/api/api_channel.hpp"
#include "channels/cti/cti_channel.hpp"
#include "channels/email/email_channel.hpp"
#include "channels/telegram/telegram_channel.hpp"
#include "channels/twilio/twilio_channel.hpp"
#include "channels/webchat/webchat_channel.hpp"
#include "channels/webhook/webhook_channel.hpp"
#include "channels/wechat/wechat_channel.hpp"
#include "channels/whatsapp/whatsapp_channel.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels {
namespace {

std::vector<ChannelKindInfo> checked(std::vector<ChannelKindInfo> kinds) {
    std::set<std::string_view> names;
    for (const auto& k : kinds) {
        if (!names.insert(k.type).second)
            throw std::logic_error("channel kind \"" + std::string(k.type) + "\" registered twice");
    }
    return kinds;
}

// Instance names appear in URLs, metrics labels and rules: keep them plain.
bool validName(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    auto ok = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    };
    return std::all_of(s.begin(), s.end(), ok) && s.front() != '-' && s.front() != '_';
}

void positive(const config::NodeRef& n, std::chrono::milliseconds& field) {
    if (auto d = n.duration()) {
        if (d->count() <= 0) n.error("must be longer than 0");
        else field = *d;
    }
}

void readCommon(const config::NodeRef& item, ChannelSettings& s) {
    if (auto e = item["enabled"].boolean()) s.enabled = *e;
    if (auto n = item["max_in_flight"].integer(1, 10000)) s.max_in_flight = static_cast<std::size_t>(*n);
    positive(item["send_timeout"], s.send_timeout);
    auto retry = item["retry"];
    retry.expectMap({"initial", "max", "max_attempts", "give_up_after"});
    positive(retry["initial"], s.retry.initial);
    positive(retry["max"], s.retry.max);
    if (auto n = retry["max_attempts"].integer(1, 1000)) s.retry.max_attempts = static_cast<int>(*n);
    positive(retry["give_up_after"], s.retry.give_up_after);
    if (s.retry.max < s.retry.initial) retry["max"].error("must not be shorter than retry.initial");
}

}  // namespace

// The registry: one line per channel kind.
const std::vector<ChannelKindInfo>& channelKinds() {
    static const std::vector<ChannelKindInfo> kinds = checked({
        api::kindInfo(),
        webhook::kindInfo(),
        telegram::kindInfo(),
        whatsapp::kindInfo(),
        wechat::kindInfo(),
        email::kindInfo(),
        cti::kindInfo(),
        twilio::kindInfo(),
        webchat::kindInfo(),
    });
    return kinds;
}

const ChannelKindInfo* findChannelKind(std::string_view type) {
    for (const auto& k : channelKinds()) {
        if (k.type == type) return &k;
    }
    return nullptr;
}

const std::vector<std::string_view>& commonChannelKeys() {
    static const std::vector<std::string_view> keys{"name",          "type",         "enabled",
                                                    "max_in_flight", "send_timeout", "retry"};
    return keys;
}

std::vector<ChannelSettingsPtr> parseChannels(const config::NodeRef& node) {
    std::vector<ChannelSettingsPtr> out;
    if (!node.present() || node.isNull()) {
        auto s = findChannelKind("api")->parse(node);
        s->name = "api";
        s->type = "api";
        s->kind = routing::ChannelKind::Api;
        out.push_back(std::move(s));
        return out;
    }
    if (node.isMap()) {
        node.error(
            "channels is a list of instances, each with a name and a type, e.g.\n"
            "  channels:\n    - {name: api, type: api}\n    - {name: support-bot, type: telegram, "
            "bot_token: ${TELEGRAM_TOKEN}}");
        return out;
    }
    if (!node.expectSequence()) return out;
    std::set<std::string> names;
    std::vector<std::pair<config::NodeRef, const ChannelSettings*>> read;
    for (const auto& item : node.items()) {
        if (!item.isMap()) {
            item.error("expected a map with the instance's name and type");
            continue;
        }
        auto name = item["name"].require() ? item["name"].nonEmptyString() : std::nullopt;
        auto type = item["type"].require() ? item["type"].nonEmptyString() : std::nullopt;
        if (name && !validName(*name)) {
            item["name"].error("an instance name is 1 to 64 lower-case letters, digits, '-' and "
                               "'_', starting with a letter or digit (got \"" + *name + "\")");
            name.reset();
        }
        if (name && !names.insert(*name).second) {
            item["name"].error("a second instance named \"" + *name + "\"");
            name.reset();
        }
        const ChannelKindInfo* kind = type ? findChannelKind(*type) : nullptr;
        if (type && !kind) {
            std::string known;
            for (const auto& k : channelKinds()) known += (known.empty() ? "" : ", ") + std::string(k.type);
            item["type"].error("unknown channel type \"" + *type + "\" (known: " + known + ")");
        }
        if (!kind) {
            item.expectMap(commonChannelKeys());
            continue;
        }
        std::vector<std::string_view> keys = commonChannelKeys();
        keys.insert(keys.end(), kind->keys.begin(), kind->keys.end());
        item.expectMap(keys);
        auto settings = kind->parse(item);
        settings->type = std::string(kind->type);
        settings->kind = kind->kind;
        readCommon(item, *settings);
        settings->source = std::to_string(item.line()) + ":" + std::to_string(item.column());
        if (!name) continue;
        settings->name = *name;
        read.emplace_back(item, settings.get());
        out.push_back(std::move(settings));
    }
    for (const auto& [item, settings] : read) {
        for (const auto& ref : settings->references) {
            auto it = std::find_if(out.begin(), out.end(),
                                   [&](const ChannelSettingsPtr& s) { return s->name == ref.name; });
            if (it == out.end())
                item[ref.key].error("no channel instance is named \"" + ref.name + "\"");
            else if ((*it)->type != ref.type)
                item[ref.key].error("\"" + ref.name + "\" is a " + (*it)->type +
                                    " instance; a " + ref.type + " instance is needed");
            else if (!(*it)->enabled)
                item[ref.key].error("\"" + ref.name + "\" is disabled");
        }
    }
    return out;
}

std::shared_ptr<const ChannelSet> ChannelSet::build(const std::vector<ChannelSettingsPtr>& settings) {
    auto set = std::make_shared<ChannelSet>();
    for (const auto& s : settings) {
        if (!s->enabled) continue;
        const auto* kind = findChannelKind(s->type);
        if (!kind) throw std::invalid_argument("channel " + s->name + ": unknown type " + s->type);
        auto instance = std::make_shared<ChannelInstance>();
        instance->settings = s;
        instance->info = kind;
        instance->inbound = kind->make_inbound(*s);
        instance->outbound = kind->make_outbound(*s);
        set->instances_.push_back(std::move(instance));
    }
    return set;
}

ChannelInstancePtr ChannelSet::find(std::string_view name) const {
    for (const auto& i : instances_) {
        if (i->name() == name) return i;
    }
    return nullptr;
}

ChannelInstancePtr ChannelSet::defaultApi() const {
    ChannelInstancePtr first;
    for (const auto& i : instances_) {
        if (i->settings->kind != routing::ChannelKind::Api) continue;
        if (i->name() == "api") return i;
        if (!first) first = i;
    }
    return first;
}

}  // namespace ccd::channels
