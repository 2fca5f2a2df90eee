#include "channels/common/settings_reader.hpp"

#include "config/yaml_reader.hpp"

namespace ccd::channels {

config::Secret requiredSecret(const config::NodeRef& node) {
    if (!node.require()) return {};
    auto s = node.secret();
    if (!s) return {};
    if (s->empty()) node.error("must not be empty");
    return *s;
}

config::Secret optionalSecret(const config::NodeRef& node) {
    if (!node.present() || node.isNull()) return {};
    auto s = node.secret();
    return s ? *s : config::Secret{};
}

std::string baseUrl(const config::NodeRef& node, const std::string& fallback) {
    auto s = node.nonEmptyString();
    if (!s) return fallback;
    if (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0) {
        node.error("expected an http:// or https:// URL (got \"" + *s + "\")");
        return fallback;
    }
    std::string url = *s;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

}  // namespace ccd::channels
