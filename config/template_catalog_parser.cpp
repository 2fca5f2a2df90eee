#include "config/template_catalog_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "config/yaml_reader.hpp"
#include "templates/locale_chain.hpp"
#include "templates/pattern.hpp"

namespace ccd::config {
namespace {

namespace fs = std::filesystem;
using templates::Catalog;
using templates::LocalizedTemplate;
using templates::Pattern;
using templates::PatternIssue;

// Line `n` (1-based) of `text`, without its line break; nullopt past the end.
std::optional<std::string_view> lineOf(const std::string& text, int n) {
    std::size_t start = 0;
    for (int i = 1; i < n; ++i) {
        start = text.find('\n', start);
        if (start == std::string::npos) return std::nullopt;
        ++start;
    }
    if (start > text.size()) return std::nullopt;
    std::size_t end = text.find('\n', start);
    std::string_view line(text.data() + start, (end == std::string::npos ? text.size() : end) - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

std::size_t utf8Length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 1;
}

// Byte offset of code point `cp` in `s`.
std::size_t byteOffset(const std::string& s, std::size_t cp) {
    std::size_t b = 0;
    for (std::size_t i = 0; i < cp && b < s.size(); ++i) b += utf8Length(static_cast<unsigned char>(s[b]));
    return std::min(b, s.size());
}

struct Position {
    int line = 0;
    int column = 0;  // bytes, 1-based, like the YAML reader's
};

// Where code point `cp` of the scalar `value` (read from `node`) is in the file, for the styles
// whose text maps back simply: literal blocks (|), single-line quoted and plain scalars.
std::optional<Position> locate(const std::string& text, const NodeRef& node,
                               const std::string& value, std::size_t cp) {
    auto line = lineOf(text, node.line());
    if (!line || node.column() < 1 || static_cast<std::size_t>(node.column()) > line->size())
        return std::nullopt;
    std::size_t col0 = static_cast<std::size_t>(node.column() - 1);
    char style = (*line)[col0];
    std::size_t b = byteOffset(value, cp);
    if (style == '|') {
        int first = node.line() + 1;
        std::size_t indent = 0;
        for (int n = first;; ++n) {
            auto l = lineOf(text, n);
            if (!l) return std::nullopt;
            auto nonspace = l->find_first_not_of(' ');
            if (nonspace != std::string_view::npos) {
                indent = nonspace;
                break;
            }
        }
        int k = static_cast<int>(std::count(value.begin(), value.begin() + b, '\n'));
        std::size_t line_start = value.rfind('\n', b == 0 ? 0 : b - 1);
        line_start = (line_start == std::string::npos || b == 0) ? 0 : line_start + 1;
        auto raw = lineOf(text, first + k);
        std::string_view expect(value.data() + line_start,
                                std::min(value.find('\n', line_start), value.size()) - line_start);
        if (!raw || raw->size() < indent || raw->substr(indent, expect.size()) != expect)
            return std::nullopt;
        return Position{first + k, static_cast<int>(indent + (b - line_start)) + 1};
    }
    if (value.find('\n') != std::string::npos) return std::nullopt;
    if (style == '"' || style == '\'') {
        std::size_t r = col0 + 1;
        for (std::size_t i = 0; i < cp; ++i) {
            if (r >= line->size()) return std::nullopt;
            char c = (*line)[r];
            if (c == style && style == '\'' && r + 1 < line->size() && (*line)[r + 1] == '\'') {
                r += 2;
            } else if (c == style) {
                return std::nullopt;
            } else if (c == '\\' && style == '"' && r + 1 < line->size()) {
                char e = (*line)[r + 1];
                r += e == 'x' ? 4 : e == 'u' ? 6 : e == 'U' ? 10 : 2;
            } else {
                r += utf8Length(static_cast<unsigned char>(c));
            }
        }
        return Position{node.line(), static_cast<int>(r) + 1};
    }
    if (line->substr(col0, value.size()) != value) return std::nullopt;
    return Position{node.line(), static_cast<int>(col0 + b) + 1};
}

bool validId(const std::string& id) {
    if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

/// One locale file being read.
struct LocaleFile {
    std::string locale;
    const TemplateFile* file = nullptr;
    std::unique_ptr<YamlDocument> doc;
    std::map<std::string, LocalizedTemplate> templates;
    std::map<std::string, NodeRef> category_nodes;
    std::set<std::string> ids;  // every id written, valid or not
};

// Compiles the pattern at `node`; reports each problem at its position in the file.
std::optional<Pattern> compileAt(LocaleFile& lf, const NodeRef& node) {
    auto source = node.string();
    if (!source) return std::nullopt;
    std::vector<PatternIssue> issues;
    auto pattern = Pattern::compile(*source, issues);
    for (const auto& issue : issues) {
        std::optional<Position> pos;
        if (issue.offset) pos = locate(lf.file->text, node, *source, *issue.offset);
        if (pos) {
            lf.doc->addIssue(pos->line, pos->column, node.path(), issue.message);
        } else {
            std::string where = issue.offset ? " (character " + std::to_string(*issue.offset + 1) +
                                                   " of the pattern)"
                                             : "";
            node.error(issue.message + where);
        }
    }
    return pattern;
}

void readTemplate(LocaleFile& lf, const std::string& id, const NodeRef& n) {
    if (!n.expectMap({"description", "category", "text", "email", "speech"})) return;
    bool complete = true;
    LocalizedTemplate t;
    if (n["description"].require()) {
        if (auto d = n["description"].nonEmptyString()) t.description = *d;
    }
    if (n["category"].require()) {
        if (auto c = n["category"].nonEmptyString()) {
            t.category = *c;
            lf.category_nodes.emplace(id, n["category"]);
        }
    }
    if (n["text"].require()) {
        if (auto p = compileAt(lf, n["text"])) t.text = std::move(*p);
        else complete = false;
    } else {
        complete = false;
    }
    auto optional = [&](const NodeRef& node, std::optional<Pattern>& field) {
        if (!node.present()) return;
        if (auto p = compileAt(lf, node)) field = std::move(*p);
        else complete = false;
    };
    auto email = n["email"];
    if (email.present() && email.expectMap({"subject", "text", "html"})) {
        optional(email["subject"], t.email_subject);
        optional(email["text"], t.email_text);
        optional(email["html"], t.email_html);
    }
    optional(n["speech"], t.speech);
    if (complete) lf.templates.emplace(id, std::move(t));
}

void readFile(LocaleFile& lf) {
    NodeRef root = lf.doc->root();
    if (!root.present()) {
        if (lf.doc->ok()) root.error("empty catalog file: expected a map with \"templates\"");
        return;
    }
    if (!root.expectMap({"templates"})) return;
    auto templates = root["templates"];
    if (!templates.require() || !templates.expectNamedEntries()) return;
    for (const auto& entry : templates.entries()) {
        const std::string& id = entry.first;
        if (!validId(id)) {
            entry.second.error("template ids are lower case letters, digits and _ (got \"" + id +
                               "\")");
            continue;
        }
        lf.ids.insert(id);
        readTemplate(lf, id, entry.second);
    }
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

}  // namespace

std::shared_ptr<const Catalog> parseTemplateCatalog(const std::vector<TemplateFile>& files,
                                                    const std::string& default_locale) {
    std::vector<ConfigIssue> outside;  // issues with no file of their own
    std::vector<std::unique_ptr<LocaleFile>> locales;
    std::map<std::string, LocaleFile*> by_locale;
    for (const auto& f : files) {
        auto lf = std::make_unique<LocaleFile>();
        lf->file = &f;
        lf->doc = std::make_unique<YamlDocument>(f.path, f.text);
        std::string stem = fs::path(f.path).stem().string();
        auto tag = templates::parseLanguageTag(stem);
        if (!tag || !templates::isKnownLanguage(tag->language) || tag->str() != stem) {
            std::string hint = tag && templates::isKnownLanguage(tag->language)
                                   ? " (write it as " + tag->str() + ".yaml)"
                                   : "";
            lf->doc->addIssue(0, 0, "",
                              "the file name must be a language tag such as en.yaml or "
                              "zh-Hant.yaml" + hint);
        } else {
            lf->locale = tag->str();
            if (by_locale.count(lf->locale))
                lf->doc->addIssue(0, 0, "", "a second file for locale " + lf->locale);
            else
                by_locale[lf->locale] = lf.get();
        }
        readFile(*lf);
        locales.push_back(std::move(lf));
    }

    std::string def = default_locale;
    if (auto tag = templates::parseLanguageTag(default_locale)) def = tag->str();
    if (files.empty()) {
        outside.push_back({"", 0, 0, "", "the template catalog has no *.yaml files"});
    } else if (!by_locale.count(def)) {
        outside.push_back({fs::path(files.front().path).parent_path().string(), 0, 0, "",
                           "no catalog file for the default locale " + default_locale +
                               " (expected " + def + ".yaml)"});
    }

    // Every locale has every template, with the same category.
    std::map<std::string, std::vector<std::string>> where;  // id -> locales that have it
    for (const auto& [locale, lf] : by_locale)
        for (const auto& id : lf->ids) where[id].push_back(locale);
    for (const auto& [locale, lf] : by_locale) {
        for (const auto& entry : where) {
            const std::string& id = entry.first;
            if (lf->ids.count(id)) continue;
            lf->doc->root()["templates"].error("template \"" + id + "\" is missing in " + locale +
                                               " (present in " + join(entry.second) + ")");
        }
    }
    if (by_locale.count(def)) {
        const LocaleFile* ref = by_locale[def];
        for (const auto& [locale, lf] : by_locale) {
            if (locale == def) continue;
            for (const auto& entry : lf->category_nodes) {
                auto other = ref->templates.find(entry.first);
                if (other == ref->templates.end()) continue;
                auto mine = lf->templates.find(entry.first);
                std::string cat = mine != lf->templates.end() ? mine->second.category : "";
                if (!cat.empty() && cat != other->second.category)
                    entry.second.error("category \"" + cat + "\" differs from \"" +
                                       other->second.category + "\" in " + def);
            }
        }
    }

    std::vector<ConfigIssue> issues = outside;
    for (const auto& lf : locales)
        issues.insert(issues.end(), lf->doc->issues().begin(), lf->doc->issues().end());
    if (!issues.empty()) throw ConfigError(std::move(issues));

    std::map<std::string, Catalog::Templates> compiled;
    for (auto& lf : locales) compiled.emplace(lf->locale, std::move(lf->templates));
    return std::make_shared<const Catalog>(def, std::move(compiled));
}

std::shared_ptr<const Catalog> loadTemplateCatalog(const std::string& dir,
                                                   const std::string& default_locale) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw ConfigError({ConfigIssue{dir, 0, 0, "", "the template catalog folder does not exist"}});
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".yaml") paths.push_back(e.path());
    if (ec)
        throw ConfigError({ConfigIssue{dir, 0, 0, "", "cannot list the folder: " + ec.message()}});
    std::sort(paths.begin(), paths.end());
    std::vector<TemplateFile> files;
    std::vector<ConfigIssue> unreadable;
    for (const auto& p : paths) {
        std::ifstream in(p, std::ios::binary);
        if (!in) {
            unreadable.push_back({p.string(), 0, 0, "",
                                  std::string("cannot read the file: ") + std::strerror(errno)});
            continue;
        }
        std::ostringstream text;
        text << in.rdbuf();
        files.push_back({p.lexically_normal().string(), text.str()});
    }
    if (!unreadable.empty()) throw ConfigError(std::move(unreadable));
    if (files.empty())
        throw ConfigError({ConfigIssue{dir, 0, 0, "", "the template catalog has no *.yaml files"}});
    return parseTemplateCatalog(files, default_locale);
}

}  // namespace ccd::config
