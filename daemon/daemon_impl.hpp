#pragma once
// What a running ccd is made of: the store, the engine, the channels, the HTTP server and its
// routes, the console and the web chat. daemon_impl.cpp wires them at construction and holds
// the services they call on each other; daemon.cpp starts, runs, reloads and stops them.

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "channels/registry.hpp"
#include "daemon/api_keys.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/cluster/leader_address.hpp"
#include "daemon/cluster/leader_relay.hpp"
#include "daemon/cases/case_service.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/console/console_server.hpp"
#include "daemon/daemon.hpp"
#include "daemon/engine_host.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/http/router.hpp"
#include "daemon/intake.hpp"
#include "daemon/mail/mailbox_poller.hpp"
#include "daemon/metrics.hpp"
#include "daemon/outbox/http_client.hpp"
#include "daemon/outbox/outbox_sender.hpp"
#include "daemon/reports/report_routes.hpp"
#include "daemon/retention_job.hpp"
#include "daemon/store_factory.hpp"
#include "daemon/tls_context.hpp"
#include "daemon/webchat/webchat_server.hpp"
#include "daemon/leader_link.hpp"
#include "templates/catalog.hpp"

namespace ccd::daemon {

namespace asio = boost::asio;

struct Daemon::Impl {
    Impl(config::ConfigBundle bundle, NodeRole role);

    // The agents file that `cfg` names (none: no accounts). Throws ConfigError.
    static config::AgentsConfigPtr loadAgents(const config::DaemonConfig& cfg);
    // Who must use MFA, from `mfa.required_for`.
    static console::MfaPolicy mfaPolicy(const config::MfaConfig& cfg);

    // The HTTP API's routes (at construction).
    void addRoutes(const routing::RoutingConfigPtr& routing);
    // Web chat instances and the console (at construction).
    void addCustomerSockets();
    // A follower's listeners for the console and web chat instances, relayed to the leader's.
    void addSocketRelays();
    // The leader's address as last read, unless it is this node's own; null: none.
    std::shared_ptr<const cluster::LeaderAddress> leaderAddress() const;
    // Descriptors a follower's relayed websockets may use: two each (client's and leader's).
    std::size_t relayDescriptors() const;
    // The leader's: writes where the other nodes reach it (after its listeners are bound).
    void publishLeaderAddress();

    // privacy.mask_pii_for, as the configuration in force says (a reload applies at once).
    bool masksPii(std::string_view audience) const;
    // The agent's SIP address from agents.yaml, for a call routed to them.
    std::string sipOf(const std::string& agent) const;
    channels::ChannelSetPtr currentChannels() const;
    std::shared_ptr<const templates::Catalog> currentCatalog() const;
    config::ServerLimits limits() const;
    // Delivery states the sender or a provider's report stored: to the engine.
    void delivered(std::vector<store::DeliveryChange> changes);
    // What the conversation's channel allows a reply to be, before the console stores it.
    std::optional<console::ReplyRefusal> checkReply(const routing::ConversationSnapshot& c,
                                                    const std::string& text,
                                                    bool window_template) const;
    // An agent types: shown to the customer, at most every few seconds per conversation.
    void relayTyping(std::int64_t conversation);
    // The catalog in force and the business calendar's time zone, for emails to chat customers.
    void emailTemplates(std::function<void(webchat::EmailTemplates)> use) const;
    // A canned response chosen by an agent: the template as text, with the agent's values.
    console::RenderedReply renderCanned(const std::string& id,
                                        const std::map<std::string, std::string>& vars,
                                        const std::string& language) const;
    // POST /v1/admin/reload: the same as SIGHUP, answered with what happened.
    void adminReload(http::Responder r, const AuditActor& who);

    mutable std::mutex config_mutex;
    std::mutex reload_mutex;
    config::DaemonConfigPtr config;
    std::shared_ptr<const templates::Catalog> catalog;  // null without `templates:`
    std::string corpus_path;  // under config_mutex: the classifier's corpus file, or ""
    Daemon* owner = nullptr;
    std::function<config::ConfigBundle()> loader;  // throws ConfigError
    Metrics metrics;
    OpenedStore opened;  // storage.driver's store
    store::Store& store;
    store::CaseStore& case_store;
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
    NodeRole role;
    std::unique_ptr<LeaderForwarder> forwarder;  // a follower's link to the leader
    std::unique_ptr<LeaderInbox> inbox;          // the leader's, with an engine
    std::unique_ptr<EngineHost> engine;          // null without a routing file, or a follower
    std::unique_ptr<cases::CaseService> cases;  // null without an engine
    std::unique_ptr<outbox::OutboxSender> sender;
    std::unique_ptr<Intake> intake;
    std::unique_ptr<MailboxPoller> mailboxes;
    std::unique_ptr<console::ConsoleRuntime> console_rt;  // null without an engine or disabled
    std::shared_ptr<RetentionJob> retention;  // null on a follower (the leader prunes)
    std::shared_ptr<reports::ReportRunner> reports;  // null with the PostgreSQL store
    std::unique_ptr<webchat::WebchatRuntime> webchat_rt;
    // A follower's websocket listeners relayed to the leader, and where the leader is (after
    // the relays: its thread closes their connections when the leader changes).
    std::vector<std::pair<config::ListenAddress, std::unique_ptr<cluster::TcpRelay>>> socket_relays;
    std::unique_ptr<cluster::LeaderDirectory> leader_directory;
    std::vector<std::thread> threads;
    std::unique_ptr<asio::signal_set> signals;  // from catchSignals() on

    std::mutex stop_mutex;
    std::condition_variable stop_cv;
    bool stop_requested = false;
    std::atomic<bool> stop_signalled{false};  // SIGTERM or SIGINT came
    bool stopped = false;
};

}  // namespace ccd::daemon
