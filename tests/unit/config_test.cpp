#include "config/daemon_config_parser.hpp"

#define BOOST_TEST_MODULE config_test
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <sstream>

#include "config/yaml_reader.hpp"
#include "tests/support/config_issues.hpp"

using namespace ccd::config;

namespace {

EnvLookup fakeEnv(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::vector<ConfigIssue> issuesOf(const std::string& yaml, const EnvLookup& env = fakeEnv({})) {
    try {
        parseDaemonConfig(yaml, "/etc/ccd/ccd.yaml", env);
    } catch (const ConfigError& e) {
        return e.issues();
    }
    return {};
}

// Expects exactly one issue, at this position and path, whose message contains `words`.
void expectIssue(const std::string& yaml, int line, int column, const std::string& path,
                 const std::string& words) {
    ccd::testing::expectOneIssue(issuesOf(yaml), yaml, line, column, path, words);
}

}  // namespace

BOOST_AUTO_TEST_CASE(shipped_config_parses_with_its_documented_defaults) {
    auto cfg = loadDaemonConfig(CCD_SOURCE_DIR "/config/ccd.yaml");
    BOOST_TEST(cfg->server.listen.host == "127.0.0.1");
    BOOST_TEST(cfg->server.listen.port == 8080);
    BOOST_TEST(cfg->server.limits.max_body_bytes == 1024u * 1024u);
    BOOST_TEST(cfg->server.limits.max_header_bytes == 16u * 1024u);
    BOOST_TEST((cfg->storage.driver == StorageDriver::Sqlite));
    // ../var/ccd.db relative to config/ is <repo>/var/ccd.db, whatever the working directory.
    BOOST_TEST(cfg->storage.sqlite.path ==
               (std::filesystem::path(CCD_SOURCE_DIR) / "var/ccd.db").lexically_normal().string());
    BOOST_REQUIRE_EQUAL(cfg->channels.size(), 1u);
    BOOST_TEST(cfg->channels[0]->name == "api");
    BOOST_TEST(cfg->channels[0]->enabled);
}

BOOST_AUTO_TEST_CASE(empty_file_means_defaults) {
    auto cfg = parseDaemonConfig("", "/etc/ccd/ccd.yaml", fakeEnv({}));
    BOOST_TEST(cfg->server.threads == 2);
    BOOST_TEST(cfg->storage.sqlite.path == "/etc/ccd/var/ccd.db");
    BOOST_TEST(cfg->source_path == "/etc/ccd/ccd.yaml");
}

BOOST_AUTO_TEST_CASE(values_are_read) {
    auto cfg = parseDaemonConfig(R"(
server:
  listen: "[::1]:0"
  threads: 4
  shutdown_grace: 1500ms
  limits: { max_body_bytes: 64KiB, read_timeout: 1m30s, idle_timeout: 2h }
storage:
  sqlite: { path: /data/ccd.db, max_batch: 64 }
logging: { level: debug }
channels: [ { name: api, type: api, enabled: false } ]
)", "/etc/ccd/ccd.yaml", fakeEnv({}));
    BOOST_TEST(cfg->server.listen.host == "::1");
    BOOST_TEST(cfg->server.listen.port == 0);
    BOOST_TEST(cfg->server.threads == 4);
    BOOST_TEST(cfg->server.shutdown_grace.count() == 1500);
    BOOST_TEST(cfg->server.limits.max_body_bytes == 65536u);
    BOOST_TEST(cfg->server.limits.read_timeout.count() == 90000);
    BOOST_TEST(cfg->server.limits.idle_timeout.count() == 7200000);
    BOOST_TEST(cfg->storage.sqlite.path == "/data/ccd.db");
    BOOST_TEST(cfg->storage.sqlite.max_batch == 64);
    BOOST_TEST(cfg->logging.level == "debug");
    BOOST_TEST(!cfg->channels.at(0)->enabled);
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_has_its_position) {
    auto issues = issuesOf("server:\n  listen: [1, 2\n");
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].message.find("YAML syntax error") == 0u);
    BOOST_TEST(issues[0].line >= 2);
    BOOST_TEST(issues[0].column > 0);
}

BOOST_AUTO_TEST_CASE(unknown_key_is_reported_at_the_key_with_a_suggestion) {
    expectIssue("server:\n  listn: \"127.0.0.1:80\"\n", 2, 3, "server.listn",
                "unknown key \"listn\"; did you mean \"listen\"?");
    expectIssue("storage:\n  sqlite:\n    path: x\n    colour: blue\n", 4, 5,
                "storage.sqlite.colour", "known keys: path, max_batch, busy_timeout");
    expectIssue("serverz: {}\n", 1, 1, "serverz", "did you mean \"server\"?");
}

BOOST_AUTO_TEST_CASE(trusted_proxies_are_addresses_or_networks) {
    auto c = parseDaemonConfig(
        "server:\n  trusted_proxies: [10.0.0.0/8, \"::1\", 127.0.0.2]\n", "/etc/ccd/ccd.yaml",
        fakeEnv({}));
    BOOST_REQUIRE_EQUAL(c->server.limits.trusted_proxies.size(), 3u);
    BOOST_TEST(c->server.limits.trusted_proxies[0].contains("10.2.3.4"));
    expectIssue("server:\n  trusted_proxies: [10.0.0.0/8, 10.0.0.0/40]\n", 2, 33,
                "server.trusted_proxies[1]", "'10.0.0.0/40' is not an IP address or network");
    expectIssue("server:\n  trusted_proxies: lb.example\n", 2, 20, "server.trusted_proxies",
                "must be a list of addresses or networks");
}

BOOST_AUTO_TEST_CASE(duplicate_key_is_reported) {
    expectIssue("server:\n  threads: 2\n  threads: 3\n", 3, 3, "server.threads", "duplicate key");
}

BOOST_AUTO_TEST_CASE(type_errors_name_the_path_and_value_position) {
    expectIssue("storage:\n  sqlite:\n    path: [1, 2]\n", 3, 11, "storage.sqlite.path",
                "expected a string");
    expectIssue("server:\n  threads: many\n", 2, 12, "server.threads",
                "expected an integer between 1 and 64");
    expectIssue("server:\n  threads: 65\n", 2, 12, "server.threads", "between 1 and 64");
    expectIssue("channels:\n  - name: api\n    type: api\n    enabled: yes please\n", 4, 14,
                "channels[0].enabled", "expected true or false");
    expectIssue("server: 5\n", 1, 9, "server", "expected a map");
}

BOOST_AUTO_TEST_CASE(durations_sizes_enums_and_addresses_are_checked) {
    expectIssue("server:\n  shutdown_grace: 5\n", 2, 19, "server.shutdown_grace",
                "expected a duration");
    expectIssue("server:\n  limits:\n    read_timeout: 3 weeks\n", 3, 19,
                "server.limits.read_timeout", "expected a duration");
    expectIssue("server:\n  limits:\n    max_body_bytes: 1 TB\n", 3, 21,
                "server.limits.max_body_bytes", "expected a size");
    expectIssue("server:\n  limits:\n    max_body_bytes: 10\n", 3, 21,
                "server.limits.max_body_bytes", "between 64 and");
    expectIssue("storage:\n  driver: mysql\n", 2, 11, "storage.driver",
                "expected one of: sqlite, postgres");
    expectIssue("logging:\n  level: loud\n", 2, 10, "logging.level", "expected one of: trace");
    expectIssue("server:\n  listen: \"example.com:80\"\n", 2, 11, "server.listen", "host:port");
    expectIssue("server:\n  listen: \"127.0.0.1:99999\"\n", 2, 11, "server.listen", "host:port");
    expectIssue("server:\n  listen: \"127.0.0.1\"\n", 2, 11, "server.listen", "host:port");
}

BOOST_AUTO_TEST_CASE(secrets_come_from_the_environment_and_never_appear_in_messages) {
    auto cfg = parseDaemonConfig("storage:\n  postgres:\n    dsn: ${PG}\n",
                                 "/etc/ccd/ccd.yaml", fakeEnv({{"PG", "postgres://u:hunter2@db/ccd"}}));
    BOOST_REQUIRE(cfg->storage.postgres.has_value());
    BOOST_TEST(cfg->storage.postgres->dsn.reveal() == "postgres://u:hunter2@db/ccd");
    BOOST_TEST(cfg->storage.postgres->dsn.origin() == "${PG}");
    std::ostringstream printed;
    printed << cfg->storage.postgres->dsn;
    BOOST_TEST(printed.str().find("hunter2") == std::string::npos);

    expectIssue("storage:\n  postgres:\n    dsn: ${CCD_PG_DSN}\n", 3, 10, "storage.postgres.dsn",
                "environment variable CCD_PG_DSN is not set");
    expectIssue("storage:\n  postgres: {}\n", 2, 13, "storage.postgres.dsn",
                "missing required key \"dsn\"");
}

BOOST_AUTO_TEST_CASE(postgres_driver_takes_its_settings_and_needs_a_dsn) {
    auto cfg = parseDaemonConfig(
        "storage:\n  driver: postgres\n  postgres:\n    dsn: ${PG}\n    readers: 4\n"
        "    max_batch: 64\n    connect_timeout: 3s\n    keepalive_idle: 1m\n",
        "/etc/ccd/ccd.yaml", fakeEnv({{"PG", "postgresql://ccd@db/ccd"}}));
    BOOST_TEST((cfg->storage.driver == StorageDriver::Postgres));
    BOOST_REQUIRE(cfg->storage.postgres.has_value());
    const auto& pg = *cfg->storage.postgres;
    BOOST_TEST(pg.dsn.reveal() == "postgresql://ccd@db/ccd");
    BOOST_TEST(pg.readers == 4u);
    BOOST_TEST(pg.max_batch == 64u);
    BOOST_TEST(pg.connect_timeout.count() == 3);
    BOOST_REQUIRE(pg.keepalive_idle.has_value());
    BOOST_TEST(pg.keepalive_idle->count() == 60);
    // Run-time files stay in the data directory, the SQLite path's folder.
    BOOST_TEST(cfg->passwords_path == "/etc/ccd/var/passwords.yaml");
    BOOST_TEST(cfg->mfa.file == "/etc/ccd/var/mfa.yaml");

    auto defaults = parseDaemonConfig("storage:\n  driver: postgres\n  postgres:\n    dsn: x\n",
                                      "/etc/ccd/ccd.yaml", fakeEnv({}));
    BOOST_TEST(defaults->storage.postgres->readers == 2u);
    BOOST_TEST(defaults->storage.postgres->max_batch == 512u);
    BOOST_TEST(defaults->storage.postgres->connect_timeout.count() == 10);
    BOOST_TEST(!defaults->storage.postgres->keepalive_idle.has_value());

    expectIssue("storage:\n  driver: postgres\n", 2, 11, "storage.driver",
                "driver postgres needs storage.postgres.dsn");
    expectIssue("storage:\n  driver: postgres\n  postgres:\n", 2, 11, "storage.driver",
                "driver postgres needs storage.postgres.dsn");
    expectIssue("storage:\n  postgres:\n    dsn: x\n    readers: 0\n", 4, 14,
                "storage.postgres.readers", "between 1 and 64");
    expectIssue("storage:\n  postgres:\n    dsn: x\n    max_batch: 0\n", 4, 16,
                "storage.postgres.max_batch", "between 1 and 100000");
    expectIssue("storage:\n  postgres:\n    dsn: x\n    connect_timeout: 1500ms\n", 4, 22,
                "storage.postgres.connect_timeout", "whole number of seconds");
    expectIssue("storage:\n  postgres:\n    dsn: x\n    keepalive_idle: 0s\n", 4, 21,
                "storage.postgres.keepalive_idle", "at least 1s");
    expectIssue("storage:\n  postgres:\n    dsn: x\n    pool: 3\n", 4, 5, "storage.postgres.pool",
                "unknown key");
}

BOOST_AUTO_TEST_CASE(every_problem_of_a_file_is_reported_in_file_order) {
    auto issues = issuesOf("server:\n  treads: 2\n  threads: 0\nstorage:\n  driver: sql\n");
    BOOST_REQUIRE_EQUAL(issues.size(), 3u);
    BOOST_TEST(issues[0].line == 2);
    BOOST_TEST(issues[1].line == 3);
    BOOST_TEST(issues[2].line == 5);
    BOOST_TEST(issues[0].format() ==
               "/etc/ccd/ccd.yaml:2:3: server.treads: unknown key \"treads\"; did you mean "
               "\"threads\"?");
}

BOOST_AUTO_TEST_CASE(unreadable_file_is_an_error_naming_it) {
    try {
        loadDaemonConfig("/nonexistent/ccd.yaml");
        BOOST_FAIL("no error");
    } catch (const ConfigError& e) {
        BOOST_TEST(std::string(e.what()).find("/nonexistent/ccd.yaml: cannot read the file") == 0u);
    }
}

BOOST_AUTO_TEST_CASE(duration_and_size_parsers) {
    BOOST_TEST(parseDuration("1h30m")->count() == 5400000);
    BOOST_TEST(parseDuration("250ms")->count() == 250);
    BOOST_TEST(parseDuration("1d")->count() == 86400000);
    BOOST_TEST(!parseDuration("10"));
    BOOST_TEST(!parseDuration("s"));
    BOOST_TEST(!parseDuration("-5s"));
    BOOST_TEST(*parseByteSize("1MiB") == 1048576u);
    BOOST_TEST(*parseByteSize("10KB") == 10000u);
    BOOST_TEST(*parseByteSize("512") == 512u);
    BOOST_TEST(!parseByteSize("1PiB"));
    BOOST_TEST(!parseByteSize("MiB"));
}

BOOST_AUTO_TEST_CASE(retention_periods_are_read_per_kind_and_channel) {
    auto cfg = parseDaemonConfig(R"(
channels:
  - {name: support-mail, type: api}
retention:
  message_text: 365d
  recordings: 2w
  contacts: 3y
  audit: 2y
  channels:
    support-mail: {message_text: 180d}
  batch: 100
)",
                                 "/etc/ccd/ccd.yaml", fakeEnv({}));
    const auto& r = cfg->retention;
    // Hours of a period, -1 when unset.
    auto hoursOf = [](const std::optional<Duration>& d) -> long long {
        return d ? std::chrono::duration_cast<std::chrono::hours>(*d).count() : -1;
    };
    BOOST_TEST(hoursOf(r.defaults.message_text) == 24 * 365);
    BOOST_TEST(!r.defaults.attachments);
    BOOST_TEST(hoursOf(r.defaults.recordings) == 24 * 14);
    BOOST_TEST(hoursOf(r.contacts) == 24 * 365 * 3);
    BOOST_TEST(hoursOf(r.audit) == 24 * 365 * 2);
    BOOST_TEST(hoursOf(r.channels.at("support-mail").message_text) == 24 * 180);
    BOOST_TEST(r.batch == 100u);
    BOOST_TEST(hoursOf(r.interval) == 24);
    BOOST_TEST(r.any());
    BOOST_TEST(!parseDaemonConfig("", "/etc/ccd/ccd.yaml", fakeEnv({}))->retention.any());
}

BOOST_AUTO_TEST_CASE(retention_errors_have_their_position) {
    expectIssue("retention:\n  message_txt: 1d\n", 2, 3, "retention.message_txt",
                "did you mean \"message_text\"?");
    expectIssue("retention:\n  audit: forever\n", 2, 10, "retention.audit", "expected a duration");
    expectIssue("retention:\n  attachments: 10s\n", 2, 16, "retention.attachments", "at least 1m");
    expectIssue("retention:\n  channels:\n    nosuch: {message_text: 1d}\n", 3, 13,
                "retention.channels.nosuch", "no channel instance named \"nosuch\"");
    expectIssue("channels:\n  - {name: api, type: api}\nretention:\n  channels:\n    api: {contacts: 1d}\n",
                5, 11, "retention.channels.api.contacts", "unknown key");
}

BOOST_AUTO_TEST_CASE(mfa_policy_issuer_and_file) {
    auto none = parseDaemonConfig("", "/etc/ccd/ccd.yaml", fakeEnv({}));
    BOOST_TEST(none->mfa.required_for.empty());
    BOOST_TEST(none->mfa.issuer == "ccd");
    BOOST_TEST(none->mfa.file == "/etc/ccd/var/mfa.yaml");  // the data directory
    auto cfg = parseDaemonConfig(
        "mfa:\n  required_for: [supervisor, admin, admin]\n  issuer: Acme CC\n  file: st/m.yaml\n",
        "/etc/ccd/ccd.yaml", fakeEnv({}));
    BOOST_TEST((cfg->mfa.required_for == std::vector<std::string>{"supervisor", "admin"}));
    BOOST_TEST(cfg->mfa.issuer == "Acme CC");
    BOOST_TEST(cfg->mfa.file == "/etc/ccd/st/m.yaml");
    expectIssue("mfa:\n  required_for: [supervisor, boss]\n", 2, 30, "mfa.required_for[1]",
                "expected one of: agent, supervisor, admin");
    expectIssue("mfa:\n  issuer: \"a:b\"\n", 2, 11, "mfa.issuer", "without ':'");
    expectIssue("mfa:\n  requried_for: []\n", 2, 3, "mfa.requried_for", "required_for");
    auto shipped = loadDaemonConfig(CCD_SOURCE_DIR "/config/ccd.yaml");
    BOOST_TEST(shipped->mfa.required_for.empty());  // the README's first steps need no phone
}

BOOST_AUTO_TEST_CASE(privacy_names_the_audiences_that_see_personal_data_masked) {
    auto cfg = parseDaemonConfig("privacy:\n  mask_pii_for: [agent, api]\n", "/etc/ccd/ccd.yaml");
    BOOST_TEST(cfg->privacy.masks("agent"));
    BOOST_TEST(cfg->privacy.masks("api"));
    BOOST_TEST(!cfg->privacy.masks("admin"));
    BOOST_TEST(!parseDaemonConfig("", "/etc/ccd/ccd.yaml")->privacy.masks("agent"));
    expectIssue("privacy:\n  mask_pii_for: [agent, manager]\n", 2, 25, "privacy.mask_pii_for[1]",
                "expected one of: agent, supervisor, admin, api");
    expectIssue("privacy:\n  mask: [agent]\n", 2, 3, "privacy.mask", "unknown key");
}

BOOST_AUTO_TEST_CASE(cluster_advertise_host_is_checked_and_defaults_to_the_listen_host) {
    auto cfg = parseDaemonConfig("cluster:\n  advertise_host: node-1.example.net\n",
                                 "/etc/ccd/ccd.yaml");
    BOOST_TEST(cfg->cluster.advertise_host == "node-1.example.net");
    BOOST_TEST(parseDaemonConfig("cluster:\n  advertise_host: \"fd00::7\"\n", "/etc/ccd/ccd.yaml")
                   ->cluster.advertise_host == "fd00::7");
    // Default: the listen host, unless it is a wildcard (then the machine's host name).
    BOOST_TEST(parseDaemonConfig("server:\n  listen: \"10.0.0.5:8080\"\n", "/etc/ccd/ccd.yaml")
                   ->cluster.advertise_host == "10.0.0.5");
    auto wildcard = parseDaemonConfig("server:\n  listen: \"0.0.0.0:8080\"\n", "/etc/ccd/ccd.yaml");
    BOOST_TEST(!wildcard->cluster.advertise_host.empty());
    BOOST_TEST(wildcard->cluster.advertise_host != "0.0.0.0");
    expectIssue("cluster:\n  advertise_host: \"http://node-1:8080\"\n", 2, 19,
                "cluster.advertise_host", "without scheme or port");
    expectIssue("cluster:\n  advertise: node-1\n", 2, 3, "cluster.advertise", "unknown key");
}
