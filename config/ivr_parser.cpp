#include "config/ivr_parser.hpp"

#include <chrono>

namespace ccd::config {
namespace {

// Twilio's <Say> takes at most 4096 characters; a CTI phone system's text-to-speech no more.
constexpr std::size_t kMaxPromptBytes = 4096;

bool isKeypadKey(const std::string& s) {
    return s.size() == 1 && ((s[0] >= '0' && s[0] <= '9') || s[0] == '*' || s[0] == '#');
}

// {key: value, ...}: the attributes a choice sets (names and values non-empty strings).
std::map<std::string, std::string> readAttributes(const NodeRef& node) {
    std::map<std::string, std::string> out;
    if (!node.expectNamedEntries()) return out;
    for (const auto& [key, value] : node.entries()) {
        if (auto v = value.nonEmptyString()) out[key] = *v;
    }
    return out;
}

}  // namespace

void readIvr(const NodeRef& node, routing::RoutingConfig& out) {
    if (!node.present()) return;
    if (!node.expectMap({"prompt", "digits", "default", "timeout"})) return;
    routing::IvrMenu menu;
    auto prompt = node["prompt"];
    if (prompt.require() && prompt.expectMap({"en", "zh-Hans", "zh-Hant"})) {
        for (const char* locale : {"en", "zh-Hans", "zh-Hant"}) {
            auto text = prompt[locale];
            if (!text.present()) {
                prompt.error(std::string("missing the prompt in ") + locale +
                             " (the menu speaks en, zh-Hans and zh-Hant)");
                continue;
            }
            auto s = text.nonEmptyString();
            if (!s) continue;
            if (s->size() > kMaxPromptBytes) {
                text.error("a prompt is spoken: at most 4096 bytes");
                continue;
            }
            menu.prompts[locale] = *s;
        }
    }
    auto digits = node["digits"];
    if (digits.require() && digits.expectNamedEntries()) {
        for (const auto& [key, choice] : digits.entries()) {
            if (!isKeypadKey(key)) {
                choice.error("a menu choice is one key of the phone: 0-9, * or # (got \"" + key +
                             "\")");
                continue;
            }
            auto attributes = readAttributes(choice);
            if (choice.isMap() && attributes.empty() && choice.entries().empty())
                choice.error("a choice sets at least one attribute, e.g. {reason: repair}");
            menu.digits[key] = std::move(attributes);
        }
        if (digits.isMap() && digits.entries().empty())
            digits.error("a menu needs at least one choice");
    }
    if (node["default"].present()) menu.fallback = readAttributes(node["default"]);
    if (auto timeout = node["timeout"].duration()) {
        if (*timeout < std::chrono::seconds(1) || *timeout > std::chrono::seconds(60))
            node["timeout"].error("expected a timeout from 1s to 60s");
        else
            menu.timeout = std::chrono::duration_cast<std::chrono::seconds>(*timeout);
    }
    out.ivr = std::move(menu);
}

}  // namespace ccd::config
