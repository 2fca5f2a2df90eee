#include "daemon/cli_api_key.hpp"

#include <CLI/CLI.hpp>

#include <ctime>
#include <iostream>

#include "channels/api/api_channel.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "daemon/api_keys.hpp"
#include "daemon/cli_database.hpp"
#include "daemon/json_time.hpp"
#include "daemon/store/postgres/pg_api_keys.hpp"
#include "daemon/store/postgres/pg_audit.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/sqlite_api_keys.hpp"
#include "daemon/store/sqlite/sqlite_audit.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {
namespace {

bool validClient(const std::string& c) {
    if (c.empty() || c.size() > 64) return false;
    for (char ch : c) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '_' || ch == '.';
        if (!ok) return false;
    }
    return true;
}

std::string dateText(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

struct ApiKeyCommand::Options {
    std::string client;
    std::string key_id;
};

ApiKeyCommand::ApiKeyCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), options_(std::make_shared<Options>()) {
    group_ = app.add_subcommand("api-key", "Manage API clients' keys (Authorization: Bearer)");
    group_->require_subcommand(1);
    auto config = [&config_path](CLI::App* c) {
        c->add_option("-c,--config", config_path, "Configuration file (names the database)")
            ->envname("CCD_CONFIG")
            ->capture_default_str();
    };
    create_ = group_->add_subcommand(
        "create", "Create a key for CLIENT and print it once (only its hash is stored)");
    create_->add_option("client", options_->client, "The client's name, e.g. crm")->required();
    config(create_);
    list_ = group_->add_subcommand("list", "List the keys (ids and clients, never the keys)");
    config(list_);
    revoke_ = group_->add_subcommand("revoke", "Revoke a key by its id (as `list` shows it)");
    revoke_->add_option("key_id", options_->key_id, "The key's id")->required();
    config(revoke_);
}

bool ApiKeyCommand::selected() const { return group_ && group_->parsed(); }

int createApiKey(const std::string& client, const std::string& config_path, std::ostream& out,
                 std::ostream& err) {
    if (!validClient(client)) {
        err << "ccd: a client name is 1 to 64 letters, digits, '.', '-' and '_'\n";
        return kExitUsage;
    }
    auto cfg = loadDatabaseConfig(config_path, err);
    if (!cfg) return kExitInvalid;
    // Say so when no API instance would take the key.
    bool accepted = false;
    for (const auto& c : cfg->channels) {
        const auto* api = dynamic_cast<const channels::api::ApiSettings*>(c.get());
        if (!api || !c->enabled) continue;
        if (api->clients.empty() ||
            std::find(api->clients.begin(), api->clients.end(), client) != api->clients.end())
            accepted = true;
    }
    if (!accepted)
        err << "ccd: warning: no enabled API channel in " << config_path << " accepts client \""
            << client << "\" (see its `clients:` lists)\n";
    auto db = openDatabase(*cfg, err);
    if (!db) return kExitStore;
    // Not a structured binding: the lambda below captures the record (C++17 forbids that).
    const auto generated = newApiKey(client, nowUnixMillis());
    const std::string& key = generated.first;
    const store::ApiKeyRecord& record = generated.second;
    try {
        db->visit([&](auto& conn) {
            inWriteTransaction(conn, [&] {
                insertApiKey(conn, record);
                insertAudit(conn, AuditLog::entry(cliActor(), "api_key.create", "api_key",
                                                  record.key_id, "ok",
                                                  nlohmann::json{{"client", client}}));
            });
        });
    } catch (const std::exception& e) {
        err << "ccd: the key was not stored: " << e.what() << "\n";
        return kExitFailure;
    }
    out << key << "\n";
    err << "ccd: key " << record.key_id << " for client \"" << client
        << "\" created; it is shown only now: keep it in the client's secrets\n";
    return kExitOk;
}

int ApiKeyCommand::run() const {
    if (create_->parsed()) return createApiKey(options_->client, *config_path_, std::cout, std::cerr);
    auto cfg = loadDatabaseConfig(*config_path_, std::cerr);
    if (!cfg) return kExitInvalid;
    auto db = openDatabase(*cfg, std::cerr);
    if (!db) return kExitStore;
    try {
        if (list_->parsed()) {
            const auto keys = db->visit([](auto& conn) { return readApiKeys(conn); });
            for (const auto& k : keys) {
                std::cout << k.key_id << "  " << k.client << "  created " << dateText(k.created_at_ms)
                          << (k.revoked_at_ms ? "  revoked " + dateText(*k.revoked_at_ms) : "")
                          << "\n";
            }
            return kExitOk;
        }
        if (revoke_->parsed()) {
            bool revoked = false;
            db->visit([&](auto& conn) {
                inWriteTransaction(conn, [&] {
                    revoked = revokeApiKey(conn, options_->key_id, nowUnixMillis());
                    insertAudit(conn, AuditLog::entry(cliActor(), "api_key.revoke", "api_key",
                                                      options_->key_id,
                                                      revoked ? "ok" : "not_found"));
                });
            });
            if (!revoked) {
                std::cerr << "ccd: no active key " << options_->key_id << "\n";
                return kExitUsage;
            }
            std::cout << "revoked " << options_->key_id
                      << " (a running daemon refuses it within 10 seconds)\n";
            return kExitOk;
        }
    } catch (const std::exception& e) {
        std::cerr << "ccd: " << e.what() << "\n";
        return kExitFailure;
    }
    return kExitUsage;
}

}  // namespace ccd::daemon
