#include "routing/classify/evaluation.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace ccd::routing {
namespace {

std::string percent(const Tally& t) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%zu/%zu (%.1f%%)", t.right, t.total, 100.0 * t.rate());
    return buf;
}

std::string padded(const std::string& s, std::size_t width) {
    // Column widths count bytes: labels are ASCII (category names, language tags, P1..P4).
    return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

void section(std::string& out, const char* title, const Tally& total,
             const std::map<std::string, Tally>& by) {
    if (total.total == 0) return;
    out += padded(title, 12) + percent(total) + "\n";
    for (const auto& [label, t] : by) out += "  " + padded(label, 10) + percent(t) + "\n";
}

}  // namespace

void Evaluation::miss(const ExpectedTriage& e, const char* field, const std::string& want,
                      const std::string& got) {
    misses_.push_back((e.id.empty() ? "#" + std::to_string(messages_) : e.id) + " " + field +
                      ": " + want + " -> " + (got.empty() ? "(none)" : got) + ": " + e.text);
}

void Evaluation::add(const ExpectedTriage& e, const ObservedTriage& o) {
    ++messages_;
    if (e.category) {
        const bool ok = *e.category == o.category;
        category_.add(ok);
        by_category_[*e.category].add(ok);
        ++confusion_[{*e.category, o.category}];
        if (!ok) miss(e, "category", *e.category, o.category);
    }
    if (e.subtype) {
        const bool ok = *e.subtype == o.subtype;
        subtype_.add(ok);
        by_subtype_[e.subtype->empty() ? "(none)" : *e.subtype].add(ok);
        if (!ok) miss(e, "subtype", e.subtype->empty() ? "(none)" : *e.subtype, o.subtype);
    }
    if (e.language) {
        const bool ok = *e.language == o.language;
        language_.add(ok);
        by_language_[*e.language].add(ok);
        if (!ok) miss(e, "language", *e.language, o.language);
    }
    if (e.priority) {
        const bool ok = *e.priority == o.priority;
        priority_.add(ok);
        by_priority_[*e.priority].add(ok);
        if (*e.priority == "P1") p1_.add(o.priority == "P1");
        if (!ok) miss(e, "priority", *e.priority, o.priority);
    }
    for (const auto& signal : e.safety) {
        const bool ok = std::find(o.safety.begin(), o.safety.end(), signal) != o.safety.end();
        safety_.add(ok);
        if (!ok) miss(e, "safety", signal, "");
    }
}

std::string Evaluation::report() const {
    std::string out = "messages    " + std::to_string(messages_) + "\n";
    section(out, "category", category_, by_category_);
    section(out, "subtype", subtype_, by_subtype_);
    section(out, "language", language_, by_language_);
    section(out, "priority", priority_, by_priority_);
    if (p1_.total != 0) out += padded("P1 recall", 12) + percent(p1_) + "\n";
    if (safety_.total != 0) out += padded("safety", 12) + percent(safety_) + "\n";
    if (!confusion_.empty()) {
        std::set<std::string> labels;
        for (const auto& [pair, n] : confusion_) {
            labels.insert(pair.first);
            labels.insert(pair.second);
        }
        std::size_t width = 6;
        for (const auto& l : labels) width = std::max(width, l.size() + 1);
        out += "confusion (rows: expected, columns: got)\n" + std::string(width + 2, ' ');
        for (const auto& l : labels) out += padded(l, width);
        while (out.back() == ' ') out.pop_back();
        out += "\n";
        for (const auto& row : labels) {
            out += "  " + padded(row, width);
            for (const auto& col : labels) {
                auto it = confusion_.find({row, col});
                out += padded(it == confusion_.end() ? "." : std::to_string(it->second), width);
            }
            while (out.back() == ' ') out.pop_back();
            out += "\n";
        }
    }
    if (!misses_.empty()) {
        out += "misses (" + std::to_string(misses_.size()) + ")\n";
        for (const auto& m : misses_) out += "  " + m + "\n";
    }
    return out;
}

}  // namespace ccd::routing
