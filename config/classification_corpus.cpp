#include "config/classification_corpus.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "channels/common/crypto.hpp"

namespace ccd::config {
namespace {

constexpr int kMaxIssues = 20;  // a wrong file would otherwise bury the other problems
constexpr std::uintmax_t kMaxBytes = 64u << 20;

bool knownLanguage(const std::string& tag) {
    return tag == "en" || tag == "zh-Hans" || tag == "zh-Hant";
}

// Checks one parsed line; returns the problem, or "" when it is a good sentence (then `out` is
// filled).
std::string check(const nlohmann::json& line, const routing::ClassifierConfig& cfg,
                  routing::LabelledText& out) {
    if (!line.is_object()) return "expected a JSON object";
    for (const auto& item : line.items()) {
        static const char* const kKeys[] = {"text",    "lang", "category", "subtype",
                                            "urgent",  "id",   "note"};
        if (std::none_of(std::begin(kKeys), std::end(kKeys),
                         [&](const char* k) { return item.key() == k; })) {
            return "unknown key \"" + item.key() +
                   "\" (expected text, lang, category, subtype, urgent, id, note)";
        }
    }
    const auto text = [&](const char* key) -> std::string {
        const auto it = line.find(key);
        return it != line.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    out.text = text("text");
    if (out.text.find_first_not_of(" \t\r\n") == std::string::npos)
        return "\"text\" must be a non-empty string";
    out.language = text("lang");
    if (!knownLanguage(out.language))
        return "\"lang\" must be en, zh-Hans or zh-Hant (got \"" + out.language + "\")";
    out.category = text("category");
    const auto category =
        std::find_if(cfg.categories.begin(), cfg.categories.end(),
                     [&](const routing::CategoryDef& c) { return c.name == out.category; });
    if (category == cfg.categories.end())
        return "no category named \"" + out.category + "\"";
    out.subtype = text("subtype");
    if (line.contains("subtype") && !line["subtype"].is_string())
        return "\"subtype\" must be a string";
    if (!out.subtype.empty() &&
        std::none_of(category->subtypes.begin(), category->subtypes.end(),
                     [&](const routing::SubtypeDef& s) { return s.name == out.subtype; })) {
        return "category \"" + out.category + "\" has no subtype named \"" + out.subtype + "\"";
    }
    if (const auto urgent = line.find("urgent"); urgent != line.end()) {
        if (!urgent->is_boolean()) return "\"urgent\" must be true or false";
        out.urgent = urgent->get<bool>();
    }
    return {};
}

}  // namespace

std::string readCorpus(const NodeRef& node, routing::ClassifierConfig& out) {
    if (!node.present() || node.isNull()) return {};
    const auto name = node.nonEmptyString();
    if (!name) return {};
    namespace fs = std::filesystem;
    fs::path path(*name);
    if (path.is_relative()) path = fs::path(node.file()).parent_path() / path;
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec).lexically_normal();
    const std::string shown = ec ? path.string() : absolute.string();
    const std::uintmax_t size = fs::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) {
        node.error("cannot read the corpus file \"" + shown + "\"" +
                   (ec ? ": " + ec.message() : std::string()));
        return {};
    }
    if (size > kMaxBytes) {
        node.error("the corpus file \"" + shown + "\" is larger than 64 MiB");
        return {};
    }
    out.corpus_path = shown;
    out.corpus.clear();
    int issues = 0;
    int line_no = 0;
    std::string line;
    std::string bytes;  // the file as read, for its digest
    bytes.reserve(static_cast<std::size_t>(size));
    while (std::getline(in, line)) {
        ++line_no;
        bytes.append(line).push_back('\n');
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        std::string problem;
        int column = 1;
        routing::LabelledText sentence;
        try {
            problem = check(nlohmann::json::parse(line), out, sentence);
        } catch (const nlohmann::json::parse_error& e) {
            problem = std::string("invalid JSON: ") + e.what();
            column = static_cast<int>(std::max<std::size_t>(1, e.byte));
        }
        if (problem.empty()) {
            out.corpus.push_back(std::move(sentence));
            continue;
        }
        if (++issues <= kMaxIssues) node.errorIn(shown, line_no, column, problem);
    }
    if (issues > kMaxIssues) {
        node.errorIn(shown, line_no, 0,
                     std::to_string(issues - kMaxIssues) + " more problems in this file");
    }
    if (issues == 0 && out.corpus.empty()) node.error("the corpus file \"" + shown + "\" is empty");
    return channels::sha256Hex(bytes);
}

}  // namespace ccd::config
