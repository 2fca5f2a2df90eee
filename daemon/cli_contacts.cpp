#include "daemon/cli_contacts.hpp"

#include <fstream>
#include <future>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "channels/api/contact_csv.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "channels/api/contact_fields.hpp"
#include "daemon/cli_database.hpp"
#include "daemon/contact_routes.hpp"
#include "daemon/conversation_json.hpp"
#include "daemon/json_time.hpp"
#include "daemon/store/erasure_json.hpp"
#include "daemon/store/postgres/pg_audit.hpp"
#include "daemon/store/postgres/pg_contacts.hpp"
#include "daemon/store/postgres/pg_export.hpp"
#include "daemon/store/postgres/pg_privacy.hpp"
#include "daemon/store/sqlite/sqlite_audit.hpp"
#include "daemon/store/sqlite/sqlite_contacts.hpp"
#include "daemon/store/sqlite/sqlite_privacy.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {
struct ContactsCommand::Options {
    std::string file;
    bool dry_run = false;
    std::string key;
};

ContactsCommand::ContactsCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), options_(std::make_shared<Options>()) {
    contacts_ = app.add_subcommand("contacts", "Manage customer records");
    contacts_->require_subcommand(1);
    import_ = contacts_->add_subcommand(
        "import",
        "Import contacts from a CSV file in one transaction (header: key,name,email,phone,tier,"
        "locale,telegram,whatsapp,webchat,api,products,attr.<name>...); any bad row imports "
        "nothing. On SQLite it needs the database lock (with a daemon running, use PUT "
        "/v1/contacts/{key}); on PostgreSQL it runs beside the daemons");
    import_->add_option("file", options_->file, "CSV file (UTF-8, RFC 4180)")->required();
    import_->add_option("-c,--config", config_path, "Configuration file (names the database)")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
    import_->add_flag("--dry-run", options_->dry_run, "Only check the file; import nothing");

    erase_ = contacts_->add_subcommand(
        "erase",
        "Erase a customer's personal data everywhere (contact fields, addresses, message texts, "
        "attachments, outbox payloads); conversations stay as skeletons for reports. Recorded "
        "in the audit log; works beside a running daemon");
    export_ = contacts_->add_subcommand(
        "export", "Print everything held about a customer as JSON (recorded in the audit log)");
    for (auto* cmd : {erase_, export_}) {
        cmd->add_option("key", options_->key, "The contact's key")->required();
        cmd->add_option("-c,--config", config_path, "Configuration file (names the database)")
            ->envname("CCD_CONFIG")
            ->capture_default_str();
    }
}

bool ContactsCommand::selected() const { return contacts_ && contacts_->parsed(); }

int ContactsCommand::run() const {
    if (import_->parsed())
        return importContacts(options_->file, *config_path_, options_->dry_run, std::cout,
                              std::cerr);
    if (erase_->parsed()) return eraseContact(options_->key, *config_path_, std::cout, std::cerr);
    if (export_->parsed())
        return exportContact(options_->key, *config_path_, std::cout, std::cerr);
    return kExitUsage;
}

namespace {

// PostgreSQL takes the import beside running daemons: the contacts and the audit entry in one
// transaction, all or nothing.
int importIntoPostgres(const config::DaemonConfig& cfg, std::vector<store::ContactUpdate> updates,
                       const std::string& csv_path, std::ostream& out, std::ostream& err) {
    auto db = openDatabase(cfg, err);
    if (!db) return kExitStore;
    std::size_t imported = 0;
    try {
        db->visit([&](auto& conn) {
            inWriteTransaction(conn, [&] {
                imported = writeContacts(conn, updates, nowUnixMillis());
                insertAudit(conn, AuditLog::entry(cliActor(), "contact.import", "contact", "",
                                                  "ok",
                                                  nlohmann::json{{"contacts", imported},
                                                                 {"file", csv_path}}));
            });
        });
    } catch (const std::exception& e) {
        err << "ccd: import failed, nothing imported: " << e.what() << "\n";
        return kExitFailure;
    }
    out << csv_path << ": imported " << imported << " contact(s) into the PostgreSQL database\n";
    return kExitOk;
}

}  // namespace

int importContacts(const std::string& csv_path, const std::string& config_path, bool dry_run,
                   std::ostream& out, std::ostream& err) {
    std::ifstream in(csv_path, std::ios::binary);
    if (!in) {
        err << "ccd: cannot read " << csv_path << "\n";
        return kExitUsage;
    }
    std::stringstream text;
    text << in.rdbuf();

    auto parsed = channels::api::parseContactCsv(text.str());
    if (!parsed.ok()) {
        for (const auto& p : parsed.problems)
            err << csv_path << ":" << p.line << ": " << p.column << ": " << p.message << "\n";
        err << parsed.problems.size() << " problem(s); nothing imported\n";
        return kExitInvalid;
    }
    if (dry_run) {
        out << csv_path << ": " << parsed.contacts.size()
            << " contact(s) OK (dry run: nothing imported)\n";
        return kExitOk;
    }

    config::DaemonConfigPtr cfg;
    try {
        cfg = config::loadDaemonConfig(config_path);
    } catch (const config::ConfigError& e) {
        err << e.what();
        return kExitInvalid;
    }
    std::vector<store::ContactUpdate> updates;
    updates.reserve(parsed.contacts.size());
    for (auto& c : parsed.contacts) updates.push_back(toContactUpdate(std::move(c)));
    if (cfg->storage.driver == config::StorageDriver::Postgres)
        return importIntoPostgres(*cfg, std::move(updates), csv_path, out, err);

    std::unique_ptr<store::sqlite::SqliteStore> db;
    try {
        db = std::make_unique<store::sqlite::SqliteStore>(
            store::sqlite::SqliteStoreOptions{cfg->storage.sqlite.path, cfg->storage.sqlite.max_batch,
                                              cfg->storage.sqlite.busy_timeout},
            nullptr);
    } catch (const store::sqlite::StoreOpenError& e) {
        err << "ccd: " << e.what() << "\n";
        if (std::string(e.what()).find("locked by another ccd") != std::string::npos) {
            err << "ccd: a running ccd daemon holds this database, and the import needs it to "
                   "itself; nothing was imported. Stop the daemon and import again, or send "
                   "each contact to the running daemon with PUT /v1/contacts/{key} "
                   "(docs/http-api.md).\n";
        }
        return kExitStore;
    }

    std::promise<store::StoreResult<std::size_t>> done;
    auto future = done.get_future();
    db->putContacts(std::move(updates), [&done](store::StoreResult<std::size_t> result) {
        done.set_value(std::move(result));
    });
    auto result = future.get();
    if (result) {
        auto entry = AuditLog::entry(cliActor(), "contact.import", "contact", "", "ok",
                                     nlohmann::json{{"contacts", *result.value},
                                                    {"file", csv_path}});
        db->appendAudit({std::move(entry)}, nullptr);  // written by close()
    }
    db->close();
    if (!result) {
        err << "ccd: import failed, nothing imported: " << result.error->message << "\n";
        return kExitFailure;
    }
    out << csv_path << ": imported " << *result.value << " contact(s) into "
        << cfg->storage.sqlite.path << "\n";
    return kExitOk;
}

namespace {

// The key checked and the database opened, or the exit code to return.
struct ContactDb {
    std::unique_ptr<CliDatabase> db;
    int exit = kExitOk;
};

ContactDb openForKey(const std::string& key, const std::string& config_path, std::ostream& err) {
    if (auto bad = channels::api::checkKey(key)) {
        err << "ccd: " << *bad << "\n";
        return {nullptr, kExitUsage};
    }
    auto cfg = loadDatabaseConfig(config_path, err);
    if (!cfg) return {nullptr, kExitInvalid};
    auto db = openDatabase(*cfg, err);
    if (!db) return {nullptr, kExitStore};
    return {std::move(db), kExitOk};
}

}  // namespace

int eraseContact(const std::string& key, const std::string& config_path, std::ostream& out,
                 std::ostream& err) {
    auto opened = openForKey(key, config_path, err);
    if (!opened.db) return opened.exit;
    auto& db = *opened.db;
    std::optional<store::ErasureResult> result;
    try {
        db.visit([&](auto& conn) {
            inWriteTransaction(conn, [&] {
                auto entry = AuditLog::entry(cliActor(), "contact.erase", "contact", key);
                result = eraseContactByKey(conn, key, entry.at_ms);
                if (!result) {
                    entry.outcome = "not_found";
                } else {
                    entry.object_id = std::to_string(result->contact_id);
                    entry.detail_json = nlohmann::json{{"key", key},
                                                       {"erased", store::erasureCountsJson(result->counts)},
                                                       {"already_erased", result->already_erased}}
                                            .dump();
                }
                insertAudit(conn, entry);
            });
        });
    } catch (const std::exception& e) {
        err << "ccd: the erasure failed, nothing was erased: " << e.what() << "\n";
        return kExitFailure;
    }
    if (!result) {
        err << "ccd: no contact " << key << "\n";
        return kExitNotFound;
    }
    out << nlohmann::json{{"key", key},
                          {"id", result->contact_id},
                          {"already_erased", result->already_erased},
                          {"erased", store::erasureCountsJson(result->counts)}}
               .dump(2)
        << "\n";
    return kExitOk;
}

int exportContact(const std::string& key, const std::string& config_path, std::ostream& out,
                  std::ostream& err) {
    auto opened = openForKey(key, config_path, err);
    if (!opened.db) return opened.exit;
    auto& db = *opened.db;
    std::optional<store::ContactExport> data;
    try {
        db.visit([&](auto& conn) {
            data = readContactExport(conn, key);
            inWriteTransaction(conn, [&] {
                insertAudit(conn, AuditLog::entry(cliActor(), "contact.export", "contact", key,
                                                  data ? "ok" : "not_found"));
            });
        });
    } catch (const std::exception& e) {
        err << "ccd: the export failed: " << e.what() << "\n";
        return kExitFailure;
    }
    if (!data) {
        err << "ccd: no contact " << key << "\n";
        return kExitNotFound;
    }
    out << dumpJson(contactExportJson(*data)) << "\n";
    return kExitOk;
}

}  // namespace ccd::daemon
