#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/yaml_alias_budget.hpp"

namespace ccd::config {
namespace {

std::size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string joinPath(const std::string& parent, std::string_view key) {
    if (parent.empty()) return std::string(key);
    return parent + "." + std::string(key);
}

bool parseUnsigned(std::string_view s, std::size_t& pos, unsigned long long& out) {
    std::size_t start = pos;
    out = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (out > (~0ULL) / 10 - 10) return false;
        out = out * 10 + static_cast<unsigned long long>(s[pos] - '0');
        ++pos;
    }
    return pos > start;
}

}  // namespace

EnvLookup processEnv() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
    std::size_t pos = 0;
    long long total_ms = 0;
    bool any = false;
    while (pos < text.size()) {
        unsigned long long n = 0;
        if (!parseUnsigned(text, pos, n)) return std::nullopt;
        std::size_t unit_start = pos;
        while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
        std::string_view unit = text.substr(unit_start, pos - unit_start);
        long long factor = 0;
        if (unit == "ms") factor = 1;
        else if (unit == "s") factor = 1000;
        else if (unit == "m") factor = 60 * 1000;
        else if (unit == "h") factor = 3600 * 1000;
        else if (unit == "d") factor = 24LL * 3600 * 1000;
        else if (unit == "w") factor = 7LL * 24 * 3600 * 1000;
        else if (unit == "y") factor = 365LL * 24 * 3600 * 1000;
        else return std::nullopt;
        if (n > 100000000ULL) return std::nullopt;
        total_ms += static_cast<long long>(n) * factor;
        any = true;
    }
    if (!any) return std::nullopt;
    return std::chrono::milliseconds(total_ms);
}

std::optional<std::size_t> parseByteSize(std::string_view text) {
    std::size_t pos = 0;
    unsigned long long n = 0;
    if (!parseUnsigned(text, pos, n)) return std::nullopt;
    std::string_view unit = text.substr(pos);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    unsigned long long factor = 0;
    if (unit.empty() || unit == "B") factor = 1;
    else if (unit == "KB") factor = 1000;
    else if (unit == "KiB") factor = 1024;
    else if (unit == "MB") factor = 1000 * 1000;
    else if (unit == "MiB") factor = 1024 * 1024;
    else if (unit == "GB") factor = 1000ULL * 1000 * 1000;
    else if (unit == "GiB") factor = 1024ULL * 1024 * 1024;
    else return std::nullopt;
    if (n > (1ULL << 40) / factor) return std::nullopt;
    return static_cast<std::size_t>(n * factor);
}

// ---------------------------------------------------------------------------------------------

NodeRef NodeRef::child(const YAML::Node& node, std::string path, bool present) const {
    if (!present) return NodeRef(doc_, YAML::Node(), std::move(path), line_, column_, false);
    auto mark = node.Mark();
    int line = mark.line >= 0 ? mark.line + 1 : line_;
    int column = mark.column >= 0 ? mark.column + 1 : column_;
    return NodeRef(doc_, node, std::move(path), line, column, true);
}

NodeRef NodeRef::operator[](std::string_view key) const {
    std::string path = joinPath(path_, key);
    if (!isMap()) return child(YAML::Node(), std::move(path), false);
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == key) {
            return child(it->second, std::move(path), true);
        }
    }
    return child(YAML::Node(), std::move(path), false);
}

NodeRef NodeRef::operator[](std::size_t index) const {
    std::string path = path_ + "[" + std::to_string(index) + "]";
    if (!isSequence() || index >= node_.size()) return child(YAML::Node(), std::move(path), false);
    return child(node_[index], std::move(path), true);
}

void NodeRef::error(const std::string& message) const {
    if (doc_) doc_->addIssue(line_, column_, path_, message);
}

void NodeRef::errorIn(const std::string& file, int line, int column,
                      const std::string& message) const {
    if (doc_) doc_->addIssue(ConfigIssue{file, line, column, path_, message});
}

std::string NodeRef::file() const { return doc_ ? doc_->file() : std::string(); }

bool NodeRef::require() const {
    if (present_) return true;
    auto dot = path_.find_last_of('.');
    std::string key = dot == std::string::npos ? path_ : path_.substr(dot + 1);
    error("missing required key \"" + key + "\"");
    return false;
}

bool NodeRef::expectMap(std::initializer_list<std::string_view> allowed) const {
    return expectMap(std::vector<std::string_view>(allowed));
}

bool NodeRef::expectMap(const std::vector<std::string_view>& allowed) const {
    if (!present_ || node_.IsNull()) return true;
    if (!node_.IsMap()) {
        error("expected a map");
        return false;
    }
    std::set<std::string> seen;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        auto mark = it->first.Mark();
        int line = mark.line + 1, column = mark.column + 1;
        if (!it->first.IsScalar()) {
            doc_->addIssue(line, column, path_, "map keys must be plain strings");
            continue;
        }
        const std::string& key = it->first.Scalar();
        std::string path = joinPath(path_, key);
        if (!seen.insert(key).second) {
            doc_->addIssue(line, column, path, "duplicate key \"" + key + "\"");
            continue;
        }
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
        std::string message = "unknown key \"" + key + "\"";
        std::string_view best;
        std::size_t best_distance = 3;
        for (auto candidate : allowed) {
            // A close spelling, or a longer or shorter form of the key ("monday" for "mon").
            bool prefix = key.size() >= 3 && candidate.size() >= 3 &&
                          (key.rfind(candidate, 0) == 0 || candidate.rfind(key, 0) == 0);
            auto d = prefix ? 1 : editDistance(key, candidate);
            if (d < best_distance) {
                best_distance = d;
                best = candidate;
            }
        }
        if (!best.empty()) {
            message += "; did you mean \"" + std::string(best) + "\"?";
        } else {
            std::string list;
            for (auto candidate : allowed) {
                if (!list.empty()) list += ", ";
                list += candidate;
            }
            message += " (known keys: " + list + ")";
        }
        doc_->addIssue(line, column, path, message);
    }
    return true;
}

bool NodeRef::expectNamedEntries() const {
    if (!present_ || node_.IsNull()) return true;
    if (!node_.IsMap()) {
        error("expected a map");
        return false;
    }
    std::set<std::string> seen;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        auto mark = it->first.Mark();
        if (!it->first.IsScalar()) {
            doc_->addIssue(mark.line + 1, mark.column + 1, path_, "names must be plain strings");
        } else if (!seen.insert(it->first.Scalar()).second) {
            doc_->addIssue(mark.line + 1, mark.column + 1, joinPath(path_, it->first.Scalar()),
                           "duplicate name \"" + it->first.Scalar() + "\"");
        }
    }
    return true;
}

bool NodeRef::expectSequence() const {
    if (!present_ || node_.IsNull()) return true;
    if (!node_.IsSequence()) {
        error("expected a list");
        return false;
    }
    return true;
}

std::vector<std::pair<std::string, NodeRef>> NodeRef::entries() const {
    std::vector<std::pair<std::string, NodeRef>> out;
    if (!isMap()) return out;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (!it->first.IsScalar()) continue;
        const std::string& key = it->first.Scalar();
        out.emplace_back(key, child(it->second, joinPath(path_, key), true));
    }
    return out;
}

std::vector<NodeRef> NodeRef::items() const {
    std::vector<NodeRef> out;
    if (!isSequence()) return out;
    for (std::size_t i = 0; i < node_.size(); ++i) {
        out.push_back(child(node_[i], path_ + "[" + std::to_string(i) + "]", true));
    }
    return out;
}

std::optional<std::string> NodeRef::string() const {
    if (!present_) return std::nullopt;
    if (!node_.IsScalar()) {
        error("expected a string");
        return std::nullopt;
    }
    return node_.Scalar();
}

std::optional<std::string> NodeRef::nonEmptyString() const {
    auto s = string();
    if (s && s->empty()) {
        error("must not be empty");
        return std::nullopt;
    }
    return s;
}

std::optional<long long> NodeRef::integer(long long min, long long max) const {
    if (!present_) return std::nullopt;
    std::string range = "expected an integer between " + std::to_string(min) + " and " +
                        std::to_string(max);
    if (!node_.IsScalar()) {
        error(range);
        return std::nullopt;
    }
    const std::string& s = node_.Scalar();
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || errno != 0 || *end != '\0' || v < min || v > max) {
        error(range + " (got \"" + s + "\")");
        return std::nullopt;
    }
    return v;
}

std::optional<double> NodeRef::number(double min, double max) const {
    if (!present_) return std::nullopt;
    std::ostringstream range;
    range << "expected a number between " << min << " and " << max;
    if (!node_.IsScalar()) {
        error(range.str());
        return std::nullopt;
    }
    const std::string& s = node_.Scalar();
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || errno != 0 || *end != '\0' || !std::isfinite(v) || v < min || v > max) {
        error(range.str() + " (got \"" + s + "\")");
        return std::nullopt;
    }
    return v;
}

std::optional<bool> NodeRef::boolean() const {
    if (!present_) return std::nullopt;
    if (node_.IsScalar()) {
        if (node_.Scalar() == "true") return true;
        if (node_.Scalar() == "false") return false;
    }
    error("expected true or false");
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> NodeRef::duration() const {
    if (!present_) return std::nullopt;
    if (node_.IsScalar()) {
        if (auto d = parseDuration(node_.Scalar())) return d;
    }
    error("expected a duration such as 500ms, 30s, 5m, 2h or 1d" +
          (node_.IsScalar() ? " (got \"" + node_.Scalar() + "\")" : std::string()));
    return std::nullopt;
}

std::optional<std::size_t> NodeRef::byteSize() const {
    if (!present_) return std::nullopt;
    if (node_.IsScalar()) {
        if (auto n = parseByteSize(node_.Scalar())) return n;
    }
    error("expected a size in bytes such as 1048576, 64KiB or 1MiB" +
          (node_.IsScalar() ? " (got \"" + node_.Scalar() + "\")" : std::string()));
    return std::nullopt;
}

std::optional<Secret> NodeRef::secret() const {
    auto raw_value = string();
    if (!raw_value) return std::nullopt;
    const std::string& s = *raw_value;
    std::string value;
    std::string origin = "inline";
    bool ok = true;
    std::size_t pos = 0;
    while (pos < s.size()) {
        auto start = s.find("${", pos);
        if (start == std::string::npos) {
            value += s.substr(pos);
            break;
        }
        value += s.substr(pos, start - pos);
        auto end = s.find('}', start);
        if (end == std::string::npos) {
            error("unterminated ${ in a secret reference");
            return std::nullopt;
        }
        std::string name = s.substr(start + 2, end - start - 2);
        bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
            return std::isalnum(c) || c == '_';
        });
        if (!valid) {
            error("\"${" + name + "}\" is not a valid environment variable reference");
            return std::nullopt;
        }
        if (start == 0 && end == s.size() - 1) origin = "${" + name + "}";
        else origin = "inline with ${" + name + "}";
        auto v = doc_->env()(name);
        if (!v) {
            error("environment variable " + name + " is not set");
            ok = false;
        } else {
            value += *v;
        }
        pos = end + 1;
    }
    if (!ok) return std::nullopt;
    return Secret(std::move(value), std::move(origin));
}

std::optional<std::string> NodeRef::readableFile() const {
    auto text = nonEmptyString();
    if (!text) return std::nullopt;
    std::filesystem::path p(*text);
    if (p.is_relative()) p = std::filesystem::absolute(doc_->file()).parent_path() / p;
    p = p.lexically_normal();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) {
        error("no such file: " + p.string());
        return std::nullopt;
    }
    if (!std::ifstream(p, std::ios::binary)) {
        error("cannot read " + p.string());
        return std::nullopt;
    }
    return p.string();
}

std::optional<std::vector<std::string>> NodeRef::stringList() const {
    if (!present_) return std::nullopt;
    if (node_.IsScalar()) return std::vector<std::string>{node_.Scalar()};
    if (!node_.IsSequence()) {
        error("expected a list of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const auto& item : items()) {
        if (auto s = item.string()) out.push_back(*s);
        else ok = false;
    }
    if (!ok) return std::nullopt;
    return out;
}

// ---------------------------------------------------------------------------------------------

YamlDocument::YamlDocument(std::string file, const std::string& text, EnvLookup env)
    : file_(std::move(file)), env_(std::move(env)) {
    try {
        // Aliases are counted before the tree is built: every reader would pay for them again.
        if (auto problem = checkAliasBudget(text)) {
            addIssue(problem->line, problem->column, problem->path, problem->message);
            return;
        }
        root_ = YAML::Load(text);
        parsed_ = true;
    } catch (const YAML::ParserException& e) {
        addIssue(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
    } catch (const YAML::Exception& e) {
        addIssue(e.mark.line + 1, e.mark.column + 1, "", std::string("YAML error: ") + e.what());
    }
}

std::unique_ptr<YamlDocument> YamlDocument::fromFile(const std::string& path, EnvLookup env) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        auto doc = std::make_unique<YamlDocument>(path, "", std::move(env));
        doc->addIssue(0, 0, "", std::string("cannot read the file: ") + std::strerror(errno));
        doc->parsed_ = false;
        return doc;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return std::make_unique<YamlDocument>(path, text.str(), std::move(env));
}

NodeRef YamlDocument::root() {
    bool present = parsed_ && root_.IsDefined() && !root_.IsNull();
    return NodeRef(this, present ? root_ : YAML::Node(), "", 1, 1, present);
}

void YamlDocument::addIssue(int line, int column, std::string path, std::string message) {
    issues_.push_back(ConfigIssue{file_, line, column, std::move(path), std::move(message)});
}

void YamlDocument::addIssue(ConfigIssue issue) { issues_.push_back(std::move(issue)); }

void YamlDocument::throwIfIssues() const {
    if (!issues_.empty()) throw ConfigError(issues_);
}

}  // namespace ccd::config
