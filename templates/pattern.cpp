#include "templates/pattern.hpp"

#include <unicode/datefmt.h>
#include <unicode/messagepattern.h>
#include <unicode/msgfmt.h>
#include <unicode/smpdtfmt.h>
#include <unicode/utypes.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <unordered_map>

#include "templates/variables.hpp"

namespace ccd::templates {
namespace {

std::string utf8(const icu::UnicodeString& s) {
    std::string out;
    s.toUTF8String(out);
    return out;
}

std::string describeParseError(UErrorCode code) {
    switch (code) {
        case U_UNMATCHED_BRACES: return "unmatched { or }";
        case U_DEFAULT_KEYWORD_MISSING: return "a plural or select needs an \"other\" case";
        case U_DUPLICATE_KEYWORD: return "the same case appears twice";
        case U_ARGUMENT_TYPE_MISMATCH: return "argument type mismatch";
        case U_PATTERN_SYNTAX_ERROR: return "syntax error";
        case U_ILLEGAL_ARGUMENT_ERROR: return "invalid argument";
        case U_UNSUPPORTED_ERROR: return "unsupported syntax";
        default: return std::string("invalid pattern (") + u_errorName(code) + ")";
    }
}

// Code points before UTF-16 index `index`.
std::size_t codePointOffset(const icu::UnicodeString& s, int32_t index) {
    index = std::max<int32_t>(0, std::min(index, s.length()));
    return static_cast<std::size_t>(s.countChar32(0, index));
}

std::string near(const icu::UnicodeString& s, int32_t index) {
    index = std::max<int32_t>(0, std::min(index, s.length()));
    int32_t end = s.moveIndex32(index, std::min<int32_t>(12, s.countChar32(index)));
    icu::UnicodeString part = s.tempSubStringBetween(index, end);
    if (part.isEmpty()) return " at the end of the pattern";
    return " near \"" + utf8(part) + (end < s.length() ? "...\"" : "\"");
}

// Levenshtein distance, for "did you mean" on unknown variables.
std::size_t distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t prev = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cur = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
            prev = cur;
        }
    }
    return row[b.size()];
}

std::string unknownVariable(const std::string& name) {
    std::string msg = "unknown variable \"" + name + "\"";
    std::size_t best = 3;
    std::string_view suggestion;
    for (const auto& v : contextVariables()) {
        auto d = distance(name, v.name);
        if (d < best) best = d, suggestion = v.name;
    }
    if (!suggestion.empty()) msg += " (did you mean \"" + std::string(suggestion) + "\"?)";
    else msg += " (see docs/templates.md for the variables)";
    return msg;
}

bool isNumeric(VarType t) { return t == VarType::Number || t == VarType::Minutes; }

icu::DateFormat::EStyle styleOf(const icu::UnicodeString& style, bool& named) {
    icu::UnicodeString s(style);
    s.trim();
    named = true;
    if (s.isEmpty() || s.caseCompare(u"medium", 0) == 0) return icu::DateFormat::kMedium;
    if (s.caseCompare(u"short", 0) == 0) return icu::DateFormat::kShort;
    if (s.caseCompare(u"long", 0) == 0) return icu::DateFormat::kLong;
    if (s.caseCompare(u"full", 0) == 0) return icu::DateFormat::kFull;
    named = false;
    return icu::DateFormat::kNone;
}

std::unique_ptr<icu::DateFormat> makeDateFormat(int kind, const icu::UnicodeString& style,
                                                const icu::Locale& locale, UErrorCode& status) {
    bool named = false;
    auto es = styleOf(style, named);
    if (kind == 2) {  // DateTime: a plain {instant}
        return std::unique_ptr<icu::DateFormat>(icu::DateFormat::createDateTimeInstance(
            icu::DateFormat::kShort, icu::DateFormat::kShort, locale));
    }
    if (named) {
        return std::unique_ptr<icu::DateFormat>(
            kind == 0 ? icu::DateFormat::createDateInstance(es, locale)
                      : icu::DateFormat::createTimeInstance(es, locale));
    }
    icu::UnicodeString s(style);
    s.trim();
    if (s.startsWith(u"::")) {
        return std::unique_ptr<icu::DateFormat>(
            icu::DateFormat::createInstanceForSkeleton(s.tempSubString(2), locale, status));
    }
    return std::make_unique<icu::SimpleDateFormat>(s, locale, status);
}

// ICU formatters are costly to create (a skeleton resolves its pattern from locale data, a
// MessageFormat parses its pattern) and are not safe to share between threads: each thread keeps
// the ones it made, by what made them. Cleared when full: the keys are the templates' patterns
// and time styles times locales and zones, a small set, unless templates are reloaded often.
template <class Formatter>
class ThreadCache {
public:
    Formatter* find(const std::string& key) {
        auto it = made_.find(key);
        return it == made_.end() ? nullptr : it->second.get();
    }
    Formatter* keep(const std::string& key, std::unique_ptr<Formatter> made) {
        if (made_.size() >= kMax) made_.clear();
        return (made_[key] = std::move(made)).get();
    }

private:
    static constexpr std::size_t kMax = 1024;
    std::unordered_map<std::string, std::unique_ptr<Formatter>> made_;
};

std::string zoneId(const icu::TimeZone& zone) {
    icu::UnicodeString id;
    zone.getID(id);
    return utf8(id);
}

}  // namespace

std::string escapeHtml(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::optional<Pattern> Pattern::compile(const std::string& source,
                                        std::vector<PatternIssue>& issues) {
    std::size_t issues_before = issues.size();
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(source);
    UErrorCode status = U_ZERO_ERROR;
    UParseError pe{};
    icu::MessagePattern mp(UMSGPAT_APOS_DOUBLE_OPTIONAL, status);
    mp.parse(u, &pe, status);
    if (U_FAILURE(status)) {
        issues.push_back({describeParseError(status) + near(u, pe.offset),
                          codePointOffset(u, pe.offset)});
        return std::nullopt;
    }

    Pattern p;
    p.source_ = source;
    struct Span {
        int32_t start, limit;
        std::size_t time_arg;
    };
    std::vector<Span> spans;
    int32_t count = mp.countParts();
    for (int32_t i = 0; i + 1 < count; ++i) {
        const auto& part = mp.getPart(i);
        if (part.getType() != UMSGPAT_PART_TYPE_ARG_START) continue;
        const auto& name_part = mp.getPart(i + 1);
        std::size_t at = codePointOffset(u, name_part.getIndex());
        std::string name = utf8(mp.getSubstring(name_part));
        if (name_part.getType() == UMSGPAT_PART_TYPE_ARG_NUMBER) {
            issues.push_back({"numbered argument {" + name +
                                  "}: use a named variable such as {ticket}",
                              at});
            continue;
        }
        const VariableSpec* spec = findVariable(name);
        if (!spec) {
            issues.push_back({unknownVariable(name), at});
            continue;
        }
        if (std::find(p.variables_.begin(), p.variables_.end(), name) == p.variables_.end())
            p.variables_.push_back(name);

        auto arg_type = part.getArgType();
        std::string type_name;
        icu::UnicodeString style;
        if (arg_type == UMSGPAT_ARG_TYPE_SIMPLE) {
            type_name = utf8(mp.getSubstring(mp.getPart(i + 2)));
            if (i + 3 < count && mp.getPart(i + 3).getType() == UMSGPAT_PART_TYPE_ARG_STYLE)
                style = mp.getSubstring(mp.getPart(i + 3));
        }
        auto wrong = [&](const std::string& usage) {
            issues.push_back({"\"" + name + "\" is a " + std::string(toString(spec->type)) +
                                  " variable and cannot be used in " + usage,
                              at});
        };
        bool time_arg = false;
        TimeKind kind = TimeKind::DateTime;
        switch (arg_type) {
            case UMSGPAT_ARG_TYPE_NONE:
                if (spec->type == VarType::Time) time_arg = true;
                break;
            case UMSGPAT_ARG_TYPE_SIMPLE:
                if (type_name == "date" || type_name == "time") {
                    if (spec->type != VarType::Time) wrong("a " + type_name + " argument");
                    time_arg = true;
                    kind = type_name == "date" ? TimeKind::Date : TimeKind::Time;
                } else if (type_name == "number" || type_name == "spellout" ||
                           type_name == "ordinal" || type_name == "duration") {
                    if (!isNumeric(spec->type)) wrong("a " + type_name + " argument");
                } else {
                    issues.push_back({"unknown argument type \"" + type_name +
                                          "\" (use number, date, time, plural, select or "
                                          "selectordinal)",
                                      at});
                }
                break;
            case UMSGPAT_ARG_TYPE_PLURAL:
            case UMSGPAT_ARG_TYPE_SELECTORDINAL:
            case UMSGPAT_ARG_TYPE_CHOICE:
                if (!isNumeric(spec->type)) wrong("a plural or choice");
                break;
            case UMSGPAT_ARG_TYPE_SELECT:
                if (spec->type != VarType::String) wrong("a select");
                break;
        }
        if (time_arg && spec->type == VarType::Time) {
            TimeArg ta;
            ta.arg = icu::UnicodeString(u"ccd_time_") +
                     icu::UnicodeString::fromUTF8(std::to_string(p.time_args_.size()));
            ta.variable = name;
            ta.kind = kind;
            ta.style = style;
            std::string err;
            if (!checkTimeStyle(ta, err)) {
                issues.push_back({err, at});
                continue;
            }
            int32_t limit = mp.getPart(mp.getLimitPartIndex(i)).getLimit();
            spans.push_back({part.getIndex(), limit, p.time_args_.size()});
            p.time_args_.push_back(std::move(ta));
        }
    }
    if (issues.size() > issues_before) return std::nullopt;

    // The sub-formats (number skeletons and styles) are checked by MessageFormat itself.
    {
        UErrorCode st = U_ZERO_ERROR;
        UParseError mpe{};
        icu::MessageFormat check(u, icu::Locale::getRoot(), mpe, st);
        if (U_FAILURE(st)) {
            issues.push_back({describeParseError(st) + near(u, mpe.offset),
                              codePointOffset(u, mpe.offset)});
            return std::nullopt;
        }
    }

    p.rewritten_ = u;
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start > b.start; });
    for (const auto& s : spans) {
        icu::UnicodeString arg = icu::UnicodeString(u"{") + p.time_args_[s.time_arg].arg + u"}";
        p.rewritten_.replaceBetween(s.start, s.limit, arg);
    }
    std::sort(p.variables_.begin(), p.variables_.end());
    return p;
}

bool Pattern::checkTimeStyle(const TimeArg& arg, std::string& error) {
    UErrorCode status = U_ZERO_ERROR;
    auto fmt = makeDateFormat(static_cast<int>(arg.kind), arg.style, icu::Locale::getRoot(),
                              status);
    if (U_FAILURE(status) || !fmt) {
        error = "invalid date/time style \"" + utf8(arg.style) + "\" for \"" + arg.variable +
                "\" (use short, medium, long, full, a pattern such as HH:mm or a ::skeleton)";
        return false;
    }
    return true;
}

std::string Pattern::formatTime(const TimeArg& arg, const icu::Locale& locale,
                                const icu::TimeZone& zone, double millis, bool& ok) {
    thread_local ThreadCache<icu::DateFormat> cache;
    std::string key = std::to_string(static_cast<int>(arg.kind)) + '\x1f' + utf8(arg.style) +
                      '\x1f' + locale.getName() + '\x1f' + zoneId(zone);
    // The last text of each formatter: one time (the next opening, a promised reply) is
    // written into every acknowledgement of a burst of new conversations, and ICU's format
    // was half of a render.
    thread_local std::unordered_map<std::string, std::pair<double, std::string>> last;
    auto& [last_millis, last_text] = last[key];
    if (last_millis == millis && !last_text.empty()) {
        ok = true;
        return last_text;
    }
    icu::DateFormat* fmt = cache.find(key);
    if (!fmt) {
        UErrorCode status = U_ZERO_ERROR;
        auto made = makeDateFormat(static_cast<int>(arg.kind), arg.style, locale, status);
        if (U_FAILURE(status) || !made) {
            ok = false;
            return {};
        }
        made->setTimeZone(zone);
        fmt = cache.keep(key, std::move(made));
    }
    icu::UnicodeString out;
    fmt->format(millis, out);
    ok = true;
    last_millis = millis;
    last_text = utf8(out);
    return last_text;
}

bool Pattern::format(const icu::Locale& locale, const icu::TimeZone& zone, const Vars& vars,
                     bool escape_html, std::string& out, std::string& error) const {
    std::vector<icu::UnicodeString> names;
    std::vector<icu::Formattable> values;
    std::vector<std::string> missing;
    auto text = [&](const std::string& s) {
        return icu::Formattable(icu::UnicodeString::fromUTF8(escape_html ? escapeHtml(s) : s));
    };
    for (const auto& name : variables_) {
        const VariableSpec* spec = findVariable(name);
        auto it = vars.find(name);
        if (it == vars.end()) {
            missing.push_back(name);
            continue;
        }
        const Value& v = it->second;
        if (spec->type == VarType::Time) {
            if (!std::holds_alternative<routing::TimePoint>(v)) {
                error = "variable \"" + name + "\" must be a time";
                return false;
            }
            continue;  // formatted through its time arguments below
        }
        icu::Formattable f;
        if (spec->type == VarType::String) {
            if (auto s = std::get_if<std::string>(&v)) {
                f = text(*s);
            } else if (auto i = std::get_if<std::int64_t>(&v)) {
                f = text(std::to_string(*i));
            } else if (auto d = std::get_if<double>(&v)) {
                std::ostringstream os;
                os << *d;
                f = text(os.str());
            } else {
                error = "variable \"" + name + "\" must be text";
                return false;
            }
        } else {  // Number or Minutes
            if (auto i = std::get_if<std::int64_t>(&v)) {
                f = icu::Formattable(static_cast<int64_t>(*i));
            } else if (auto d = std::get_if<double>(&v)) {
                if (!std::isfinite(*d)) {
                    error = "variable \"" + name + "\" must be a finite number";
                    return false;
                }
                f = icu::Formattable(*d);
            } else if (auto ms = std::get_if<std::chrono::milliseconds>(&v);
                       ms && spec->type == VarType::Minutes) {
                auto minutes = (ms->count() + 59999) / 60000;
                if (ms->count() < 0) minutes = ms->count() / 60000;
                f = icu::Formattable(static_cast<int64_t>(minutes));
            } else {
                error = "variable \"" + name + "\" must be a number";
                return false;
            }
        }
        names.push_back(icu::UnicodeString::fromUTF8(name));
        values.push_back(std::move(f));
    }
    if (!missing.empty()) {
        error = "missing variable";
        if (missing.size() > 1) error += "s";
        for (std::size_t i = 0; i < missing.size(); ++i)
            error += (i ? ", " : " ") + missing[i];
        return false;
    }
    for (const auto& ta : time_args_) {
        auto tp = std::get<routing::TimePoint>(vars.find(ta.variable)->second);
        double millis = static_cast<double>(
            std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count());
        bool ok = false;
        std::string s = formatTime(ta, locale, zone, millis, ok);
        if (!ok) {
            error = "cannot format \"" + ta.variable + "\"";
            return false;
        }
        names.push_back(ta.arg);
        values.push_back(text(s));
    }

    thread_local ThreadCache<icu::MessageFormat> cache;
    std::string key = std::string(locale.getName()) + '\x1f' + source_;
    icu::MessageFormat* mf = cache.find(key);
    UErrorCode status = U_ZERO_ERROR;
    if (!mf) {
        UParseError pe{};
        auto made = std::make_unique<icu::MessageFormat>(rewritten_, locale, pe, status);
        if (U_FAILURE(status)) {
            error = std::string("cannot compile the pattern: ") + u_errorName(status);
            return false;
        }
        mf = cache.keep(key, std::move(made));
    }
    icu::UnicodeString result;
    mf->format(names.data(), values.data(), static_cast<int32_t>(names.size()), result, status);
    if (U_FAILURE(status)) {
        error = std::string("cannot format: ") + u_errorName(status);
        return false;
    }
    out = utf8(result);
    return true;
}

}  // namespace ccd::templates
