#pragma once
// Typed, immutable configuration of the daemon process, parsed from config/ccd.yaml.
// Parse once (config/daemon_config_parser.hpp), share as std::shared_ptr<const DaemonConfig>.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/ip_network.hpp"
#include "channels/channel_settings.hpp"
#include "config/secret.hpp"

namespace ccd::config {

using Duration = std::chrono::milliseconds;

/// `server.listen`: "host:port" (IPv6 as "[::1]:8080").
struct ListenAddress {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
};

/// `server.limits`: protection against oversized or slow clients.
struct ServerLimits {
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
    Duration read_timeout = std::chrono::seconds(30);  ///< whole request, first byte to last
    Duration idle_timeout = std::chrono::seconds(60);  ///< keep-alive connection with no request
    std::size_t max_connections = 10000;
    /// Connections from one client address; one client cannot take every slot. A trusted
    /// proxy's connections are not counted per address (it carries many clients).
    std::size_t max_connections_per_address = 256;
    /// `server.trusted_proxies`: load balancers and the other ccd nodes (a follower relays to
    /// the leader). A request from one of them is taken to come from the address its
    /// X-Forwarded-For names (the right-most one not trusted): sign-in throttling, audit and
    /// API key address checks see the client. Empty: every peer is the client.
    std::vector<IpNetwork> trusted_proxies;
};

/// `server.tls` / `console.tls`: a listener's certificate and key (config/tls_files.hpp reads
/// and checks them at load time, so what is validated is exactly what the listener uses).
struct TlsConfig {
    std::string cert_file;  ///< absolute: the certificate chain, PEM, leaf first
    std::string key_file;   ///< absolute: its private key, PEM (unencrypted)
    std::string cert_pem;   ///< the chain as read from cert_file
    Secret key_pem;         ///< the key as read from key_file (never logged)
    std::string serial;     ///< the leaf certificate's serial number, hex (for logs)
    std::string not_after;  ///< the leaf's expiry, as OpenSSL prints it (for logs)
    std::string min_version = "1.2";  ///< "1.2" or "1.3"
    /// `Strict-Transport-Security` max-age on HTTP answers (0: no header).
    std::chrono::seconds hsts_max_age{31536000};

    /// Whether the material a listener is built from differs (a renewed certificate).
    bool sameMaterial(const TlsConfig& o) const {
        return cert_pem == o.cert_pem && key_pem.reveal() == o.key_pem.reveal() &&
               min_version == o.min_version;
    }
};

/// `server`: the HTTP listener.
struct ServerConfig {
    ListenAddress listen;
    std::optional<TlsConfig> tls;  ///< none: plain HTTP
    int threads = 2;                                    ///< io_context threads
    ServerLimits limits;
    Duration shutdown_grace = std::chrono::seconds(5);  ///< time to finish in-flight work
};

/// `storage.sqlite`: the embedded default store.
struct SqliteConfig {
    std::string path = "var/ccd.db";  ///< absolute after parsing (relative ones are resolved
                                      ///< against the directory of the config file)
    int max_batch = 512;              ///< most writes grouped into one commit
    Duration busy_timeout = std::chrono::seconds(5);
};

/// `storage.postgres`: the shared store for several nodes (daemon/store/postgres/pg_store.hpp).
struct PostgresConfig {
    Secret dsn;  ///< libpq connection string or URI; a `connect_timeout` in it wins over ours
    /// Reader connections, each with a thread; the pool holds these and the writer's one.
    std::size_t readers = 2;
    std::size_t max_batch = 512;  ///< most writes grouped into one commit
    /// How long one connection attempt may take (libpq counts whole seconds).
    std::chrono::seconds connect_timeout{10};
    /// TCP keepalives after this long idle (then every second, lost after 3 unanswered
    /// probes): bounds how long a vanished server holds a connection. None: the system's.
    std::optional<std::chrono::seconds> keepalive_idle;
};

enum class StorageDriver { Sqlite, Postgres };

/// `storage`: which store, and its settings.
struct StorageConfig {
    StorageDriver driver = StorageDriver::Sqlite;
    SqliteConfig sqlite;
    std::optional<PostgresConfig> postgres;
};

/// `logging`.
struct LoggingConfig {
    std::string level = "info";  ///< trace, debug, info, warn, error, critical, off
};

/// `outbox`: how replies are sent to the channels' providers.
struct OutboxConfig {
    /// Retries of messages the provider did not take yet are read from the store this many
    /// at a time per instance (the rest waits on disk, not in memory).
    std::size_t claim_batch = 1024;
    Duration poll_interval = std::chrono::seconds(1);  ///< look for due retries at least this often
};

/// `console`: the agent console's websocket listener and its page.
struct ConsoleConfig {
    bool enabled = true;
    ListenAddress listen{"127.0.0.1", 8081};  ///< its own listener; port 0 picks a free port
    /// wss: `console.tls`, or else `server.tls` (an https page cannot open a ws:// socket).
    std::optional<TlsConfig> tls;
    /// Origins allowed to open the websocket; empty: the HTTP listener's own origin.
    std::vector<std::string> allowed_origins;
    std::string static_dir;  ///< absolute after parsing; empty: no page is served
    std::size_t max_frame_bytes = 64 * 1024;  ///< larger frames close the connection (1009)
    Duration ping_interval = std::chrono::seconds(20);  ///< idle ping; no pong within it: closed
    Duration grace = std::chrono::seconds(60);  ///< a disconnected agent keeps their work this long
    std::size_t outbox_frames = 1000;           ///< frames kept per agent for resume
    std::size_t max_connections = 10000;        ///< websocket connections in all
    std::size_t max_connections_per_address = 256;  ///< from one client address
    /// Bytes waiting to be sent to one connection; past it (a client that does not read) the
    /// connection is closed with 1008.
    std::size_t max_send_queue_bytes = 16 * 1024 * 1024;
    std::size_t frame_rate = 50;    ///< frames a connection may send per second, on average
    std::size_t frame_burst = 200;  ///< frames a connection may send at once
};

/// `templates`: the reply template catalog (docs/templates.md).
struct TemplatesConfig {
    std::string path;  ///< catalog folder, absolute; empty when ccd.yaml has no `templates`
    std::string default_locale = "en";  ///< when no locale of the fallback chain has templates
};

/// How long one channel instance's messages keep each kind of data; nullopt: for ever (or the
/// default's period, for a channel's own entry).
struct RetentionPeriods {
    std::optional<Duration> message_text;
    std::optional<Duration> attachments;  ///< attachments that are not recordings
    std::optional<Duration> recordings;   ///< voice and audio attachments, call recordings
};

/// `retention` (docs/security.md, "Retention"): what the daily job removes. Texts and
/// attachments of open conversations are never removed.
struct RetentionConfig {
    RetentionPeriods defaults;  ///< `message_text`, `attachments`, `recordings`
    /// `channels.<instance>`: replaces the defaults of the kinds it names.
    std::map<std::string, RetentionPeriods> channels;
    std::optional<Duration> contacts;  ///< contacts without activity for this long are erased
    std::optional<Duration> audit;     ///< audit entries older than this are deleted
    Duration interval = std::chrono::hours(24);  ///< how often the job runs
    std::size_t batch = 500;  ///< rows looked at per commit

    /// Whether anything is ever removed.
    bool any() const {
        auto set = [](const RetentionPeriods& p) {
            return p.message_text || p.attachments || p.recordings;
        };
        if (set(defaults) || contacts || audit) return true;
        for (const auto& [name, p] : channels)
            if (set(p)) return true;
        return false;
    }
};

/// `mfa`: multi-factor authentication of console accounts (docs/security.md).
struct MfaConfig {
    /// Roles ("agent", "supervisor", "admin") that must use MFA: an account of one without MFA
    /// can log in only to enrol. Empty: MFA is each account's choice.
    std::vector<std::string> required_for;
    std::string issuer = "ccd";  ///< the name authenticator apps show beside the account
    /// Where enrolments are kept, absolute. Default `mfa.yaml` in the data directory.
    std::string file;
};

/// `privacy`: who sees personal data masked (docs/security.md "Personal data").
struct PrivacyConfig {
    /// Audiences whose console frames and API answers carry contact fields and message text
    /// masked: "agent", "supervisor", "admin", "api" (API-key clients). Logs are always masked.
    std::vector<std::string> mask_pii_for;

    bool masks(std::string_view audience) const {
        for (const auto& a : mask_pii_for)
            if (a == audience) return true;
        return false;
    }
};

/// `cluster`: how the nodes sharing one PostgreSQL database reach each other (docs/deployment.md,
/// "Nodes on PostgreSQL").
struct ClusterConfig {
    /// The host name or IP address the other nodes use to reach this node's listeners when it
    /// leads (its HTTP port, its console's and its web chat instances' ports). Default: the
    /// listen host when it is not a wildcard (0.0.0.0, ::), else the machine's host name.
    std::string advertise_host;
};

/// The whole of ccd.yaml.
struct DaemonConfig {
    std::string source_path;   ///< absolute path of the file it was parsed from
    std::string routing_path;  ///< `routing:` — routing rules file, absolute; empty when none
    /// `agents:` — agent accounts file, absolute. Default `agents.yaml` beside this file; empty
    /// when the key is absent and there is no such file (nobody can log in).
    std::string agents_path;
    /// `passwords:` — where `ccd agent passwd` keeps password hashes (config/agents_passwords.hpp),
    /// absolute. Default `passwords.yaml` in the data directory: the folder of
    /// `storage.sqlite.path`, with either driver (with PostgreSQL it holds only these run-time
    /// files; each node has its own unless `passwords` and `mfa.file` name a shared place).
    std::string passwords_path;
    MfaConfig mfa;
    ServerConfig server;
    StorageConfig storage;
    LoggingConfig logging;
    /// `channels`: the channel instances, in file order (channels/registry.hpp parses them).
    std::vector<channels::ChannelSettingsPtr> channels;
    OutboxConfig outbox;
    TemplatesConfig templates;
    ConsoleConfig console;
    RetentionConfig retention;
    PrivacyConfig privacy;
    ClusterConfig cluster;
};

using DaemonConfigPtr = std::shared_ptr<const DaemonConfig>;

}  // namespace ccd::config
