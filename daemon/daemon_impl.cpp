#include "daemon/daemon_impl.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "channels/reply_policy.hpp"
#include "channels/webchat/webchat_channel.hpp"
#include "config/agents_config_parser.hpp"
#include "config/agents_passwords.hpp"
#include "config/config_error.hpp"
#include "config/model_file_store.hpp"
#include "daemon/api_routes.hpp"
#include "daemon/audit_routes.hpp"
#include "daemon/call_decision.hpp"
#include "daemon/cases/case_routes.hpp"
#include "daemon/channel_routes.hpp"
#include "daemon/console/auth_routes.hpp"
#include "daemon/console/http_auth.hpp"
#include "daemon/console/mfa.hpp"
#include "daemon/contact_routes.hpp"
#include "daemon/intake_routing.hpp"
#include "daemon/pg_connect_options.hpp"
#include "daemon/template_routes.hpp"
#include "routing/engine.hpp"

namespace ccd::daemon {

namespace {

// `path` relative to the working directory when it lies below it, as a person would type it.
std::string asTyped(const std::filesystem::path& path) {
    std::error_code ec;
    auto rel = path.lexically_relative(std::filesystem::current_path(ec));
    if (ec || rel.empty() || *rel.begin() == "..") return path.string();
    return rel.string();
}

// The start-up line of the classifier: trained (and kept in the model cache), loaded from the
// cache, or reused from an engine of this process; and how long the engine took to build.
void logClassifier(std::chrono::steady_clock::time_point started, std::size_t trained_before,
                   std::size_t restored_before) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    config::FileModelStore::Activity cache;
    if (auto store = config::installedModelFileStore()) cache = store->takeActivity();
    if (routing::classifiersRestored() > restored_before && cache.loaded) {
        spdlog::info("classifier: loaded from {} in {} ms", cache.loaded->string(), ms);
    } else if (routing::classifiersTrained() > trained_before) {
        if (cache.written) {
            spdlog::info(
                "classifier: trained in {} ms and written to {} ({} ms of it; the next "
                "start loads it)",
                ms, cache.written->string(), cache.write_time.count());
        } else {
            spdlog::info("classifier: trained in {} ms (not kept for the next start)", ms);
        }
    } else {
        spdlog::info("classifier: the one this process trained before, in {} ms", ms);
    }
}

}  // namespace

// The agents file that `cfg` names (none: no accounts). Throws ConfigError (start-up path).
config::AgentsConfigPtr Daemon::Impl::loadAgents(const config::DaemonConfig& cfg) {
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
console::MfaPolicy Daemon::Impl::mfaPolicy(const config::MfaConfig& cfg) {
    console::MfaPolicy policy;
    for (const auto& name : cfg.required_for)
        if (auto role = console::roleFromString(name)) policy.required_for.push_back(*role);
    return policy;
}

Daemon::Impl::Impl(config::ConfigBundle bundle, NodeRole node_role)
    : config(std::move(bundle.daemon)),
      catalog(std::move(bundle.catalog)),
      opened(openStore(config->storage, &metrics)),
      store(*opened.store),
      case_store(*opened.cases),
      auth(loadAgents(*config)),
      work(asio::make_work_guard(ioc)),
      router(&metrics),
      http_tls(config->server.tls ? std::make_shared<TlsContextSource>("http", *config->server.tls)
                                  : nullptr),
      server(
          ioc, router, metrics, [this] { return limits(); }, http_tls),
      role(node_role) {
    auth.setMfa(std::make_shared<console::MfaService>(config->mfa.file, config->mfa.issuer),
                mfaPolicy(config->mfa));
    // Agents' sessions outlive this process: those of the last one (on PostgreSQL, of the node
    // this one takes over from) are valid here at once.
    auth.useSessionStore(opened.sessions, std::chrono::system_clock::now());
    if (!config->mfa.required_for.empty())
        spdlog::info("mfa: required for {} (enrolments in {})",
                     fmt::join(config->mfa.required_for, ", "), config->mfa.file);
    if (bundle.routing) corpus_path = bundle.routing->classification.corpus_path;
    if (role == NodeRole::Follower) {
        forwarder = std::make_unique<LeaderForwarder>(pgConnectOptions(config->storage));
        bundle.routing = nullptr;  // the leader routes
        // A new leader: relayed websockets are closed, and their clients reconnect to it.
        leader_directory = std::make_unique<cluster::LeaderDirectory>(
            pgConnectOptions(config->storage), [this] {
                for (auto& [listen, relay] : socket_relays) relay->closeAll();
            });
    }
    if (bundle.routing) {
        const auto started = std::chrono::steady_clock::now();
        const std::size_t trained = routing::classifiersTrained();
        const std::size_t restored = routing::classifiersRestored();
        engine = std::make_unique<EngineHost>(ioc, store, metrics, bundle.routing,
                                              [this] { return currentCatalog(); });
        logClassifier(started, trained, restored);
        // An accepted call-back calls the customer from the agent's phone.
        engine->setSipDirectory([this](const std::string& agent) { return sipOf(agent); });
        if (role == NodeRole::Leader)
            inbox = std::make_unique<LeaderInbox>(
                pgConnectOptions(config->storage),
                [this](std::vector<store::UnroutedMessage> m) { engine->replay(std::move(m)); },
                [this](std::vector<store::DeliveryChange> d) { delivered(std::move(d)); });
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
    if (forwarder)  // stored: the leader routes it; the provider's answer does not wait
        route = [f = forwarder.get()](const store::IngestResult& stored,
                                      const routing::InboundMessage&, Intake::CallDone done) {
            f->messages({stored.message_id});
            done(std::nullopt);
        };
    if (engine)
        route = messageRouter(
            *engine, [this] { return currentCatalog(); },
            [this](const std::string& agent) { return sipOf(agent); });
    Intake::RouteCall route_call;
    if (engine)
        route_call = callStepRouter(
            *engine, [this] { return currentCatalog(); },
            [this](const std::string& agent) { return sipOf(agent); });
    intake = std::make_unique<Intake>(
        store, metrics, &api_keys, std::move(route),
        [this](std::vector<store::DeliveryChange> changes) { delivered(std::move(changes)); },
        std::move(route_call));
    // Email instances take their mail from IMAP: their polls go through the same intake.
    mailboxes = std::make_unique<MailboxPoller>(ioc, store, metrics, http_client, *intake,
                                                [this] { return currentChannels(); });
    addRoutes(bundle.routing);
    if (role != NodeRole::Follower) addCustomerSockets();  // websockets: on the leader
    else addSocketRelays();                                // relayed to it
}

// The HTTP API: messages, channels' webhooks, templates, contacts, cases, audit, retention,
// reload, logins and reports.
void Daemon::Impl::addRoutes(const routing::RoutingConfigPtr& routing) {
    RouteServices services{store, metrics, &auth, {}};
    services.audit = &audit;
    services.channel_health = [this] {
        std::vector<ComponentHealth> out;
        for (auto& h : mailboxes->health())
            out.push_back(
                {h.instance, h.up,
                 h.up ? std::string()
                      : (h.last_error.empty() ? std::string("not polled yet") : h.last_error)});
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
    if (role != NodeRole::Alone) services.node_role = role == NodeRole::Leader ? "leader" : "follower";
    addApiRoutes(router, std::move(services));
    addChannelRoutes(
        router,
        ChannelRouteServices{*intake, [this] { return currentChannels(); }, store, &api_keys, &auth,
                             &audit, [this](std::string_view who) { return masksPii(who); }});
    if (role == NodeRole::Follower) {
        // Webhooks and API messages here; what signs in or needs the engine is relayed to the
        // leader (its sessions are the ones in force: this node's copy is from its start).
        router.setRelay(cluster::httpRelay(
                            http_client, [this] { return leaderAddress(); },
                            [d = leader_directory.get()] { d->refresh(); }),
                        cluster::servedByFollower);
        return;
    }
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
    addContactRoutes(router, store, signed_in, &audit, [this](const http::RoutedRequest& req) {
        auto who = console::authenticate(req, auth);
        return who && masksPii(console::toString(who.principal->role));
    });
    if (engine) {  // service cases (docs/cases.md): any signed-in account
        cases = std::make_unique<cases::CaseService>(cases::CaseService::Deps{
            ioc, store, case_store, *engine, routing,
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
    router.add("POST", "/v1/admin/reload", [this](http::RoutedRequest&& req, http::Responder r) {
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
    reports = reports::addReportRoutes(
        router, {config->storage, &auth,
                 [this](std::function<void(std::optional<routing::BusinessCalendar>)> a) {
                     if (!engine) return a(std::nullopt);
                     engine->query([a = std::move(a)](const routing::Engine& en) {
                         const auto& cfg = en.config();
                         auto it = cfg.calendars.find(cfg.defaults.calendar);
                         if (it == cfg.calendars.end()) return a(std::nullopt);
                         a(it->second);
                     });
                 }});
}

// The customers' and agents' websockets: web chat instances and the console.
void Daemon::Impl::addCustomerSockets() {
    // Web chat instances: their customers' websockets (docs/webchat-protocol.md).
    // The widget's files: the folder `chat` beside the console's (console/chat/).
    std::string chat_dir;
    if (!config->console.static_dir.empty()) {
        std::filesystem::path www(config->console.static_dir);
        if (!www.has_filename()) www = www.parent_path();  // "console/www/"
        chat_dir = (www.parent_path() / "chat").string();
    }
    webchat_rt = webchat::addWebchat(
        *channel_set,
        {ioc, store, *intake, engine.get(), [this] { return currentChannels(); }, router, chat_dir,
         [this](const std::string& agent, std::int64_t conversation) {
             if (console_rt) console_rt->hub().customerTyping(agent, conversation);
         },
         [this](std::function<void(webchat::EmailTemplates)> use) {
             emailTemplates(std::move(use));
         },
         config->server.limits.trusted_proxies});
    if (engine)  // the console's websocket, hub and page (docs/console-protocol.md)
        console_rt = console::addConsoleServer(
            *config,
            {ioc, router, store, *engine, auth,
             [this](std::int64_t, const std::string& id,
                    const std::map<std::string, std::string>& vars,
                    const std::string& language) { return renderCanned(id, vars, language); },
             [this] { return server.port(); },
             [this](const routing::ConversationSnapshot& c, const std::string& text,
                    bool window_template) { return checkReply(c, text, window_template); },
             [this](std::int64_t conversation) { relayTyping(conversation); }, &audit,
             [this](std::string_view who) { return masksPii(who); }, &metrics.steps});
}

// A follower's console and web chat listeners: each relays its connections to the leader's
// matching port, with the limits of the listener it stands for.
void Daemon::Impl::addSocketRelays() {
    auto* directory = leader_directory.get();
    auto refresh = [directory] { directory->refresh(); };
    if (config->console.enabled) {
        socket_relays.emplace_back(
            config->console.listen,
            std::make_unique<cluster::TcpRelay>(
                ioc, "console",
                [this]() -> std::optional<cluster::TcpRelay::Endpoint> {
                    auto leader = leaderAddress();
                    if (!leader || leader->console_port == 0) return std::nullopt;
                    return cluster::TcpRelay::Endpoint{leader->host, leader->console_port};
                },
                cluster::TcpRelay::Limits{config->console.max_connections,
                                          config->console.max_connections_per_address},
                refresh));
    }
    for (const auto& inst : channel_set->all()) {
        if (inst->type() != "webchat") continue;
        const auto& settings =
            static_cast<const channels::webchat::WebchatSettings&>(*inst->settings);
        socket_relays.emplace_back(
            config::ListenAddress{settings.host, settings.port},
            std::make_unique<cluster::TcpRelay>(
                ioc, "webchat " + inst->name(),
                [this, name = inst->name()]() -> std::optional<cluster::TcpRelay::Endpoint> {
                    auto leader = leaderAddress();
                    if (!leader) return std::nullopt;
                    auto it = leader->webchat.find(name);
                    if (it == leader->webchat.end() || it->second == 0) return std::nullopt;
                    return cluster::TcpRelay::Endpoint{leader->host, it->second};
                },
                cluster::TcpRelay::Limits{settings.max_connections,
                                          settings.max_connections_per_address},
                refresh));
    }
}

// The leader's address as last read, unless it is this node's own (a row written when this node
// led, before the new leader writes its own): relaying to itself would loop.
std::shared_ptr<const cluster::LeaderAddress> Daemon::Impl::leaderAddress() const {
    auto leader = leader_directory ? leader_directory->current() : nullptr;
    if (!leader) return nullptr;
    std::string self;
    {
        std::lock_guard lock(config_mutex);
        self = config->cluster.advertise_host;
    }
    if (leader->host == self && leader->http_port == server.port()) return nullptr;
    return leader;
}

std::size_t Daemon::Impl::relayDescriptors() const {
    if (socket_relays.empty()) return 0;
    std::size_t n = config->console.enabled ? config->console.max_connections : 0;
    for (const auto& inst : channel_set->all())
        if (inst->type() == "webchat")
            n += static_cast<const channels::webchat::WebchatSettings&>(*inst->settings)
                     .max_connections;
    return 2 * n;
}

// Where the other nodes reach this leader: written once its listeners are bound. A failure is
// logged: followers then answer 503 not_leader for what they relay until a leader writes it.
void Daemon::Impl::publishLeaderAddress() {
    cluster::LeaderAddress a;
    a.host = config->cluster.advertise_host;
    a.http_port = server.port();
    a.http_tls = config->server.tls.has_value();
    if (console_rt) a.console_port = console_rt->port();
    if (webchat_rt)
        for (const auto& inst : channel_set->all())
            if (inst->type() == "webchat") a.webchat[inst->name()] = webchat_rt->port(inst->name());
    try {
        cluster::publishLeaderAddress(pgConnectOptions(config->storage), a);
        spdlog::info("leader address: {} (console port {}) written for the other nodes",
                     a.httpBase(), a.console_port);
    } catch (const std::exception& e) {
        spdlog::error("leader address: cannot write it: {}; followers cannot relay to this node",
                      e.what());
    }
}

// privacy.mask_pii_for, as the configuration in force says (a reload applies at once).
bool Daemon::Impl::masksPii(std::string_view audience) const {
    std::lock_guard lock(config_mutex);
    return config->privacy.masks(audience);
}

// The agent's SIP address from agents.yaml, for a call routed to them.
std::string Daemon::Impl::sipOf(const std::string& agent) const {
    auto accounts = auth.accounts();
    const auto* a = accounts ? accounts->find(agent) : nullptr;
    return a ? a->sip : std::string();
}

channels::ChannelSetPtr Daemon::Impl::currentChannels() const {
    std::lock_guard lock(config_mutex);
    return channel_set;
}

// Delivery states the sender or a provider's report stored: to the engine (the console
// shows them; a failure goes to supervisors).
void Daemon::Impl::delivered(std::vector<store::DeliveryChange> changes) {
    if (forwarder) return forwarder->deliveries(std::move(changes));
    if (!engine) return;
    for (auto& c : changes) {
        engine->submit(routing::DeliveryUpdated{c.conversation_id, c.message_id, c.state,
                                                std::move(c.reason), std::move(c.author)});
    }
}

// What the conversation's channel allows a reply to be, before the console stores it.
std::optional<console::ReplyRefusal> Daemon::Impl::checkReply(
    const routing::ConversationSnapshot& c, const std::string& text, bool window_template) const {
    auto set = currentChannels();
    auto name =
        c.channel_instance.empty() ? std::string(routing::toString(c.channel)) : c.channel_instance;
    auto inst = set ? set->find(name) : nullptr;
    if (!inst) return std::nullopt;  // stored; the outbox waits for the instance to return
    auto refusal = channels::checkReply(*inst->outbound, inst->type(), inst->name(), text,
                                        window_template, c.last_inbound_at, routing::Clock::now());
    if (!refusal) return std::nullopt;
    return console::ReplyRefusal{refusal->code, refusal->reason};
}

// An agent types: shown to the customer, at most every few seconds per conversation.
void Daemon::Impl::relayTyping(std::int64_t conversation) {
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
void Daemon::Impl::emailTemplates(std::function<void(webchat::EmailTemplates)> use) const {
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
console::RenderedReply Daemon::Impl::renderCanned(const std::string& id,
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

std::shared_ptr<const templates::Catalog> Daemon::Impl::currentCatalog() const {
    std::lock_guard lock(config_mutex);
    return catalog;
}

// POST /v1/admin/reload: the same as SIGHUP, answered with what happened.
void Daemon::Impl::adminReload(http::Responder r, const AuditActor& who) {
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
                            {"reason",
                             "the new configuration is invalid; the previous one "
                             "keeps serving"},
                            {"issues", std::move(issues)}};
        r.send(channels::WebResponse::json(422, body.dump()));
    }
}

config::ServerLimits Daemon::Impl::limits() const {
    std::lock_guard lock(config_mutex);
    return config->server.limits;
}

}  // namespace ccd::daemon
