#include "daemon/cli_render.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "config/template_catalog_parser.hpp"
#include "config/yaml_reader.hpp"
#include "templates/catalog.hpp"
#include "templates/locale_chain.hpp"
#include "templates/sample_context.hpp"
#include "templates/variables.hpp"

namespace ccd::daemon {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitConfig = 3;

void printIssues(const config::ConfigError& e) {
    for (const auto& issue : e.issues()) std::cerr << issue.format() << '\n';
    std::cerr << e.issues().size() << " problem(s)\n";
}

}  // namespace

std::optional<templates::Value> parseVarValue(const std::string& name, const std::string& text,
                                              std::string& error) {
    using templates::VarType;
    const auto* spec = templates::findVariable(name);
    if (!spec) {
        error = "unknown variable \"" + name + "\" (see docs/templates.md for the list)";
        return std::nullopt;
    }
    auto number = [&text]() -> std::optional<templates::Value> {
        if (text.empty()) return std::nullopt;
        errno = 0;
        char* end = nullptr;
        long long i = std::strtoll(text.c_str(), &end, 10);
        if (*end == '\0' && errno == 0) return templates::Value(static_cast<std::int64_t>(i));
        errno = 0;
        double d = std::strtod(text.c_str(), &end);
        if (*end == '\0' && errno == 0 && std::isfinite(d)) return templates::Value(d);
        return std::nullopt;
    };
    switch (spec->type) {
        case VarType::String: return templates::Value(text);
        case VarType::Number:
            if (auto v = number()) return v;
            error = name + " is a number (got \"" + text + "\")";
            return std::nullopt;
        case VarType::Minutes:
            if (auto v = number()) return v;
            if (auto d = config::parseDuration(text)) return templates::Value(*d);
            error = name + " is a number of minutes or a duration such as 15m (got \"" + text +
                    "\")";
            return std::nullopt;
        case VarType::Time:
            if (auto t = parseRfc3339(text)) return templates::Value(*t);
            error = name + " is a time in RFC 3339, e.g. 2026-11-23T10:30:00Z (got \"" + text +
                    "\")";
            return std::nullopt;
    }
    return std::nullopt;
}

struct RenderCommand::Options {
    std::string id;
    std::string locale;
    std::string channel = "webchat";
    std::vector<std::string> vars;
    std::string catalog;
    std::string default_locale;
    std::string time_zone = "UTC";
    bool sample = false;
};

RenderCommand::RenderCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), opts_(std::make_unique<Options>()) {
    render_ = app.add_subcommand("render", "Preview a reply template as a channel would send it");
    render_->add_option("template", opts_->id, "Template id, e.g. ack")->required();
    render_->add_option("-l,--locale", opts_->locale,
                        "Customer locale, e.g. zh-TW (falls back: zh-Hant, zh, default)");
    render_->add_option("--channel", opts_->channel,
                        "api, webchat, telegram, whatsapp (text), email, voice (speech)")
        ->capture_default_str();
    render_->add_option("--var", opts_->vars, "A variable: name=value (repeatable)");
    render_->add_option("--catalog", opts_->catalog,
                        "Catalog folder (default: templates.path of the configuration)");
    render_->add_option("--default-locale", opts_->default_locale,
                        "Default locale with --catalog (default: en)");
    render_->add_option("--time-zone", opts_->time_zone, "IANA time zone for dates and times")
        ->capture_default_str();
    render_->add_flag("--sample", opts_->sample, "Fill variables not given with sample values");
    render_->add_option("-c,--config", config_path, "Configuration file")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
    render_->footer(
        "Values: times in RFC 3339 (2026-11-23T10:30:00Z), minutes as 15 or 15m, numbers as "
        "numbers.\nExit codes: 0 ok, 2 usage error, 3 invalid catalog or configuration.");
}

RenderCommand::~RenderCommand() = default;

bool RenderCommand::selected() const { return render_ && render_->parsed(); }

int RenderCommand::run() const {
    const Options& o = *opts_;
    std::shared_ptr<const templates::Catalog> catalog;
    try {
        if (!o.catalog.empty()) {
            catalog = config::loadTemplateCatalog(
                o.catalog, o.default_locale.empty() ? "en" : o.default_locale);
        } else {
            auto cfg = config::loadDaemonConfig(*config_path_);
            if (cfg->templates.path.empty()) {
                std::cerr << "ccd render: " << *config_path_
                          << " has no templates section; give --catalog DIR\n";
                return kExitUsage;
            }
            catalog = config::loadTemplateCatalog(cfg->templates.path,
                                                  o.default_locale.empty()
                                                      ? cfg->templates.default_locale
                                                      : o.default_locale);
        }
    } catch (const config::ConfigError& e) {
        printIssues(e);
        return kExitConfig;
    }

    if (!catalog->has(o.id)) {
        std::cerr << "ccd render: unknown template \"" << o.id << "\"; the catalog has:";
        for (const auto& info : catalog->list()) std::cerr << ' ' << info.id;
        std::cerr << '\n';
        return kExitUsage;
    }
    std::string locale = o.locale.empty() ? catalog->defaultLocale() : o.locale;
    auto tag = templates::parseLanguageTag(locale);
    if (!tag || !templates::isKnownLanguage(tag->language)) {
        std::cerr << "ccd render: unknown locale \"" << locale
                  << "\" (expected a language tag such as en, zh-Hans or zh-TW)\n";
        return kExitUsage;
    }
    auto kind = routing::channelKindFromString(o.channel);
    if (!kind) {
        std::cerr << "ccd render: unknown channel \"" << o.channel
                  << "\" (api, email, webchat, telegram, whatsapp, voice)\n";
        return kExitUsage;
    }

    templates::Vars vars;
    if (o.sample) vars = templates::sampleContext(routing::Clock::now());
    for (const auto& item : o.vars) {
        auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "ccd render: --var expects name=value (got \"" << item << "\")\n";
            return kExitUsage;
        }
        std::string error;
        auto value = parseVarValue(item.substr(0, eq), item.substr(eq + 1), error);
        if (!value) {
            std::cerr << "ccd render: " << error << '\n';
            return kExitUsage;
        }
        vars[item.substr(0, eq)] = *value;
    }

    auto variant = templates::variantFor(*kind);
    auto result = catalog->render(o.id, locale, variant, vars, o.time_zone);
    if (!result.ok()) {
        std::cerr << "ccd render: " << result.error;
        if (result.error.find("missing variable") != std::string::npos)
            std::cerr << " (give --var name=value, or --sample)";
        std::cerr << '\n';
        return kExitUsage;
    }
    const auto& r = *result.value;
    std::cout << "# " << r.template_id << " [" << r.locale << "] " << toString(variant) << "\n";
    if (r.subject) std::cout << "subject: " << *r.subject << "\n";
    std::cout << (variant == templates::Variant::Speech ? "speech:\n" : "text:\n") << r.text
              << "\n";
    if (r.html) std::cout << "html:\n" << *r.html << (r.html->empty() || r.html->back() != '\n' ? "\n" : "");
    return kExitOk;
}

}  // namespace ccd::daemon
