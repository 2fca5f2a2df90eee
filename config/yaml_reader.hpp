#pragma once
// A YAML reader for every configuration file of ccd (ccd.yaml, routing.yaml, agents.yaml,
// template catalogs). It turns YAML into typed values and collects every problem with its
// file, line, column and YAML path instead of stopping at the first.
//
//   YamlDocument doc("ccd.yaml", text);
//   NodeRef server = doc.root()["server"];
//   server.expectMap({"listen", "threads"});
//   if (auto n = server["threads"].integer(1, 64)) cfg.threads = *n;
//   doc.throwIfIssues();

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_error.hpp"
#include "config/env.hpp"
#include "config/secret.hpp"

namespace ccd::config {

class YamlDocument;

/// A node of a YamlDocument with its YAML path and position. Cheap to copy. A node for a key
/// that is absent is "missing": reads return nullopt without an issue, and issues about it are
/// reported at the parent's position.
class NodeRef {
public:
    /// Whether the key exists (a present null value counts as present).
    bool present() const { return present_; }
    bool isNull() const { return present_ && node_.IsNull(); }
    bool isMap() const { return present_ && node_.IsMap(); }
    bool isSequence() const { return present_ && node_.IsSequence(); }
    bool isScalar() const { return present_ && node_.IsScalar(); }
    const std::string& path() const { return path_; }
    int line() const { return line_; }
    int column() const { return column_; }

    /// Child of a map by key (path "a.b"); missing when this is not a map or has no such key.
    NodeRef operator[](std::string_view key) const;
    /// Element of a sequence (path "a[3]").
    NodeRef operator[](std::size_t index) const;

    /// Checks this is a map whose keys are all in `allowed`: reports "expected a map", each
    /// unknown key at the key's own position (with a suggestion when one is close), and each
    /// duplicate key. Returns false when it is not a map. A missing node is fine (returns true).
    bool expectMap(std::initializer_list<std::string_view> allowed) const;
    /// The same, with the keys gathered at run time (a channel's common keys and its own).
    bool expectMap(const std::vector<std::string_view>& allowed) const;
    /// Checks this is a map of freely named entries (names of calendars, queues...): reports
    /// "expected a map", keys that are not plain strings and duplicate names. Returns false when
    /// it is not a map. A missing node is fine.
    bool expectNamedEntries() const;
    /// Reports "expected a list" unless this is a sequence (or missing). Returns the check.
    bool expectSequence() const;
    /// Map entries in file order (key, value); empty unless a map.
    std::vector<std::pair<std::string, NodeRef>> entries() const;
    /// Sequence items; empty unless a sequence.
    std::vector<NodeRef> items() const;

    /// Reports `missing required key "name"` unless present; returns presence.
    bool require() const;

    // Typed reads. Missing → nullopt, silently. Present but wrong → an issue, nullopt.
    std::optional<std::string> string() const;
    std::optional<std::string> nonEmptyString() const;
    std::optional<long long> integer(long long min, long long max) const;
    std::optional<double> number(double min, double max) const;
    std::optional<bool> boolean() const;
    /// "500ms", "30s", "5m", "2h", "1d", or compound "1h30m". Bare numbers are refused.
    std::optional<std::chrono::milliseconds> duration() const;
    /// 1048576, "64KiB", "1MiB", "1GiB", "10KB", "5MB".
    std::optional<std::size_t> byteSize() const;
    /// A string whose `${NAME}` references are replaced from the environment; an unset variable
    /// is an issue. The value never appears in an issue.
    std::optional<Secret> secret() const;
    /// The path of a file that must exist and be readable: a relative one is taken from the
    /// directory of the YAML file that names it; returned absolute.
    std::optional<std::string> readableFile() const;
    /// A list of strings (a single string is accepted as a one-item list).
    std::optional<std::vector<std::string>> stringList() const;
    /// One of the named values.
    template <class E>
    std::optional<E> oneOf(std::initializer_list<std::pair<std::string_view, E>> choices) const {
        auto s = string();
        if (!s) return std::nullopt;
        std::string names;
        for (const auto& [name, value] : choices) {
            if (name == *s) return value;
            if (!names.empty()) names += ", ";
            names += name;
        }
        error("expected one of: " + names + " (got \"" + *s + "\")");
        return std::nullopt;
    }

    /// Records an issue at this node (or at its parent when missing).
    void error(const std::string& message) const;
    /// Records an issue found in another file this node names (a data file it points to), at
    /// that file's `line` and `column`, under this node's path.
    void errorIn(const std::string& file, int line, int column, const std::string& message) const;
    /// The file this node was read from.
    std::string file() const;

    /// The underlying yaml-cpp node, for parsers with needs this class does not cover.
    const YAML::Node& raw() const { return node_; }

private:
    friend class YamlDocument;
    NodeRef(YamlDocument* doc, YAML::Node node, std::string path, int line, int column,
            bool present)
        : doc_(doc), node_(std::move(node)), path_(std::move(path)), line_(line), column_(column),
          present_(present) {}
    NodeRef child(const YAML::Node& node, std::string path, bool present) const;

    YamlDocument* doc_ = nullptr;
    YAML::Node node_;
    std::string path_;
    int line_ = 0;
    int column_ = 0;
    bool present_ = false;
};

/// One YAML file being read. Not copyable: NodeRefs point back to it.
class YamlDocument {
public:
    /// Parses `text`; a syntax error becomes an issue with its position (root() is then missing).
    YamlDocument(std::string file, const std::string& text, EnvLookup env = processEnv());
    /// Reads and parses a file; an unreadable file becomes an issue.
    static std::unique_ptr<YamlDocument> fromFile(const std::string& path,
                                                  EnvLookup env = processEnv());
    YamlDocument(const YamlDocument&) = delete;
    YamlDocument& operator=(const YamlDocument&) = delete;

    /// The top-level node (path ""), missing when the file did not parse or is empty.
    NodeRef root();
    const std::string& file() const { return file_; }
    const std::vector<ConfigIssue>& issues() const { return issues_; }
    bool ok() const { return issues_.empty(); }
    /// Throws ConfigError with every issue, if there are any.
    void throwIfIssues() const;
    /// Records an issue at a position.
    void addIssue(int line, int column, std::string path, std::string message);
    /// Records an issue as it is (another file's, for instance).
    void addIssue(ConfigIssue issue);
    const EnvLookup& env() const { return env_; }

private:
    std::string file_;
    EnvLookup env_;
    YAML::Node root_;
    bool parsed_ = false;
    std::vector<ConfigIssue> issues_;
};

/// Parses a duration such as "1h30m"; nullopt when malformed. Exposed for tests and CLI flags.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);
/// Parses a byte size such as "64KiB"; nullopt when malformed.
std::optional<std::size_t> parseByteSize(std::string_view text);

}  // namespace ccd::config
