#include "config/daemon_config_parser.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "channels/registry.hpp"
#include "config/tls_files.hpp"
#include "config/yaml_reader.hpp"
#include "templates/locale_chain.hpp"

namespace ccd::config {
namespace {

// "host:port", "[v6]:port"; the host must be an IP address ("localhost" means 127.0.0.1).
std::optional<ListenAddress> parseListen(const NodeRef& node) {
    auto s = node.string();
    if (!s) return std::nullopt;
    const char* expected = "expected host:port with an IP address, e.g. 127.0.0.1:8080 or [::1]:8080";
    std::string host, port;
    if (!s->empty() && s->front() == '[') {
        auto close = s->find(']');
        if (close == std::string::npos || close + 1 >= s->size() || (*s)[close + 1] != ':') {
            node.error(expected);
            return std::nullopt;
        }
        host = s->substr(1, close - 1);
        port = s->substr(close + 2);
    } else {
        auto colon = s->rfind(':');
        if (colon == std::string::npos) {
            node.error(expected);
            return std::nullopt;
        }
        host = s->substr(0, colon);
        port = s->substr(colon + 1);
    }
    if (host == "localhost") host = "127.0.0.1";
    unsigned char buf[16];
    bool ip = ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
    char* end = nullptr;
    long p = port.empty() ? -1 : std::strtol(port.c_str(), &end, 10);
    if (!ip || port.empty() || *end != '\0' || p < 0 || p > 65535) {
        node.error(std::string(expected) + " (got \"" + *s + "\")");
        return std::nullopt;
    }
    return ListenAddress{host, static_cast<std::uint16_t>(p)};
}

template <class T, class U>
void assign(T& field, const std::optional<U>& value) {
    if (value) field = static_cast<T>(*value);
}

void positive(const NodeRef& node, std::chrono::milliseconds& field) {
    if (auto d = node.duration()) {
        if (d->count() <= 0) node.error("must be longer than 0");
        else field = *d;
    }
}

// A duration that libpq takes in whole seconds: at least 1s, no fraction of a second.
std::optional<std::chrono::seconds> wholeSeconds(const NodeRef& node) {
    auto d = node.duration();
    if (!d) return std::nullopt;
    if (*d < std::chrono::seconds(1) || d->count() % 1000 != 0) {
        node.error("must be a whole number of seconds, at least 1s");
        return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

void readServer(const NodeRef& n, ServerConfig& out, const std::filesystem::path& base) {
    n.expectMap({"listen", "threads", "shutdown_grace", "limits", "tls", "trusted_proxies"});
    auto proxies = n["trusted_proxies"];
    if (proxies.present() && !proxies.isNull()) {
        if (!proxies.isSequence()) {
            proxies.error("must be a list of addresses or networks (10.0.0.0/8, ::1)");
        } else {
            for (const auto& item : proxies.items()) {
                auto text = item.nonEmptyString();
                if (!text) continue;
                if (auto net = IpNetwork::parse(*text)) out.limits.trusted_proxies.push_back(*net);
                else item.error("'" + *text + "' is not an IP address or network (10.0.0.0/8, ::1)");
            }
        }
    }
    assign(out.listen, parseListen(n["listen"]));
    out.tls = readTls(n["tls"], base);
    assign(out.threads, n["threads"].integer(1, 64));
    positive(n["shutdown_grace"], out.shutdown_grace);
    auto limits = n["limits"];
    limits.expectMap({"max_header_bytes", "max_body_bytes", "read_timeout", "idle_timeout",
                      "max_connections", "max_connections_per_address"});
    auto sized = [](const NodeRef& node, std::size_t& field, std::size_t min, std::size_t max) {
        if (auto v = node.byteSize()) {
            if (*v < min || *v > max)
                node.error("must be between " + std::to_string(min) + " and " +
                           std::to_string(max) + " bytes");
            else field = *v;
        }
    };
    sized(limits["max_header_bytes"], out.limits.max_header_bytes, 1024, 1024 * 1024);
    sized(limits["max_body_bytes"], out.limits.max_body_bytes, 64, std::size_t(1) << 30);
    positive(limits["read_timeout"], out.limits.read_timeout);
    positive(limits["idle_timeout"], out.limits.idle_timeout);
    assign(out.limits.max_connections, limits["max_connections"].integer(1, 1000000));
    assign(out.limits.max_connections_per_address,
           limits["max_connections_per_address"].integer(1, 1000000));
}

void readStorage(const NodeRef& n, StorageConfig& out, const std::filesystem::path& base) {
    n.expectMap({"driver", "sqlite", "postgres"});
    assign(out.driver, n["driver"].oneOf<StorageDriver>(
                           {{"sqlite", StorageDriver::Sqlite}, {"postgres", StorageDriver::Postgres}}));
    auto sqlite = n["sqlite"];
    sqlite.expectMap({"path", "max_batch", "busy_timeout"});
    if (auto p = sqlite["path"].nonEmptyString()) out.sqlite.path = *p;
    assign(out.sqlite.max_batch, sqlite["max_batch"].integer(1, 100000));
    positive(sqlite["busy_timeout"], out.sqlite.busy_timeout);
    std::filesystem::path db(out.sqlite.path);
    if (db.is_relative()) db = base / db;
    out.sqlite.path = db.lexically_normal().string();

    auto pg = n["postgres"];
    pg.expectMap({"dsn", "readers", "max_batch", "connect_timeout", "keepalive_idle"});
    if (pg.present() && !pg.isNull()) {
        PostgresConfig cfg;
        if (pg["dsn"].require()) {
            if (auto dsn = pg["dsn"].secret()) cfg.dsn = *dsn;
        }
        assign(cfg.readers, pg["readers"].integer(1, 64));
        assign(cfg.max_batch, pg["max_batch"].integer(1, 100000));
        if (auto s = wholeSeconds(pg["connect_timeout"])) cfg.connect_timeout = *s;
        if (auto s = wholeSeconds(pg["keepalive_idle"])) cfg.keepalive_idle = *s;
        out.postgres = cfg;
    }
    if (out.driver == StorageDriver::Postgres && !out.postgres)
        n["driver"].error("driver postgres needs storage.postgres.dsn (the database to use)");
}

// `cluster`: a host name (RFC 1123 labels) or an IP address, without scheme or port.
void readCluster(const NodeRef& n, ClusterConfig& out) {
    if (!n.present() || !n.expectMap({"advertise_host"})) return;
    auto node = n["advertise_host"];
    auto host = node.nonEmptyString();
    if (!host) return;
    unsigned char buf[16];
    bool ip = ::inet_pton(AF_INET, host->c_str(), buf) == 1 ||
              ::inet_pton(AF_INET6, host->c_str(), buf) == 1;
    bool name = host->size() <= 253 && host->front() != '.' && host->front() != '-' &&
                host->back() != '-' &&
                std::all_of(host->begin(), host->end(), [](unsigned char c) {
                    return std::isalnum(c) || c == '-' || c == '.';
                });
    if (!ip && !name) {
        node.error("expected the host name or IP address the other nodes reach this node at, "
                   "without scheme or port (got \"" + *host + "\")");
        return;
    }
    out.advertise_host = *host;
}

// The listen host when the other nodes can use it, else the machine's host name.
std::string defaultAdvertiseHost(const DaemonConfig& cfg) {
    const auto& listen = cfg.server.listen.host;
    if (listen != "0.0.0.0" && listen != "::" && !listen.empty()) return listen;
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') return name;
    return "localhost";
}

void readConsole(const NodeRef& n, ConsoleConfig& out, const std::filesystem::path& base,
                 const std::optional<TlsConfig>& server_tls) {
    std::string dir = "../console/www";  // the shipped layout: config/ beside console/www/
    out.tls = server_tls;
    if (n.present() && !n.isNull() &&
        n.expectMap({"enabled", "listen", "allowed_origins", "static_dir", "max_frame_bytes",
                     "ping_interval", "grace", "outbox_frames", "max_connections",
                     "max_connections_per_address", "max_send_queue_bytes", "frame_rate",
                     "frame_burst", "tls"})) {
        assign(out.enabled, n["enabled"].boolean());
        assign(out.listen, parseListen(n["listen"]));
        if (n["tls"].present() && !n["tls"].isNull()) out.tls = readTls(n["tls"], base);
        if (auto origins = n["allowed_origins"].stringList()) out.allowed_origins = *origins;
        if (auto d = n["static_dir"].nonEmptyString()) dir = *d;
        if (auto v = n["max_frame_bytes"].byteSize()) {
            if (*v < 1024 || *v > 16 * 1024 * 1024)
                n["max_frame_bytes"].error("must be between 1024 and 16777216 bytes");
            else out.max_frame_bytes = *v;
        }
        positive(n["ping_interval"], out.ping_interval);
        positive(n["grace"], out.grace);
        assign(out.outbox_frames, n["outbox_frames"].integer(16, 1000000));
        assign(out.max_connections, n["max_connections"].integer(1, 1000000));
        assign(out.max_connections_per_address,
               n["max_connections_per_address"].integer(1, 1000000));
        if (auto v = n["max_send_queue_bytes"].byteSize()) {
            if (*v < 64 * 1024 || *v > (std::size_t(1) << 30))
                n["max_send_queue_bytes"].error("must be between 65536 and 1073741824 bytes");
            else out.max_send_queue_bytes = *v;
        }
        assign(out.frame_rate, n["frame_rate"].integer(1, 100000));
        assign(out.frame_burst, n["frame_burst"].integer(1, 100000));
    }
    std::filesystem::path p(dir);
    if (p.is_relative()) p = base / p;
    out.static_dir = p.lexically_normal().string();
}

void readTemplates(const NodeRef& n, TemplatesConfig& out, const std::filesystem::path& base) {
    if (!n.present() || n.isNull() || !n.expectMap({"path", "default_locale"})) return;
    if (n["path"].require()) {
        if (auto p = n["path"].nonEmptyString()) {
            std::filesystem::path dir(*p);
            if (dir.is_relative()) dir = base / dir;
            out.path = dir.lexically_normal().string();
        }
    }
    if (auto locale = n["default_locale"].nonEmptyString()) {
        auto tag = templates::parseLanguageTag(*locale);
        if (!tag || !templates::isKnownLanguage(tag->language))
            n["default_locale"].error("expected a language tag such as en or zh-Hans (got \"" +
                                      *locale + "\")");
        else out.default_locale = tag->str();
    }
}

// One kind's period: at least a minute (a shorter one is a typo that would erase everything).
void readPeriod(const NodeRef& node, std::optional<Duration>& field) {
    if (auto d = node.duration()) {
        if (*d < std::chrono::minutes(1)) node.error("a retention period is at least 1m");
        else field = *d;
    }
}

void readPeriods(const NodeRef& n, RetentionPeriods& out) {
    readPeriod(n["message_text"], out.message_text);
    readPeriod(n["attachments"], out.attachments);
    readPeriod(n["recordings"], out.recordings);
}

void readRetention(const NodeRef& n, RetentionConfig& out,
                   const std::vector<channels::ChannelSettingsPtr>& instances) {
    if (!n.present() || n.isNull() ||
        !n.expectMap({"message_text", "attachments", "recordings", "contacts", "audit",
                      "channels", "interval", "batch"}))
        return;
    readPeriods(n, out.defaults);
    readPeriod(n["contacts"], out.contacts);
    readPeriod(n["audit"], out.audit);
    positive(n["interval"], out.interval);
    assign(out.batch, n["batch"].integer(10, 100000));
    auto channels = n["channels"];
    if (!channels.present() || channels.isNull() || !channels.expectNamedEntries()) return;
    for (const auto& [name, entry] : channels.entries()) {
        bool known = false;
        for (const auto& c : instances) known = known || c->name == name;
        if (!known) {
            entry.error("no channel instance named \"" + name + "\" in `channels`");
            continue;
        }
        if (!entry.expectMap({"message_text", "attachments", "recordings"})) continue;
        readPeriods(entry, out.channels[name]);
    }
}

void readMfa(const NodeRef& n, MfaConfig& out, const std::filesystem::path& base) {
    if (!n.present() || n.isNull() || !n.expectMap({"required_for", "issuer", "file"})) return;
    auto roles = n["required_for"];
    if (auto list = roles.stringList()) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            const auto& role = (*list)[i];
            if (role != "agent" && role != "supervisor" && role != "admin")
                roles[i].error("expected one of: agent, supervisor, admin (got \"" + role + "\")");
            else if (std::find(out.required_for.begin(), out.required_for.end(), role) ==
                     out.required_for.end())
                out.required_for.push_back(role);
        }
    }
    if (auto issuer = n["issuer"].nonEmptyString()) {
        if (issuer->size() > 64 || issuer->find(':') != std::string::npos)
            n["issuer"].error("must be at most 64 bytes, without ':'");
        else out.issuer = *issuer;
    }
    if (auto file = n["file"].nonEmptyString()) {
        std::filesystem::path p(*file);
        if (p.is_relative()) p = base / p;
        out.file = p.lexically_normal().string();
    }
}

}  // namespace

DaemonConfigPtr parseDaemonConfig(const std::string& text, const std::string& file,
                                  const EnvLookup& env) {
    YamlDocument doc(file, text, env);
    auto cfg = std::make_shared<DaemonConfig>();
    std::error_code ec;
    auto absolute = std::filesystem::absolute(file, ec);
    cfg->source_path = ec ? file : absolute.lexically_normal().string();
    auto base = std::filesystem::path(cfg->source_path).parent_path();

    NodeRef root = doc.root();
    if (root.present() &&
        root.expectMap({"server", "storage", "logging", "channels", "outbox", "routing",
                        "console", "agents", "passwords", "templates", "mfa", "privacy",
                        "retention", "cluster"})) {
        if (auto routing = root["routing"].nonEmptyString()) {
            std::filesystem::path p(*routing);
            if (p.is_relative()) p = base / p;
            cfg->routing_path = p.lexically_normal().string();
        }
        if (auto agents = root["agents"].nonEmptyString()) {
            std::filesystem::path p(*agents);
            if (p.is_relative()) p = base / p;
            cfg->agents_path = p.lexically_normal().string();
        }
        if (auto passwords = root["passwords"].nonEmptyString()) {
            std::filesystem::path p(*passwords);
            if (p.is_relative()) p = base / p;
            cfg->passwords_path = p.lexically_normal().string();
        }
        readServer(root["server"], cfg->server, base);
        readStorage(root["storage"], cfg->storage, base);
        readTemplates(root["templates"], cfg->templates, base);

        auto logging = root["logging"];
        logging.expectMap({"level"});
        assign(cfg->logging.level,
               logging["level"].oneOf<std::string>({{"trace", "trace"},
                                                    {"debug", "debug"},
                                                    {"info", "info"},
                                                    {"warn", "warn"},
                                                    {"error", "error"},
                                                    {"critical", "critical"},
                                                    {"off", "off"}}));

        cfg->channels = channels::parseChannels(root["channels"]);
        auto outbox = root["outbox"];
        outbox.expectMap({"claim_batch", "poll_interval"});
        assign(cfg->outbox.claim_batch, outbox["claim_batch"].integer(1, 100000));
        positive(outbox["poll_interval"], cfg->outbox.poll_interval);
        readConsole(root["console"], cfg->console, base, cfg->server.tls);
        readMfa(root["mfa"], cfg->mfa, base);
        auto privacy = root["privacy"];
        if (privacy.expectMap({"mask_pii_for"}) && privacy["mask_pii_for"].expectSequence()) {
            for (const auto& item : privacy["mask_pii_for"].items()) {
                if (auto who = item.oneOf<std::string>({{"agent", "agent"},
                                                        {"supervisor", "supervisor"},
                                                        {"admin", "admin"},
                                                        {"api", "api"}}))
                    cfg->privacy.mask_pii_for.push_back(*who);
            }
        }
        readRetention(root["retention"], cfg->retention, cfg->channels);
        readCluster(root["cluster"], cfg->cluster);
    } else if (!root.present() && doc.ok()) {
        // An empty file is a valid configuration: every default applies.
        readStorage(root["storage"], cfg->storage, base);
        cfg->channels = channels::parseChannels(root["channels"]);
    }
    if (cfg->cluster.advertise_host.empty()) cfg->cluster.advertise_host = defaultAdvertiseHost(*cfg);
    if (cfg->agents_path.empty() && !root["agents"].present()) {
        auto beside = (base / "agents.yaml").lexically_normal();
        if (std::filesystem::is_regular_file(beside, ec)) cfg->agents_path = beside.string();
    }
    if (cfg->passwords_path.empty()) {
        // Run-time state goes into the data directory (the SQLite database's folder, also
        // when the store is PostgreSQL), never into the configuration's folder.
        auto data_dir = std::filesystem::path(cfg->storage.sqlite.path).parent_path();
        cfg->passwords_path = (data_dir / "passwords.yaml").lexically_normal().string();
    }
    if (cfg->mfa.file.empty()) {
        auto data_dir = std::filesystem::path(cfg->storage.sqlite.path).parent_path();
        cfg->mfa.file = (data_dir / "mfa.yaml").lexically_normal().string();
    }
    doc.throwIfIssues();
    return cfg;
}

DaemonConfigPtr loadDaemonConfig(const std::string& path, const EnvLookup& env) {
    return parseDaemonConfig(readConfigFile(path), path, env);
}

}  // namespace ccd::config
