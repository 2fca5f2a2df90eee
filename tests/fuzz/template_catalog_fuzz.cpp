// Fuzz target: template patterns and catalog YAML (written by operators, never trusted to be
// well-formed). Each input is compiled as one ICU MessageFormat pattern and rendered, then parsed
// as a catalog file en.yaml and every template rendered. Any input must give a result or a
// ConfigError with issues, never a crash or another exception.

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/template_catalog_parser.hpp"
#include "templates/sample_context.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ccd;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto vars = templates::sampleContext(routing::TimePoint(std::chrono::seconds(1795429800)));
    vars["contact_name"] = text;  // customer text is data, whatever it holds

    std::vector<templates::PatternIssue> issues;
    auto pattern = templates::Pattern::compile(text, issues);
    if (!pattern && issues.empty()) __builtin_trap();
    if (pattern) {
        std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone("Asia/Taipei"));
        std::string out, error;
        for (const char* tag : {"en", "zh-Hant-TW"}) {
            UErrorCode status = U_ZERO_ERROR;
            auto locale = icu::Locale::forLanguageTag(tag, status);
            pattern->format(locale, *zone, vars, true, out, error);
        }
    }

    try {
        auto catalog = config::parseTemplateCatalog({{"/fuzz/en.yaml", text}}, "en");
        for (const auto& info : catalog->list("zh-TW")) {
            for (auto variant : {templates::Variant::Text, templates::Variant::Email,
                                 templates::Variant::Speech}) {
                auto r = catalog->render(info.id, "en-GB", variant, vars, "Europe/London");
                if (!r.ok() && r.error.empty()) __builtin_trap();
            }
        }
    } catch (const config::ConfigError& e) {
        if (e.issues().empty()) __builtin_trap();
    }
    return 0;
}
