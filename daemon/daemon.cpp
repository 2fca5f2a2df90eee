#include "daemon/daemon.hpp"

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "channels/registry.hpp"
#include "channels/reply_policy.hpp"
#include "config/agents_config_parser.hpp"
#include "config/agents_passwords.hpp"
#include "config/config_error.hpp"
#include "daemon/api_keys.hpp"
#include "daemon/api_routes.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/audit_routes.hpp"
#include "daemon/cases/case_routes.hpp"
#include "daemon/channel_routes.hpp"
#include "daemon/call_decision.hpp"
#include "daemon/intake_routing.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/console/auth_routes.hpp"
#include "daemon/console/console_server.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/console/mfa.hpp"
#include "daemon/engine_host.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/http/router.hpp"
#include "daemon/intake.hpp"
#include "daemon/mail/mailbox_poller.hpp"
#include "daemon/metrics.hpp"
#include "daemon/outbox/http_client.hpp"
#include "daemon/outbox/outbox_sender.hpp"
#include "daemon/retention_job.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "daemon/config_watcher.hpp"
#include "daemon/contact_routes.hpp"
#include "daemon/reports/report_routes.hpp"
#include "daemon/template_routes.hpp"
#include "daemon/tls_context.hpp"
#include "daemon/webchat/webchat_server.hpp"
#include "templates/catalog.hpp"
#include "daemon/thread_name.hpp"

namespace ccd::daemon {

namespace asio = boost::asio;

bool applyLogLevel(const std::string& level) {
    auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off") return false;
    spdlog::set_level(lvl);
    return true;
}

namespace {

// `path` relative to the working directory when it lies below it, as a person would type it.
std::string asTyped(const std::filesystem::path& path) {
    std::error_code ec;
    auto rel = path.lexically_relative(std::filesystem::current_path(ec));
    if (ec || rel.empty() || *rel.begin() == "..") return path.string();
    return rel.string();
}

// The agents file that `cfg` names (none: no accounts). Throws ConfigError (start-up path).
config::AgentsConfigPtr loadAgents(const config::DaemonConfig& cfg) {
    if (cfg.agents_path.empty()) {
        spdlog::warn("agents: no agents file beside {}; nobody can log in", cfg.source_path);
        return std::make_shared<config::AgentsConfig>();
    }
    auto agents = config::loadAgentsWithPasswords(cfg.agents_path, cfg.passwords_path);
    spdlog::info("agents: {} ({} accounts; passwords set with ccd agent passwd: {})",
                 cfg.agents_path, agents->accounts.size(), cfg.passwords_path);
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::string ccd = !ec && exe.filename() == "ccd" ? asTyped(exe) : "ccd";
    for (const auto& a : agents->accounts) {
        if (a.password_hash.empty())
            spdlog::warn(
                "agent \"{}\" has no password: set one with  {} agent passwd {} --config {}",
                a.name, ccd, a.name, asTyped(cfg.source_path));
    }
    return agents;
}

// Who must use MFA, from `mfa.required_for`.
console::MfaPolicy mfaPolicy(const config::MfaConfig& cfg) {
    console::MfaPolicy policy;
    for (const auto& name : cfg.required_for)
        if (auto role = console::roleFromString(name)) policy.required_for.push_back(*role);
    return policy;
}

}  // namespace

struct Daemon::Impl {
    explicit Impl(config::ConfigBundle bundle)
        : config(std::move(bundle.daemon)),
          catalog(std::move(bundle.catalog)),
          store(store::sqlite::SqliteStoreOptions{config->storage.sqlite.path,
                                                  config->storage.sqlite.max_batch,
                                                  config->storage.sqlite.busy_timeout},
                &metrics),
          auth(loadAgents(*config)),
          work(asio::make_work_guard(ioc)),
          router(&metrics),
          http_tls(config->server.tls
                       ? std::make_shared<TlsContextSource>("http", *config->server.tls)
                       : nullptr),
          server(ioc, router, metrics, [this] { return limits(); }, http_tls) {
        auth.setMfa(std::make_shared<console::MfaService>(config->mfa.file, config->mfa.issuer),
                    mfaPolicy(config->mfa));
        if (!config->mfa.required_for.empty())
            spdlog::info("mfa: required for {} (enrolments in {})",
                         fmt::join(config->mfa.required_for, ", "), config->mfa.file);
        if (bundle.routing) corpus_path = bundle.routing->classification.corpus_path;
        if (bundle.routing) {
            engine = std::make_unique<EngineHost>(ioc, store, metrics, bundle.routing,
                                                  [this] { return currentCatalog(); });
            // An accepted call-back calls the customer from the agent's phone.
            engine->setSipDirectory([this](const std::string& agent) { return sipOf(agent); });
        }
        metrics.addGauge("ccd_store_queue_depth", "Writes waiting for the next group commit.",
                         [this] { return static_cast<double>(store.status().queue_depth); });
        channel_set = channels::ChannelSet::build(config->channels);
        for (const auto& c : channel_set->all())
            spdlog::info("channel {} ({}): /webhooks/{}/{}", c->name(), c->type(), c->type(),
                         c->name());
        // Replies leave through their channel: the sender takes what the store queues.
        sender = std::make_unique<outbox::OutboxSender>(
            ioc, store, metrics, http_client, [this] { return currentChannels(); },
            outbox::SenderOptions{config->outbox.claim_batch, config->outbox.poll_interval},
            [this](std::vector<store::DeliveryChange> changes) { delivered(std::move(changes)); });
        store.setOutboxListener([this] {
            if (sender) sender->poke();
        });
        Intake::RouteMessage route;
        if (engine)
            route = messageRouter(*engine, [this] { return currentCatalog(); },
                                  [this](const std::string& agent) { return sipOf(agent); });
        Intake::RouteCall route_call;
        if (engine)
            route_call = callStepRouter(*engine, [this] { return currentCatalog(); },
                                        [this](const std::string& agent) { return sipOf(agent); });
        intake = std::make_unique<Intake>(
            store, metrics, &api_keys, std::move(route),
            [this](std::vector<store::DeliveryChange> changes) { delivered(std::move(changes)); },
            std::move(route_call));
        // Email instances take their mail from IMAP: their polls go through the same intake.
        mailboxes = std::make_unique<MailboxPoller>(ioc, store, metrics, http_client, *intake,
                                                    [this] { return currentChannels(); });
        RouteServices services{store, metrics, &auth, {}};
        services.audit = &audit;
        services.channel_health = [this] {
            std::vector<ComponentHealth> out;
            for (auto& h : mailboxes->health())
                out.push_back({h.instance, h.up,
                               h.up ? std::string()
                                    : (h.last_error.empty() ? std::string("not polled yet")
                                                            : h.last_error)});
            return out;
        };
        if (engine) {
            services.agent_can_see = [this](std::int64_t id, const std::string& agent,
                                            std::function<void(bool)> answer) {
                engine->query([id, agent, answer = std::move(answer)](const routing::Engine& en) {
                    answer(en.visibleTo(id, agent));
                });
            };
        }
        services.mask_pii = [this](std::string_view who) { return masksPii(who); };
        addApiRoutes(router, std::move(services));
        addChannelRoutes(router, ChannelRouteServices{*intake, [this] { return currentChannels(); },
                                                      store, &api_keys, &auth, &audit,
                                                      [this](std::string_view who) {
                                                          return masksPii(who);
                                                      }});
        addTemplateRoutes(router, [this] { return currentCatalog(); });
        // Customer records reveal personal data: supervisors and admins only (erasure and
        // export: admins).
        ContactAuthorizer signed_in = [this](const http::RoutedRequest& req) {
            ContactCaller caller;
            auto who = console::authenticate(req, auth);
            if (!who) {
                caller.refused = std::move(*who.response);
                return caller;
            }
            caller.actor = accountActor(*who.principal, req);
            caller.role = who.principal->role;
            return caller;
        };
        addContactRoutes(
            router, store, signed_in,
            &audit,
            [this](const http::RoutedRequest& req) {
                auto who = console::authenticate(req, auth);
                return who && masksPii(console::toString(who.principal->role));
            });
        if (engine) {  // service cases (docs/cases.md): any signed-in account
            cases = std::make_unique<cases::CaseService>(cases::CaseService::Deps{
                ioc, store, store, *engine, bundle.routing,
                [this](const std::string& instance) -> std::optional<routing::ChannelKind> {
                    auto c = currentChannels()->find(instance);
                    if (!c) return std::nullopt;
                    return c->settings->kind;
                },
                [this]() -> std::optional<std::string> {
                    for (const auto& c : currentChannels()->all())
                        if (c->settings->kind == routing::ChannelKind::Voice) return c->name();
                    return std::nullopt;
                },
                [this] { return auth.accounts(); }});
            cases::addCaseRoutes(router, *cases, signed_in);
        }
        addAuditRoutes(router, store, auth, audit);
        retention = std::make_shared<RetentionJob>(ioc, store, audit,
                                                   [this] { return owner->currentConfig(); });
        addRetentionRoutes(router, retention, auth, audit);
        router.add("POST", "/v1/admin/reload",
                   [this](http::RoutedRequest&& req, http::Responder r) {
                       auto who = console::authenticate(req, auth);
                       if (!who) return r.send(std::move(*who.response));
                       auto actor = accountActor(*who.principal, req);
                       if (!console::atLeast(who.principal->role, console::Role::Admin)) {
                           audit.record(actor, "config.reload", "config", "", "denied");
                           return r.send(console::forbidden("reloading needs an admin"));
                       }
                       adminReload(std::move(r), actor);
                   });
        addAuthRoutes(router, auth, &audit);
        // KPI reports (docs/kpis.md): supervisors and admins, on a thread of their own.
        if (config->storage.driver == config::StorageDriver::Sqlite)
            reports = reports::addReportRoutes(
                router, {config->storage.sqlite.path, &auth,
                         [this](std::function<void(std::optional<routing::BusinessCalendar>)> a) {
                             if (!engine) return a(std::nullopt);
                             engine->query([a = std::move(a)](const routing::Engine& en) {
                                 const auto& cfg = en.config();
                                 auto it = cfg.calendars.find(cfg.defaults.calendar);
                                 if (it == cfg.calendars.end()) return a(std::nullopt);
                                 a(it->second);
                             });
                         }});
        // Web chat instances: their customers' websockets (docs/webchat-protocol.md).
        // The widget's files: the folder `chat` beside the console's (console/chat/).
        std::string chat_dir;
        if (!config->console.static_dir.empty()) {
            std::filesystem::path www(config->console.static_dir);
            if (!www.has_filename()) www = www.parent_path();  // "console/www/"
            chat_dir = (www.parent_path() / "chat").string();
        }
        webchat_rt = webchat::addWebchat(
            *channel_set, {ioc, store, *intake, engine.get(), [this] { return currentChannels(); },
                           router, chat_dir,
                           [this](const std::string& agent, std::int64_t conversation) {
                               if (console_rt) console_rt->hub().customerTyping(agent, conversation);
                           },
                           [this](std::function<void(webchat::EmailTemplates)> use) {
                               emailTemplates(std::move(use));
                           }});
        if (engine)  // the console's websocket, hub and page (docs/console-protocol.md)
            console_rt = console::addConsoleServer(
                *config, {ioc, router, store, *engine, auth,
                          [this](std::int64_t, const std::string& id,
                                 const std::map<std::string, std::string>& vars,
                                 const std::string& language) {
                              return renderCanned(id, vars, language);
                          },
                          [this] { return server.port(); },
                          [this](const routing::ConversationSnapshot& c, const std::string& text,
                                 bool window_template) {
                              return checkReply(c, text, window_template);
                          },
                          [this](std::int64_t conversation) { relayTyping(conversation); },
                          &audit,
                          [this](std::string_view who) { return masksPii(who); }});
    }

    // privacy.mask_pii_for, as the configuration in force says (a reload applies at once).
    bool masksPii(std::string_view audience) const {
        std::lock_guard lock(config_mutex);
        return config->privacy.masks(audience);
    }

    // The agent's SIP address from agents.yaml, for a call routed to them.
    std::string sipOf(const std::string& agent) const {
        auto accounts = auth.accounts();
        const auto* a = accounts ? accounts->find(agent) : nullptr;
        return a ? a->sip : std::string();
    }

    channels::ChannelSetPtr currentChannels() const {
        std::lock_guard lock(config_mutex);
        return channel_set;
    }

    // Delivery states the sender or a provider's report stored: to the engine (the console
    // shows them; a failure goes to supervisors).
    void delivered(std::vector<store::DeliveryChange> changes) {
        if (!engine) return;
        for (auto& c : changes) {
            engine->submit(routing::DeliveryUpdated{c.conversation_id, c.message_id, c.state,
                                                    std::move(c.reason), std::move(c.author)});
        }
    }

    // What the conversation's channel allows a reply to be, before the console stores it.
    std::optional<console::ReplyRefusal> checkReply(const routing::ConversationSnapshot& c,
                                                    const std::string& text,
                                                    bool window_template) const {
        auto set = currentChannels();
        auto name = c.channel_instance.empty() ? std::string(routing::toString(c.channel))
                                               : c.channel_instance;
        auto inst = set ? set->find(name) : nullptr;
        if (!inst) return std::nullopt;  // stored; the outbox waits for the instance to return
        auto refusal = channels::checkReply(*inst->outbound, inst->type(), inst->name(), text,
                                            window_template, c.last_inbound_at,
                                            routing::Clock::now());
        if (!refusal) return std::nullopt;
        return console::ReplyRefusal{refusal->code, refusal->reason};
    }

    // An agent types: shown to the customer, at most every few seconds per conversation.
    void relayTyping(std::int64_t conversation) {
        {
            std::lock_guard lock(typing_mutex);
            auto now = std::chrono::steady_clock::now();
            auto& last = typing_sent[conversation];
            if (now - last < std::chrono::seconds(4)) return;
            last = now;
            if (typing_sent.size() > 10000) typing_sent.clear();
        }
        if (sender) sender->typing(conversation);
        if (webchat_rt) webchat_rt->agentTyping(conversation);
    }

    // The catalog in force and the business calendar's time zone, for emails to chat customers.
    void emailTemplates(std::function<void(webchat::EmailTemplates)> use) const {
        webchat::EmailTemplates t;
        t.catalog = currentCatalog();
        if (!engine) return use(std::move(t));
        engine->query([t, use = std::move(use)](const routing::Engine& en) mutable {
            const auto& cfg = en.config();
            auto it = cfg.calendars.find(cfg.defaults.calendar);
            if (it != cfg.calendars.end()) t.time_zone = it->second.time_zone;
            use(std::move(t));
        });
    }

    // A canned response chosen by an agent: the template as text, with the agent's values.
    console::RenderedReply renderCanned(const std::string& id,
                                        const std::map<std::string, std::string>& vars,
                                        const std::string& language) const {
        console::RenderedReply out;
        auto cat = currentCatalog();
        if (!cat) {
            out.error = "no template catalog is configured";
            return out;
        }
        templates::Vars values;
        for (const auto& [k, v] : vars) values[k] = v;
        auto r = cat->render(id, language, templates::Variant::Text, values, "UTC");
        if (r.ok()) {
            out.text = r.value->text;
        } else {
            out.error = r.error;
        }
        return out;
    }

    std::shared_ptr<const templates::Catalog> currentCatalog() const {
        std::lock_guard lock(config_mutex);
        return catalog;
    }

    // POST /v1/admin/reload: the same as SIGHUP, answered with what happened.
    void adminReload(http::Responder r, const AuditActor& who) {
        if (!loader) {
            audit.record(who, "config.reload", "config", "", "failed");
            return r.send(channels::WebResponse::error(503, "reload_unavailable",
                                                       "the daemon was started without a "
                                                       "configuration file to reload"));
        }
        try {
            auto next = loader();
            owner->reload(std::move(next));
            audit.record(who, "config.reload", "config", config->source_path);
            nlohmann::json body{{"status", "reloaded"}, {"config", config->source_path}};
            r.send(channels::WebResponse::json(200, body.dump()));
        } catch (const config::ConfigError& e) {
            nlohmann::json issues = nlohmann::json::array();
            for (const auto& i : e.issues()) {
                issues.push_back({{"file", i.file},
                                  {"line", i.line},
                                  {"column", i.column},
                                  {"path", i.path},
                                  {"message", i.message}});
                spdlog::error("reload: {}", i.format());
            }
            spdlog::error("reload: rejected; the previous configuration keeps serving");
            audit.record(who, "config.reload", "config", config->source_path, "invalid",
                         nlohmann::json{{"issues", e.issues().size()}});
            nlohmann::json body{{"error", "invalid_config"},
                                {"reason", "the new configuration is invalid; the previous one "
                                           "keeps serving"},
                                {"issues", std::move(issues)}};
            r.send(channels::WebResponse::json(422, body.dump()));
        }
    }

    config::ServerLimits limits() const {
        std::lock_guard lock(config_mutex);
        return config->server.limits;
    }

    mutable std::mutex config_mutex;
    std::mutex reload_mutex;
    config::DaemonConfigPtr config;
    std::shared_ptr<const templates::Catalog> catalog;  // null without `templates:`
    std::string corpus_path;  // under config_mutex: the classifier's corpus file, or ""
    Daemon* owner = nullptr;
    std::function<config::ConfigBundle()> loader;  // throws ConfigError
    Metrics metrics;
    store::sqlite::SqliteStore store;
    AuditLog audit{store};
    ApiKeys api_keys{store};
    channels::ChannelSetPtr channel_set;  // under config_mutex; swapped by a reload
    outbox::HttpClient http_client;
    std::mutex typing_mutex;
    std::map<std::int64_t, std::chrono::steady_clock::time_point> typing_sent;
    console::AuthService auth;  // before the router: its login threads use it
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    // After the io_context: logins still queued when the router goes hold connections, whose
    // answers and sockets need the io_context alive.
    http::Router router;
    std::shared_ptr<TlsContextSource> http_tls;  // null: plain HTTP
    http::HttpServer server;
    std::unique_ptr<EngineHost> engine;  // null without a routing file
    std::unique_ptr<cases::CaseService> cases;  // null without an engine
    std::unique_ptr<outbox::OutboxSender> sender;
    std::unique_ptr<Intake> intake;
    std::unique_ptr<MailboxPoller> mailboxes;
    std::unique_ptr<console::ConsoleRuntime> console_rt;  // null without an engine or disabled
    std::shared_ptr<RetentionJob> retention;
    std::shared_ptr<reports::ReportRunner> reports;       // null with the PostgreSQL store
    std::unique_ptr<webchat::WebchatRuntime> webchat_rt;
    std::vector<std::thread> threads;
    std::unique_ptr<asio::signal_set> signals;  // from catchSignals() on

    std::mutex stop_mutex;
    std::condition_variable stop_cv;
    bool stop_requested = false;
    bool stopped = false;
};

Daemon::Daemon(config::DaemonConfigPtr config)
    : Daemon(config::ConfigBundle{std::move(config), nullptr, nullptr}) {}

Daemon::Daemon(config::ConfigBundle bundle) : impl_(std::make_unique<Impl>(std::move(bundle))) {
    impl_->owner = this;
}

Daemon::~Daemon() { stop(); }

void Daemon::start() {
    auto cfg = currentConfig();
    // Every connection is a descriptor: say at start whether the limit allows them all.
    ensureDescriptorLimit(cfg->server.limits.max_connections +
                          (impl_->console_rt ? cfg->console.max_connections : 0) +
                          (impl_->webchat_rt ? impl_->webchat_rt->maxConnections() : 0));
    impl_->server.start(cfg->server.listen);
    if (impl_->console_rt) impl_->console_rt->start();
    if (impl_->webchat_rt) impl_->webchat_rt->start();
    for (int i = 0; i < cfg->server.threads; ++i) {
        impl_->threads.push_back(namedThread("ccd-io", [this] {
            for (;;) {
                try {
                    impl_->ioc.run();
                    return;
                } catch (const std::exception& e) {
                    // Handlers catch their own errors; this is the last line of defence.
                    spdlog::critical("io thread: unhandled exception: {}", e.what());
                }
            }
        }));
    }
    if (impl_->cases) impl_->cases->start();  // listens to the engine from its start
    // Restores open conversations and replays unrouted messages before traffic is routed.
    if (impl_->engine) impl_->engine->start();
    impl_->sender->start();
    impl_->mailboxes->start();
    impl_->retention->start();
}

void Daemon::catchSignals() {
    if (!impl_->signals)
        impl_->signals = std::make_unique<asio::signal_set>(impl_->ioc, SIGINT, SIGTERM, SIGHUP);
}

void Daemon::setLoader(std::function<config::ConfigBundle()> loader) {
    impl_->loader = std::move(loader);
}

std::uint16_t Daemon::port() const { return impl_->server.port(); }

void Daemon::requestStop() {
    std::lock_guard lock(impl_->stop_mutex);
    impl_->stop_requested = true;
    impl_->stop_cv.notify_all();
}

void Daemon::run(std::function<config::ConfigBundle()> load_config) {
    setLoader(load_config);
    auto try_reload = [this, load_config](const char* trigger) {
        auto source = currentConfig()->source_path;
        try {
            reload(load_config());
            impl_->audit.record(systemActor(trigger), "config.reload", "config", source);
        } catch (const config::ConfigError& e) {
            for (const auto& issue : e.issues()) spdlog::error("reload: {}", issue.format());
            spdlog::error("reload: rejected; the previous configuration keeps serving");
            impl_->audit.record(systemActor(trigger), "config.reload", "config", source, "invalid",
                                nlohmann::json{{"issues", e.issues().size()}});
        }
    };
    // Edits to any configuration file are picked up without a signal.
    ConfigWatcher watcher(
        impl_->ioc,
        [this] {
            auto cfg = currentConfig();
            std::vector<std::string> files{cfg->source_path};
            if (!cfg->routing_path.empty()) files.push_back(cfg->routing_path);
            {
                std::lock_guard lock(impl_->config_mutex);
                if (!impl_->corpus_path.empty()) files.push_back(impl_->corpus_path);
            }
            if (!cfg->templates.path.empty()) files.push_back(cfg->templates.path);
            if (!cfg->agents_path.empty()) files.push_back(cfg->agents_path);
            if (!cfg->agents_path.empty()) files.push_back(cfg->passwords_path);
            // A renewed certificate is picked up like an edit (SIGHUP works too).
            for (const auto* tls : {&cfg->server.tls, &cfg->console.tls}) {
                if (!*tls) continue;
                files.push_back((*tls)->cert_file);
                files.push_back((*tls)->key_file);
            }
            return files;
        },
        [try_reload] { try_reload("config_watcher"); });
    watcher.start();
    if (!impl_->signals) catchSignals();
    auto& signals = *impl_->signals;
    std::function<void(const boost::system::error_code&, int)> on_signal;
    on_signal = [&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
            spdlog::info("SIGHUP: reloading configuration");
            try_reload("sighup");
            signals.async_wait(on_signal);
            return;
        }
        spdlog::info("{}: shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
        requestStop();
    };
    signals.async_wait(on_signal);
    {
        std::unique_lock lock(impl_->stop_mutex);
        impl_->stop_cv.wait(lock, [this] { return impl_->stop_requested; });
    }
    boost::system::error_code ignored;
    signals.cancel(ignored);
    watcher.stop();
    stop();
}

void Daemon::reload(config::DaemonConfigPtr next) {
    reload(config::ConfigBundle{std::move(next), nullptr, nullptr});
}

void Daemon::reload(config::ConfigBundle bundle) {
    // SIGHUP, the file watcher and POST /v1/admin/reload may race: one reload at a time.
    std::lock_guard serial(impl_->reload_mutex);
    config::DaemonConfigPtr next = bundle.daemon;
    if (bundle.routing) {
        if (impl_->engine) {
            // Cases follow the engine: both keep the old configuration if it cannot compile.
            impl_->engine->reconfigure(bundle.routing, [this, next = bundle.routing](bool ok, const std::string&) {
                if (ok && impl_->cases) impl_->cases->reconfigure(next);
            });
        } else {
            spdlog::warn("reload: a routing file was added; routing starts at the next start");
        }
    }
    auto old = currentConfig();
    auto restart_only = [&](const char* what) {
        spdlog::warn("reload: {} changed; the change takes effect at the next start", what);
    };
    if (next->server.listen.host != old->server.listen.host ||
        next->server.listen.port != old->server.listen.port)
        restart_only("server.listen");
    if (next->server.threads != old->server.threads) restart_only("server.threads");
    // New connections get a renewed certificate; switching TLS on or off needs a restart.
    if (next->server.tls.has_value() != old->server.tls.has_value()) restart_only("server.tls");
    else if (impl_->http_tls && next->server.tls) impl_->http_tls->update(*next->server.tls);
    if (next->console.tls.has_value() != old->console.tls.has_value())
        restart_only("console.tls");
    else if (impl_->console_rt) impl_->console_rt->updateTls(next->console.tls);
    if (next->storage.sqlite.path != old->storage.sqlite.path ||
        next->storage.driver != old->storage.driver)
        restart_only("storage");
    if (next->mfa.file != old->mfa.file) restart_only("mfa.file");
    applyLogLevel(next->logging.level);
    impl_->auth.setMfaPolicy(mfaPolicy(next->mfa));
    if (auto mfa = impl_->auth.mfa()) mfa->setIssuer(next->mfa.issuer);
    try {
        auto before = impl_->auth.accounts();
        impl_->auth.reload(loadAgents(*next));
        recordAccountChanges(impl_->audit, systemActor("config_reload"), *before,
                             *impl_->auth.accounts());
    } catch (const config::ConfigError& e) {
        for (const auto& issue : e.issues()) spdlog::error("reload: {}", issue.format());
        spdlog::error("reload: agents file rejected; the previous accounts keep serving");
    }
    channels::ChannelSetPtr channels;
    try {
        channels = channels::ChannelSet::build(next->channels);
    } catch (const std::exception& e) {
        spdlog::error("reload: channels rejected ({}); the previous channels keep serving",
                      e.what());
    }
    {
        std::lock_guard lock(impl_->config_mutex);
        impl_->config = std::move(next);
        if (bundle.catalog) impl_->catalog = std::move(bundle.catalog);
        if (channels) impl_->channel_set = channels;
        if (bundle.routing) impl_->corpus_path = bundle.routing->classification.corpus_path;
    }
    impl_->sender->poke();  // instances added by the reload start sending
    impl_->mailboxes->sync();  // mailboxes added, changed or removed by the reload
    if (channels && impl_->webchat_rt) impl_->webchat_rt->sync(*channels);  // chat listeners
    spdlog::info("configuration reloaded");
}

void Daemon::stop() {
    {
        std::lock_guard lock(impl_->stop_mutex);
        if (impl_->stopped) return;
        impl_->stopped = true;
    }
    auto grace = currentConfig()->server.shutdown_grace;
    impl_->mailboxes->stop();
    impl_->retention->stop();
    if (impl_->console_rt) impl_->console_rt->stop();
    if (impl_->webchat_rt) impl_->webchat_rt->stop();
    if (impl_->cases) impl_->cases->stop();
    if (impl_->engine) impl_->engine->stop();
    auto deadline = std::chrono::steady_clock::now() + grace;
    impl_->server.stop();
    if (impl_->reports) reports::stopReports(*impl_->reports);
    // Requests in progress finish (their store commits complete) before the store closes, and
    // console clients get their closing handshake.
    auto console_open = [this] {
        return (impl_->console_rt ? impl_->console_rt->openConnections() : std::size_t{0}) +
               (impl_->webchat_rt ? impl_->webchat_rt->openConnections() : std::size_t{0});
    };
    while ((impl_->server.openConnections() > 0 || console_open() > 0) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (auto left = impl_->server.openConnections(); left > 0)
        spdlog::warn("shutdown: {} connections still open after {} ms; closing them", left,
                     grace.count());
    if (auto left = console_open(); left > 0)
        spdlog::warn("shutdown: {} websocket connections still open after {} ms; stopping "
                     "without them",
                     left, grace.count());
    // Sends in flight get the rest of the grace to end and have their outcome stored.
    impl_->sender->stop(std::max(std::chrono::milliseconds(100),
                                 std::chrono::duration_cast<std::chrono::milliseconds>(
                                     deadline - std::chrono::steady_clock::now())));
    impl_->store.close();
    impl_->http_client.stop();
    impl_->work.reset();
    impl_->ioc.stop();
    for (auto& t : impl_->threads) {
        if (t.joinable()) t.join();
    }
    impl_->threads.clear();
    spdlog::info("stopped");
}

config::DaemonConfigPtr Daemon::currentConfig() const {
    std::lock_guard lock(impl_->config_mutex);
    return impl_->config;
}

Metrics& Daemon::metrics() { return impl_->metrics; }

}  // namespace ccd::daemon
