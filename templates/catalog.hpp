#pragma once
// The reply template catalog: every template in every locale, each with its channel variants,
// compiled and validated at load time (config/template_catalog_parser.hpp reads it from YAML).
//
//   auto r = catalog->render("ack", "zh-TW", Variant::Text, vars, "Asia/Taipei");
//   if (r.ok()) send(r.value->text); else log(r.error);
//
// Thread safety: a Catalog is immutable after construction; every const member may be called
// from any number of threads at once (render() creates its ICU formatters per call).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/model.hpp"
#include "templates/pattern.hpp"
#include "templates/value.hpp"

namespace ccd::templates {

/// Which variant of a template a channel sends; the caller picks it from the channel.
enum class Variant { Text, Email, Speech };

/// "text", "email", "speech".
std::string_view toString(Variant variant);
/// Inverse of toString.
std::optional<Variant> variantFromString(std::string_view name);
/// Email -> Email, Voice -> Speech, every messaging, chat and API channel -> Text.
Variant variantFor(routing::ChannelKind channel);

/// A rendered template. `subject` and `html` are set for Variant::Email only.
struct Rendered {
    std::string template_id;
    std::string locale;  ///< the catalog locale the text came from ("zh-Hant" for "zh-TW")
    std::optional<std::string> subject;
    std::string text;
    std::optional<std::string> html;
};

/// The result of render(): a value, or an error saying why not (unknown template, missing or
/// mistyped variable, unknown time zone).
struct RenderResult {
    std::optional<Rendered> value;
    std::string error;
    bool ok() const { return value.has_value(); }
};

/// What the console needs to list a template.
struct TemplateInfo {
    std::string id;
    std::string description;  ///< in the locale asked for (the default locale otherwise)
    std::string category;
    std::vector<std::string> locales;     ///< every catalog locale (all have every template)
    std::vector<Variant> variants;        ///< variants written in some locale; Text always
    std::vector<std::string> variables;   ///< every variable any of its patterns uses
};

/// One template in one locale, its patterns compiled. Missing variants fall back when rendered.
struct LocalizedTemplate {
    std::string description;
    std::string category;
    Pattern text;
    std::optional<Pattern> email_subject;
    std::optional<Pattern> email_text;
    std::optional<Pattern> email_html;
    std::optional<Pattern> speech;
};

/// The immutable catalog.
class Catalog {
public:
    /// Templates by id, for one locale.
    using Templates = std::map<std::string, LocalizedTemplate>;

    /// `locales` maps canonical language tags ("en", "zh-Hant") to templates. Preconditions
    /// (checked; std::invalid_argument otherwise): `default_locale` is one of them and every
    /// locale has the same template ids. The loader reports these with positions first.
    Catalog(std::string default_locale, std::map<std::string, Templates> locales);

    /// The locale used when nothing in the fallback chain matches.
    const std::string& defaultLocale() const { return default_locale_; }
    /// Catalog locales, sorted.
    std::vector<std::string> locales() const;
    /// Number of templates (the same in every locale).
    std::size_t size() const;

    /// Whether a template with this id exists.
    bool has(const std::string& id) const;
    /// Every template, sorted by id; descriptions in `locale`'s resolution (default if empty).
    std::vector<TemplateInfo> list(std::string_view locale = {}) const;
    /// The catalog locale for a requested one: the first of localeFallbackChain(requested)
    /// that the catalog has, otherwise the default locale.
    std::string resolveLocale(std::string_view requested) const;
    /// The template in a catalog locale (as returned by resolveLocale), or null.
    const LocalizedTemplate* find(const std::string& id, const std::string& catalog_locale) const;

    /// Renders template `id` for the `locale` a customer asked for (resolved through the
    /// fallback chain; dates and numbers use the requested locale when it has the resolved
    /// locale's language) in `time_zone` (an IANA id; empty means UTC).
    /// Variant fallbacks: a missing speech or email text uses `text`; a missing email subject
    /// is the first line of the email text, at most 60 characters; a missing email html is the
    /// text, HTML-escaped, in paragraphs. Never throws.
    RenderResult render(const std::string& id, std::string_view locale, Variant variant,
                        const Vars& vars, std::string_view time_zone) const;

private:
    std::string default_locale_;
    std::map<std::string, Templates> locales_;
};

/// The subject rule for an email without one: the first non-empty line of `text`, cut at a
/// word boundary to at most 60 characters with "…" when longer.
std::string subjectFromText(const std::string& text);

/// The html for an email without one: `text` HTML-escaped, blank-line separated paragraphs as
/// <p>, other line breaks as <br>.
std::string htmlFromText(const std::string& text);

}  // namespace ccd::templates
