#include "templates/catalog.hpp"

#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "templates/locale_chain.hpp"

namespace ccd::templates {
namespace {

constexpr int32_t kSubjectMax = 60;

std::string utf8(const icu::UnicodeString& s) {
    std::string out;
    s.toUTF8String(out);
    return out;
}

// The ICU locale dates and numbers are formatted in: the requested one when it is a
// well-formed tag of the same language as the catalog locale ("en-GB" for "en" text gives
// 24-hour times), the catalog locale otherwise.
icu::Locale formattingLocale(std::string_view requested, const std::string& catalog_locale) {
    auto req = parseLanguageTag(requested);
    auto cat = parseLanguageTag(catalog_locale);
    std::string tag = catalog_locale;
    if (req && cat && req->language == cat->language &&
        (req->script.empty() || cat->script.empty() || req->script == cat->script)) {
        LanguageTag merged = *req;
        if (merged.script.empty()) merged.script = cat->script;
        tag = merged.str();
    }
    UErrorCode status = U_ZERO_ERROR;
    icu::Locale loc = icu::Locale::forLanguageTag(tag, status);
    if (U_FAILURE(status) || loc.isBogus()) loc = icu::Locale::getRoot();
    return loc;
}

// Each thread keeps the zones and formatting locales it made (ICU builds a zone from its rules
// and a locale from its tag every time: 3 % of the I/O threads' CPU for a new conversation's
// acknowledgement). The keys are the contacts' zones and the requested locales: a small set;
// cleared when full.
constexpr std::size_t kThreadCacheMax = 512;

const icu::TimeZone* cachedZone(const std::string& zone_id) {
    thread_local std::unordered_map<std::string, std::unique_ptr<icu::TimeZone>> zones;
    auto it = zones.find(zone_id);
    if (it != zones.end()) return it->second.get();
    std::unique_ptr<icu::TimeZone> zone(
        icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(zone_id)));
    if (zone && *zone == icu::TimeZone::getUnknown()) zone.reset();
    if (zones.size() >= kThreadCacheMax) zones.clear();
    return (zones[zone_id] = std::move(zone)).get();
}

const icu::Locale& cachedFormattingLocale(std::string_view requested,
                                          const std::string& catalog_locale) {
    thread_local std::unordered_map<std::string, icu::Locale> locales;
    std::string key = std::string(requested) + '\x1f' + catalog_locale;
    auto it = locales.find(key);
    if (it != locales.end()) return it->second;
    if (locales.size() >= kThreadCacheMax) locales.clear();
    return locales.emplace(std::move(key), formattingLocale(requested, catalog_locale))
        .first->second;
}

}  // namespace

std::string_view toString(Variant variant) {
    switch (variant) {
        case Variant::Text: return "text";
        case Variant::Email: return "email";
        case Variant::Speech: return "speech";
    }
    return "text";
}

std::optional<Variant> variantFromString(std::string_view name) {
    if (name == "text") return Variant::Text;
    if (name == "email") return Variant::Email;
    if (name == "speech") return Variant::Speech;
    return std::nullopt;
}

Variant variantFor(routing::ChannelKind channel) {
    switch (channel) {
        case routing::ChannelKind::Email: return Variant::Email;
        case routing::ChannelKind::Voice: return Variant::Speech;
        default: return Variant::Text;
    }
}

std::string subjectFromText(const std::string& text) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(text);
    int32_t start = 0;
    icu::UnicodeString line;
    while (start < u.length()) {
        int32_t end = u.indexOf(u'\n', start);
        if (end < 0) end = u.length();
        line = u.tempSubStringBetween(start, end);
        line.trim();
        if (!line.isEmpty()) break;
        start = end + 1;
    }
    if (line.countChar32() <= kSubjectMax) return utf8(line);
    int32_t cut = line.moveIndex32(0, kSubjectMax - 1);
    int32_t space = line.lastIndexOf(u' ', 0, cut);
    if (space > cut / 2) cut = space;
    icu::UnicodeString head = line.tempSubString(0, cut);
    head.trim();
    return utf8(head) + "…";
}

std::string htmlFromText(const std::string& text) {
    std::string escaped = escapeHtml(text);
    std::string out;
    std::size_t pos = 0;
    while (pos <= escaped.size()) {
        auto end = escaped.find("\n\n", pos);
        if (end == std::string::npos) end = escaped.size();
        std::string para = escaped.substr(pos, end - pos);
        while (!para.empty() && para.back() == '\n') para.pop_back();
        while (!para.empty() && para.front() == '\n') para.erase(0, 1);
        if (!para.empty()) {
            std::string body;
            for (char c : para) {
                if (c == '\n') body += "<br>\n";
                else body += c;
            }
            out += "<p>" + body + "</p>\n";
        }
        if (end == escaped.size()) break;
        pos = end + 2;
    }
    return out;
}

Catalog::Catalog(std::string default_locale, std::map<std::string, Templates> locales)
    : default_locale_(std::move(default_locale)), locales_(std::move(locales)) {
    auto def = locales_.find(default_locale_);
    if (def == locales_.end())
        throw std::invalid_argument("template catalog: no templates for the default locale " +
                                    default_locale_);
    for (const auto& [locale, templates] : locales_) {
        bool same = templates.size() == def->second.size() &&
                    std::equal(templates.begin(), templates.end(), def->second.begin(),
                               [](const auto& a, const auto& b) { return a.first == b.first; });
        if (!same)
            throw std::invalid_argument("template catalog: locale " + locale +
                                        " does not have the same templates as " +
                                        default_locale_);
    }
}

std::vector<std::string> Catalog::locales() const {
    std::vector<std::string> out;
    for (const auto& entry : locales_) out.push_back(entry.first);
    return out;
}

std::size_t Catalog::size() const { return locales_.at(default_locale_).size(); }

bool Catalog::has(const std::string& id) const {
    return locales_.at(default_locale_).count(id) != 0;
}

std::string Catalog::resolveLocale(std::string_view requested) const {
    for (const auto& tag : localeFallbackChain(requested))
        if (locales_.count(tag)) return tag;
    return default_locale_;
}

const LocalizedTemplate* Catalog::find(const std::string& id,
                                       const std::string& catalog_locale) const {
    auto loc = locales_.find(catalog_locale);
    if (loc == locales_.end()) return nullptr;
    auto it = loc->second.find(id);
    return it == loc->second.end() ? nullptr : &it->second;
}

std::vector<TemplateInfo> Catalog::list(std::string_view locale) const {
    std::string resolved = locale.empty() ? default_locale_ : resolveLocale(locale);
    std::vector<TemplateInfo> out;
    for (const auto& entry : locales_.at(default_locale_)) {
        const std::string& id = entry.first;
        TemplateInfo info;
        info.id = id;
        const LocalizedTemplate& shown = locales_.at(resolved).at(id);
        info.description = shown.description;
        info.category = shown.category;
        bool email = false, speech = false;
        for (const auto& loc : locales_) {
            info.locales.push_back(loc.first);
            const LocalizedTemplate& t = loc.second.at(id);
            email = email || t.email_subject || t.email_text || t.email_html;
            speech = speech || t.speech.has_value();
            auto add = [&info](const std::optional<Pattern>& p) {
                if (!p) return;
                for (const auto& v : p->variables())
                    if (std::find(info.variables.begin(), info.variables.end(), v) ==
                        info.variables.end())
                        info.variables.push_back(v);
            };
            add(t.text);
            add(t.email_subject);
            add(t.email_text);
            add(t.email_html);
            add(t.speech);
        }
        std::sort(info.variables.begin(), info.variables.end());
        info.variants.push_back(Variant::Text);
        if (email) info.variants.push_back(Variant::Email);
        if (speech) info.variants.push_back(Variant::Speech);
        out.push_back(std::move(info));
    }
    return out;
}

RenderResult Catalog::render(const std::string& id, std::string_view locale, Variant variant,
                             const Vars& vars, std::string_view time_zone) const {
    RenderResult result;
    try {
        std::string resolved = resolveLocale(locale);
        const LocalizedTemplate* t = find(id, resolved);
        if (!t) {
            result.error = "unknown template \"" + id + "\"";
            return result;
        }
        std::string zone_id = time_zone.empty() ? std::string("UTC") : std::string(time_zone);
        const icu::TimeZone* zone = cachedZone(zone_id);
        if (!zone) {
            result.error = "unknown time zone \"" + zone_id + "\"";
            return result;
        }
        const icu::Locale& fmt_locale = cachedFormattingLocale(locale, resolved);

        Rendered r;
        r.template_id = id;
        r.locale = resolved;
        std::string error;
        auto run = [&](const Pattern& p, bool html, std::string& out) {
            if (p.format(fmt_locale, *zone, vars, html, out, error)) return true;
            result.error = "template " + id + " (" + resolved + "): " + error;
            return false;
        };
        switch (variant) {
            case Variant::Text:
                if (!run(t->text, false, r.text)) return result;
                break;
            case Variant::Speech:
                if (!run(t->speech ? *t->speech : t->text, false, r.text)) return result;
                break;
            case Variant::Email: {
                if (!run(t->email_text ? *t->email_text : t->text, false, r.text)) return result;
                std::string subject, html;
                if (t->email_subject) {
                    if (!run(*t->email_subject, false, subject)) return result;
                } else {
                    subject = subjectFromText(r.text);
                }
                if (t->email_html) {
                    if (!run(*t->email_html, true, html)) return result;
                } else {
                    html = htmlFromText(r.text);
                }
                r.subject = std::move(subject);
                r.html = std::move(html);
                break;
            }
        }
        result.value = std::move(r);
    } catch (const std::exception& e) {
        result.value.reset();
        result.error = std::string("template ") + id + ": " + e.what();
    }
    return result;
}

}  // namespace ccd::templates
