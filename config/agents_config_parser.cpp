#include "config/agents_config_parser.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "config/yaml_reader.hpp"

namespace ccd::config {
namespace {

using routing::WorkKind;

struct KindLimit {
    const char* key;
    WorkKind kind;
    int max;
};
// A voice agent is on one call at a time; the other limits keep a typo (50 chats) from going
// unnoticed.
constexpr KindLimit kKinds[] = {{"voice", WorkKind::Voice, 1},
                                {"chat", WorkKind::Chat, 10},
                                {"messaging", WorkKind::Messaging, 50},
                                {"email", WorkKind::Email, 50}};

constexpr const char* kLanguages[] = {"en", "zh-Hans", "zh-Hant"};

// Names appear in URLs, logs and the routing engine: keep them plain.
bool isAccountName(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-';
    });
}

// A string or a list of non-empty strings, each checked by `valid` (which reports).
template <class Valid>
std::vector<std::string> readStrings(const NodeRef& node, Valid valid) {
    std::vector<std::string> out;
    if (!node.present() || node.isNull()) return out;
    std::vector<NodeRef> items;
    if (node.isScalar()) items.push_back(node);
    else if (node.expectSequence()) items = node.items();
    for (const auto& item : items) {
        auto s = item.nonEmptyString();
        if (!s) continue;
        if (!valid(item, *s)) continue;
        if (std::find(out.begin(), out.end(), *s) != out.end()) {
            item.error("\"" + *s + "\" is listed twice");
            continue;
        }
        out.push_back(*s);
    }
    return out;
}

void readAccount(const NodeRef& n, AgentAccount& a) {
    n.expectMap({"name", "display_name", "role", "skills", "languages", "capacity", "teams",
                 "password_hash", "sip", "service_areas"});
    if (n["name"].require()) {
        if (auto s = n["name"].nonEmptyString()) {
            if (isAccountName(*s)) a.name = *s;
            else n["name"].error("a name is 1 to 64 letters, digits, '.', '_' or '-' (got \"" + *s +
                                 "\")");
        }
    }
    if (auto s = n["display_name"].nonEmptyString()) a.display_name = *s;
    if (a.display_name.empty()) a.display_name = a.name;
    if (auto s = n["sip"].nonEmptyString()) {
        bool scheme = s->rfind("sip:", 0) == 0 || s->rfind("sips:", 0) == 0;
        bool plain = s->find_first_of(" \t\r\n<>\"") == std::string::npos;
        if (scheme && plain && s->find('@') != std::string::npos) a.sip = *s;
        else n["sip"].error("expected a SIP URI such as sip:alice@pbx.example.com (got \"" + *s + "\")");
    }
    if (auto r = n["role"].oneOf<std::string>(
            {{"agent", "agent"}, {"supervisor", "supervisor"}, {"admin", "admin"}}))
        a.role = *r;

    auto any = [](const NodeRef&, const std::string&) { return true; };
    for (auto& s : readStrings(n["skills"], any)) a.skills.insert(s);
    auto language = [](const NodeRef& item, const std::string& s) {
        for (const char* l : kLanguages)
            if (s == l) return true;
        item.error("unknown language \"" + s + "\" (expected one of: en, zh-Hans, zh-Hant)");
        return false;
    };
    for (auto& s : readStrings(n["languages"], language)) a.languages.insert(s);
    a.teams = readStrings(n["teams"], any);
    a.service_areas = readStrings(n["service_areas"], any);

    auto cap = n["capacity"];
    if (cap.expectMap({"voice", "chat", "messaging", "email"})) {
        for (const auto& k : kKinds) {
            if (auto v = cap[k.key].integer(0, k.max))
                a.capacity.max[static_cast<std::size_t>(k.kind)] = static_cast<int>(*v);
        }
    }

    auto hash = n["password_hash"];
    if (hash.present() && !hash.isNull()) {
        if (auto s = hash.string()) {
            // The value itself is not repeated in the message: it belongs to the file's owner.
            if (!s->empty() && !isArgon2idHash(*s))
                hash.error("not an argon2id hash (expected \"$argon2id$v=19$m=...\"); set one "
                           "with: ccd agent passwd " +
                           (a.name.empty() ? std::string("NAME") : a.name));
            else a.password_hash = *s;
        }
    }
}

bool allOf(std::string_view s, std::size_t from, std::size_t to, int (*pred)(int)) {
    for (std::size_t i = from; i < to; ++i)
        if (!pred(static_cast<unsigned char>(s[i]))) return false;
    return true;
}

int isBase64(int c) { return std::isalnum(c) || c == '+' || c == '/'; }

}  // namespace

bool isArgon2idHash(std::string_view h) {
    const std::string_view prefix = "$argon2id$v=19$m=";
    if (h.substr(0, prefix.size()) != prefix) return false;
    std::size_t i = prefix.size();
    auto digits = [&](char next) {
        std::size_t start = i;
        while (i < h.size() && std::isdigit(static_cast<unsigned char>(h[i]))) ++i;
        if (i == start || i - start > 10 || i >= h.size() || h[i] != next) return false;
        ++i;
        return true;
    };
    if (!digits(',') || h.substr(i, 2) != "t=") return false;
    i += 2;
    if (!digits(',') || h.substr(i, 2) != "p=") return false;
    i += 2;
    if (!digits('$')) return false;
    auto salt_end = h.find('$', i);
    if (salt_end == std::string_view::npos || salt_end == i || salt_end + 1 >= h.size())
        return false;
    return allOf(h, i, salt_end, isBase64) && allOf(h, salt_end + 1, h.size(), isBase64);
}

AgentsConfigPtr parseAgentsConfig(const std::string& text, const std::string& file) {
    YamlDocument doc(file, text);
    auto cfg = std::make_shared<AgentsConfig>();
    std::error_code ec;
    auto absolute = std::filesystem::absolute(file, ec);
    cfg->source_path = ec ? file : absolute.lexically_normal().string();

    NodeRef root = doc.root();
    if (root.present() && root.expectMap({"accounts"})) {
        auto accounts = root["accounts"];
        if (accounts.expectSequence()) {
            std::map<std::string, int> first_line;
            for (const auto& item : accounts.items()) {
                if (!item.isMap()) {
                    item.error("expected a map with name, role, skills, languages, capacity, "
                               "teams, password_hash");
                    continue;
                }
                AgentAccount a;
                readAccount(item, a);
                if (a.name.empty()) continue;
                auto [it, fresh] = first_line.emplace(a.name, item["name"].line());
                if (!fresh) {
                    item["name"].error("duplicate account name \"" + a.name +
                                       "\" (first at line " + std::to_string(it->second) + ")");
                    continue;
                }
                cfg->accounts.push_back(std::move(a));
            }
        }
    }
    doc.throwIfIssues();
    return cfg;
}

AgentsConfigPtr loadAgentsConfig(const std::string& path) {
    return parseAgentsConfig(readConfigFile(path), path);
}

}  // namespace ccd::config
