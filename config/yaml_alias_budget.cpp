#include "config/yaml_alias_budget.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ccd::config {
namespace {

constexpr std::size_t kNodeBytes = 16;
constexpr std::size_t kMinAddedBytes = 1 << 20;

// Stops the parse at the first problem.
struct Stop {
    AliasProblem problem;
};

// Sums the expanded size of every anchored node as its events go by, and charges each alias the
// size of what it stands for. Keeps the YAML path of the current position for the message.
class Budget final : public YAML::EventHandler {
public:
    Budget(std::size_t max_aliases, std::size_t max_added)
        : max_aliases_(max_aliases), max_added_(max_added) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor, {}); }
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  const std::string& value) override {
        leaf(anchor, value);
    }
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open_.push_back(frame(false, anchor));
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open_.push_back(frame(true, anchor));
    }
    void OnMapEnd() override { close(); }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        if (++aliases_ > max_aliases_)
            stop(mark, "more than " + std::to_string(max_aliases_) +
                           " aliases in one file (write the values out, or use fewer *references)");
        auto it = sizes_.find(anchor);
        if (it == sizes_.end())
            stop(mark, "an alias inside the node it refers to (a recursive structure)");
        added_ += it->second;
        if (added_ > max_added_)
            stop(mark, "aliases expand this file by more than " + std::to_string(max_added_) +
                           " bytes (each *reference repeats its anchored value; write it out "
                           "or refer to smaller values)");
        finished(it->second, std::nullopt);
    }

private:
    struct Frame {
        bool map = false;
        YAML::anchor_t anchor = 0;
        std::size_t size = kNodeBytes;
        std::size_t index = 0;  // items so far (sequence) or entries so far (map)
        bool at_key = true;     // map: the next node is a key
        std::string key;        // map: the key of the value being read
    };

    static Frame frame(bool map, YAML::anchor_t anchor) {
        Frame f;
        f.map = map;
        f.anchor = anchor;
        return f;
    }

    void leaf(YAML::anchor_t anchor, std::string_view value) {
        std::size_t size = kNodeBytes + value.size();
        if (anchor) sizes_[anchor] = size;
        finished(size, value);
    }

    void close() {
        Frame f = std::move(open_.back());
        open_.pop_back();
        if (f.anchor) sizes_[f.anchor] = f.size;
        finished(f.size, std::nullopt);
    }

    // A node of `size` is complete: its parent grows and moves on.
    void finished(std::size_t size, std::optional<std::string_view> scalar) {
        if (open_.empty()) return;
        Frame& p = open_.back();
        // Bounded by the text plus max_added_, so no overflow; min() keeps it so regardless.
        p.size = std::min(p.size + size, std::size_t(1) << 62);
        if (!p.map) {
            ++p.index;
        } else if (p.at_key) {
            p.at_key = false;
            p.key = scalar ? std::string(scalar->substr(0, 64)) : std::string("?");
        } else {
            p.at_key = true;
            ++p.index;
        }
    }

    std::string path() const {
        std::string out;
        for (const auto& f : open_) {
            if (!f.map) {
                out += "[" + std::to_string(f.index) + "]";
            } else {
                if (f.at_key) break;  // an alias used as a key: the map's own path
                if (!out.empty()) out += ".";
                out += f.key;
            }
        }
        return out;
    }

    [[noreturn]] void stop(const YAML::Mark& mark, std::string message) {
        throw Stop{AliasProblem{mark.line + 1, mark.column + 1, path(), std::move(message)}};
    }

    std::size_t max_aliases_;
    std::size_t max_added_;
    std::size_t aliases_ = 0;
    std::size_t added_ = 0;
    std::unordered_map<YAML::anchor_t, std::size_t> sizes_;  // complete anchored nodes
    std::vector<Frame> open_;
};

}  // namespace

std::optional<AliasProblem> checkAliasBudget(const std::string& text, const AliasLimits& limits) {
    // Only files with an alias pay for the second pass.
    if (text.find('*') == std::string::npos) return std::nullopt;
    std::size_t max_added = limits.max_added_bytes.value_or(std::max(text.size(), kMinAddedBytes));
    Budget budget(limits.max_aliases, max_added);
    std::istringstream in(text);
    YAML::Parser parser(in);
    try {
        parser.HandleNextDocument(budget);  // YAML::Load reads the first document only
    } catch (const Stop& s) {
        return s.problem;
    }
    return std::nullopt;
}

}  // namespace ccd::config
