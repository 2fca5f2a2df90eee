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
                 "password_hash"});
    if (n["name"].require()) {
        if (auto s = n["name"].nonEmptyString()) {
            if (isAccountName(*s)) a.name = *s;
            else n["name"].error("a name is 1 to 64 letters, digits, '.', '_' or '-' (got \"" + *s +
                                 "\")");
        }
    }
    if (auto s = n["display_name"].nonEmptyString()) a.display_name = *s;
    if (a.display_name.empty()) a.display_name = a.name;
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

// Where a scalar value that starts at `pos` ends (exclusive): quoted, or plain up to a comment,
// a line end or, in a flow collection, a separator.
std::size_t scalarEnd(const std::string& text, std::size_t pos, bool flow) {
    if (pos >= text.size()) return pos;
    if (text[pos] == '"') {
        for (std::size_t i = pos + 1; i < text.size(); ++i) {
            if (text[i] == '\\') ++i;
            else if (text[i] == '"') return i + 1;
        }
        return std::string::npos;
    }
    if (text[pos] == '\'') {
        for (std::size_t i = pos + 1; i < text.size(); ++i) {
            if (text[i] != '\'') continue;
            if (i + 1 < text.size() && text[i + 1] == '\'') ++i;
            else return i + 1;
        }
        return std::string::npos;
    }
    std::size_t i = pos;
    while (i < text.size() && text[i] != '\n' && text[i] != '\r' &&
           !(text[i] == '#' && i > pos && (text[i - 1] == ' ' || text[i - 1] == '\t')) &&
           !(flow && (text[i] == ',' || text[i] == '}' || text[i] == ']')))
        ++i;
    while (i > pos && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
    return i;
}

[[noreturn]] void fail(const std::string& file, int line, int column, const std::string& path,
                       const std::string& message) {
    throw ConfigError({ConfigIssue{file, line, column, path, message}});
}

bool sameExceptHash(const AgentAccount& a, const AgentAccount& b) {
    return a.name == b.name && a.display_name == b.display_name && a.role == b.role &&
           a.skills == b.skills && a.languages == b.languages && a.capacity.max == b.capacity.max &&
           a.teams == b.teams;
}

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

std::string withPasswordHash(const std::string& text, const std::string& file,
                             const std::string& name, const std::string& hash) {
    auto before = parseAgentsConfig(text, file);
    if (!before->find(name)) fail(file, 0, 0, "accounts", "no account named \"" + name + "\"");

    YAML::Node root = YAML::Load(text);
    YAML::Node account;
    std::size_t index = 0;
    for (std::size_t i = 0; i < root["accounts"].size(); ++i) {
        YAML::Node item = root["accounts"][i];
        if (item["name"] && item["name"].Scalar() == name) {
            account = item;
            index = i;
        }
    }
    const std::string path = "accounts[" + std::to_string(index) + "].password_hash";
    const bool flow = account.Style() == YAML::EmitterStyle::Flow;
    const std::string quoted = "\"" + hash + "\"";

    std::string out;
    std::optional<YAML::Node> key;
    for (auto it = account.begin(); it != account.end(); ++it)
        if (it->first.Scalar() == "password_hash") key = it->first;
    if (key) {
        // Replace the value's text, from after the colon to the end of the scalar.
        auto kpos = static_cast<std::size_t>(key->Mark().pos);
        auto colon = text.find(':', kpos);
        if (colon == std::string::npos)
            fail(file, key->Mark().line + 1, key->Mark().column + 1, path, "cannot find the value");
        std::size_t start = colon + 1;
        while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
        bool empty = start >= text.size() || text[start] == '\n' || text[start] == '\r' ||
                     text[start] == '#' || (flow && (text[start] == ',' || text[start] == '}'));
        if (empty) {
            std::string value = " " + quoted + (start < text.size() && text[start] == '#' ? " " : "");
            out = text.substr(0, colon + 1) + value + text.substr(start);
        } else {
            auto end = scalarEnd(text, start, flow);
            if (end == std::string::npos)
                fail(file, key->Mark().line + 1, key->Mark().column + 1, path,
                     "cannot find the end of the value");
            out = text.substr(0, start) + quoted + text.substr(end);
        }
    } else {
        // Add the key after the name: on its own line in a block map, inline in a flow map.
        YAML::Node name_key, name_value;
        for (auto it = account.begin(); it != account.end(); ++it) {
            if (it->first.Scalar() == "name") {
                name_key = it->first;
                name_value = it->second;
            }
        }
        auto vpos = static_cast<std::size_t>(name_value.Mark().pos);
        auto end = scalarEnd(text, vpos, flow);
        if (end == std::string::npos)
            fail(file, name_value.Mark().line + 1, name_value.Mark().column + 1, path,
                 "cannot find the end of the name");
        if (flow) {
            out = text.substr(0, end) + ", password_hash: " + quoted + text.substr(end);
        } else {
            auto eol = text.find('\n', end);
            std::string line = std::string(static_cast<std::size_t>(name_key.Mark().column), ' ') +
                               "password_hash: " + quoted;
            if (eol == std::string::npos) out = text + "\n" + line + "\n";
            else out = text.substr(0, eol + 1) + line + "\n" + text.substr(eol + 1);
        }
    }

    // Prove the edit: the file still parses, this hash is set, and nothing else changed.
    AgentsConfigPtr after;
    try {
        after = parseAgentsConfig(out, file);
    } catch (const ConfigError&) {
        after = nullptr;
    }
    bool same = after && after->accounts.size() == before->accounts.size();
    for (std::size_t i = 0; same && i < after->accounts.size(); ++i) {
        const auto& a = after->accounts[i];
        const auto& b = before->accounts[i];
        same = sameExceptHash(a, b) && (a.name == name ? a.password_hash == hash
                                                        : a.password_hash == b.password_hash);
    }
    if (!same)
        fail(file, account.Mark().line + 1, account.Mark().column + 1, path,
             "cannot edit this entry safely; write password_hash: \"\" on a line of its own in "
             "the entry and retry");
    return out;
}

}  // namespace ccd::config
