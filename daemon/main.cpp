// ccd — the contact-center integration daemon. Command line entry point.
//
// Exit codes (also in README.md):
//   0  success
//   1  unexpected runtime failure
//   2  usage error on the command line
//   3  the configuration is invalid (every problem is printed with file:line:column)
//   4  the store cannot be opened (corrupt, locked by another ccd, newer schema, no permission,
//      PostgreSQL unreachable or refusing)
//   5  the listener cannot be bound (address in use, bad address)

#include <atomic>
#include <cstdio>
#include <optional>
#include <thread>
#include <variant>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "daemon/privacy/masking_formatter.hpp"
#include <spdlog/spdlog.h>

#include "ccd_version.hpp"
#include "config/agents_config_parser.hpp"
#include "config/agents_passwords.hpp"
#include "config/config_bundle.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "config/env.hpp"
#include "config/model_file_store.hpp"
#include "config/routing_config_parser.hpp"
#include "config/template_catalog_parser.hpp"
#include "daemon/cli_agent.hpp"
#include "daemon/cli_api_key.hpp"
#include "daemon/cli_contacts.hpp"
#include "daemon/cli_migrate.hpp"
#include "daemon/cli_retention.hpp"
#include "daemon/cli_report.hpp"
#include "daemon/cli_email.hpp"
#include "daemon/cli_render.hpp"
#include "daemon/cli_routing.hpp"
#include "daemon/crash_report.hpp"
#include "daemon/daemon.hpp"
#include "daemon/engine_lease.hpp"
#include "daemon/store_factory.hpp"

namespace {

enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,
    kExitUsage = 2,
    kExitConfig = 3,
    kExitStore = 4,
    kExitListen = 5,
};

constexpr const char* kDefaultConfig = "config/ccd.yaml";

void setUpLogging() {
    auto logger = spdlog::stdout_color_mt("ccd");
    // Personal data in a message is masked at every level (docs/security.md "Personal data").
    logger->set_formatter(std::make_unique<ccd::daemon::privacy::MaskingFormatter>(
        "%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ %v"));
    spdlog::set_default_logger(logger);
    spdlog::flush_on(spdlog::level::info);
}

// The commands that build the routing engine take its trained classifier from the model cache
// shared by every ccd process, or train it and keep it there (config/model_file_store.hpp).
// The daemon warns in its log; the commands on stderr, as their stdout is their output.
void installModelCache(bool daemon) {
    ccd::config::installModelFileStore(ccd::config::processEnv(),
                                       [daemon](const std::string& message) {
                                           if (daemon) {
                                               spdlog::warn("{}", message);
                                           } else {
                                               std::cerr << "ccd: warning: " << message << '\n';
                                           }
                                       });
}

/// Loads ccd.yaml and the routing file it names; both must be valid.
struct LoadedConfig {
    ccd::config::DaemonConfigPtr daemon;
    ccd::routing::RoutingConfigPtr routing;  // null when ccd.yaml names no routing file
    std::shared_ptr<const ccd::templates::Catalog> templates;  // null without `templates`
    ccd::config::AgentsConfigPtr agents;     // null when there is no agents file
};

LoadedConfig loadAll(const std::string& path) {
    LoadedConfig out;
    // ccd.yaml, routing.yaml and the catalog, with the templates the rules name checked.
    auto bundle = ccd::config::loadConfigBundle(path);
    out.daemon = bundle.daemon;
    out.routing = bundle.routing;
    out.templates = bundle.catalog;
    if (!out.daemon->agents_path.empty())
        out.agents = ccd::config::loadAgentsWithPasswords(out.daemon->agents_path,
                                                          out.daemon->passwords_path);
    return out;
}

std::string describeRouting(const ccd::routing::RoutingConfig& r) {
    return std::to_string(r.queues.size()) + " queues, " + std::to_string(r.sla_policies.size()) +
           " SLA policies, " + std::to_string(r.calendars.size()) + " calendars";
}

int checkConfig(const std::string& path) {
    try {
        auto cfg = loadAll(path);
        std::cout << path << ": OK (listen " << cfg.daemon->server.listen.host << ":"
                  << cfg.daemon->server.listen.port << ", store "
                  << ccd::daemon::describeStore(cfg.daemon->storage) << ")\n";
        if (cfg.routing)
            std::cout << cfg.daemon->routing_path << ": OK (" << describeRouting(*cfg.routing)
                      << ")\n";
        if (cfg.templates)
            std::cout << cfg.daemon->templates.path << ": OK (" << cfg.templates->size()
                      << " templates, " << cfg.templates->locales().size() << " locales)\n";
        if (cfg.agents)
            std::cout << cfg.daemon->agents_path << ": OK (" << cfg.agents->accounts.size()
                      << " accounts)\n";
        return kExitOk;
    } catch (const ccd::config::ConfigError& e) {
        std::cerr << e.what();
        std::cerr << e.issues().size() << " problem(s)\n";
        return kExitConfig;
    }
}

std::string listenUrl(const ccd::config::DaemonConfig& cfg, std::uint16_t port) {
    const auto& host = cfg.server.listen.host;
    return std::string(cfg.server.tls ? "https" : "http") + "://" +
           (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

// Makes and starts the daemon; an exit code when it cannot.
std::optional<int> startDaemon(std::unique_ptr<ccd::daemon::Daemon>& daemon,
                               ccd::config::ConfigBundle bundle, ccd::daemon::NodeRole role,
                               const ccd::daemon::EngineLease* lease = nullptr) {
    auto cfg = bundle.daemon;
    try {
        daemon = std::make_unique<ccd::daemon::Daemon>(std::move(bundle), role);
    } catch (const ccd::daemon::StoreOpenError& e) {
        spdlog::critical("store: {}", e.what());
        return kExitStore;
    } catch (const ccd::config::ConfigError& e) {  // the agents file
        std::cerr << e.what();
        return kExitConfig;
    }
    if (lease) daemon->fenceStoreWrites(lease->fence());
    daemon->catchSignals();
    try {
        daemon->start();
    } catch (const std::exception& e) {
        spdlog::critical("http: {}", e.what());
        return kExitListen;
    }
    spdlog::info("listening on {}{} (Ctrl-C to stop)", listenUrl(*cfg, daemon->port()),
                 role == ccd::daemon::NodeRole::Follower ? " as a follower" : "");
    return std::nullopt;
}

// A reload takes every file or none: an invalid one throws ConfigError and the daemon keeps
// what it has.
std::function<ccd::config::ConfigBundle()> bundleLoader(const std::string& path) {
    return [path]() {
        auto loaded = ccd::config::loadConfigBundle(path);
        if (loaded.routing)
            spdlog::info("reload: routing {} ({})", loaded.daemon->routing_path,
                         describeRouting(*loaded.routing));
        return loaded;
    };
}

// A follower (PostgreSQL, another node holds the engine's lease): takes messages until this
// node gets the lease (the leader ended), or until SIGTERM/SIGINT. The lease, or an exit code.
std::variant<std::unique_ptr<ccd::daemon::EngineLease>, int> follow(
    const ccd::config::ConfigBundle& bundle, const std::string& path) {
    std::unique_ptr<ccd::daemon::Daemon> daemon;
    if (auto rc = startDaemon(daemon, bundle, ccd::daemon::NodeRole::Follower)) return *rc;
    std::atomic<bool> give_up{false};
    std::unique_ptr<ccd::daemon::EngineLease> lease;
    std::thread waiter([&] {
        lease = ccd::daemon::EngineLease::waitFor(bundle.daemon->storage, give_up);
        if (lease) daemon->requestStop();
    });
    daemon->run(bundleLoader(path));
    give_up = true;
    waiter.join();
    const bool signalled = daemon->stopSignalled();
    daemon.reset();  // requests in progress finish; the port is free again
    // A stop asked for as the lease came is still a stop: the lease goes to another node.
    if (!lease || signalled) return kExitOk;
    spdlog::info("engine lease: the leader is gone; this node leads from now on");
    return lease;
}

int runDaemon(const std::string& path) {
    setUpLogging();
    installModelCache(true);
    ccd::config::DaemonConfigPtr cfg;
    ccd::config::ConfigBundle bundle;
    try {
        bundle = ccd::config::loadConfigBundle(path);
        auto& loaded = bundle;
        cfg = loaded.daemon;
        if (loaded.routing)
            spdlog::info("routing: {} ({})", cfg->routing_path, describeRouting(*loaded.routing));
    } catch (const ccd::config::ConfigError& e) {
        std::cerr << e.what();
        return kExitConfig;
    }
    if (!ccd::daemon::applyLogLevel(cfg->logging.level)) {
        spdlog::warn("unknown log level {}; using info", cfg->logging.level);
    }
    spdlog::info("ccd {} starting with {}", CCD_VERSION, cfg->source_path);

    // On PostgreSQL the engine runs on one node at a time, the leader; the others follow until
    // it ends. Declared before the daemon, the lease is released after the daemon has stopped.
    auto role = ccd::daemon::NodeRole::Alone;
    std::unique_ptr<ccd::daemon::EngineLease> lease;
    if (cfg->storage.driver == ccd::config::StorageDriver::Postgres) {
        role = ccd::daemon::NodeRole::Leader;
        try {
            lease = ccd::daemon::EngineLease::tryTake(cfg->storage);
        } catch (const ccd::daemon::StoreOpenError& e) {
            spdlog::critical("store: {}", e.what());
            return kExitStore;
        }
        if (!lease) {
            auto followed = follow(bundle, path);
            if (auto* rc = std::get_if<int>(&followed)) return *rc;
            lease = std::move(std::get<0>(followed));
            try {  // the files as they are now (edits while following took effect there too)
                bundle = ccd::config::loadConfigBundle(path);
            } catch (const ccd::config::ConfigError& e) {
                spdlog::error("the configuration is invalid now; leading with the one in force");
            }
        }
    }
    std::unique_ptr<ccd::daemon::Daemon> daemon;
    if (auto rc = startDaemon(daemon, std::move(bundle), role, lease.get())) return *rc;
    if (lease)  // a new session after PostgreSQL restarted: its fence from then on
        lease->onNewFence([d = daemon.get()](const auto& fence) { d->fenceStoreWrites(fence); });
    daemon->run(bundleLoader(path));
    if (lease) lease->onNewFence(nullptr);  // the daemon ends before the lease
    return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ccd — contact-center integration daemon"};
    app.set_version_flag("--version", std::string("ccd ") + CCD_VERSION);
    app.require_subcommand(1);

    std::string config_path = kDefaultConfig;
    auto* run = app.add_subcommand("run", "Run the daemon in the foreground until SIGTERM/SIGINT");
    run->add_option("-c,--config", config_path, "Configuration file")
        ->envname("CCD_CONFIG")
        ->capture_default_str();

    auto* check = app.add_subcommand("check-config", "Validate the configuration and exit");
    check->add_option("-c,--config", config_path, "Configuration file")
        ->envname("CCD_CONFIG")
        ->capture_default_str();

    ccd::daemon::AgentCommand agent(app, config_path);
    ccd::daemon::ContactsCommand contacts(app, config_path);
    ccd::daemon::ReportCommand report(app, config_path);
    ccd::daemon::ApiKeyCommand api_key(app, config_path);
    ccd::daemon::RetentionCommand retention(app, config_path);
    ccd::daemon::MigrateCommand migrate(app, config_path);
    ccd::daemon::EmailCommand email(app);

    ccd::daemon::RenderCommand render(app, config_path);
    ccd::daemon::ClassifyCommand classify(app, config_path);
    ccd::daemon::SimulateCommand simulate(app, config_path);

    app.footer(
        "Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 invalid configuration,\n"
        "4 store cannot be opened, 5 listener cannot be bound.");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? kExitOk : kExitUsage;
    }

    // The model cache for the commands that build the engine (`run` installs it once its log is
    // set up).
    if (*check || classify.selected() || simulate.selected()) installModelCache(false);

    try {
        if (*check) return checkConfig(config_path);
        if (*run) {
            ccd::daemon::installCrashReport();
            return runDaemon(config_path);
        }
        if (render.selected()) return render.run();
        if (classify.selected()) return classify.run();
        if (simulate.selected()) return simulate.run();
        if (agent.selected()) return agent.run();
        if (contacts.selected()) return contacts.run();
        if (report.selected()) return report.run();
        if (api_key.selected()) return api_key.run();
        if (retention.selected()) return retention.run();
        if (migrate.selected()) return migrate.run();
        if (email.selected()) return email.run();
    } catch (const std::exception& e) {
        std::cerr << "ccd: " << e.what() << '\n';
        return kExitFailure;
    }
    return kExitUsage;
}
