#include "daemon/cli_contacts.hpp"

#include <fstream>
#include <future>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "channels/api/contact_csv.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "daemon/contact_routes.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInvalid = 3;
constexpr int kExitStore = 4;

}  // namespace

struct ContactsCommand::Options {
    std::string file;
    bool dry_run = false;
};

ContactsCommand::ContactsCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), options_(std::make_shared<Options>()) {
    contacts_ = app.add_subcommand("contacts", "Manage customer records");
    contacts_->require_subcommand(1);
    import_ = contacts_->add_subcommand(
        "import",
        "Import contacts from a CSV file in one transaction (header: key,name,email,phone,tier,"
        "locale,telegram,whatsapp,webchat,api,products,attr.<name>...); any bad row imports "
        "nothing. Needs the database lock: with a daemon running, use PUT /v1/contacts/{key}");
    import_->add_option("file", options_->file, "CSV file (UTF-8, RFC 4180)")->required();
    import_->add_option("-c,--config", config_path, "Configuration file (names the database)")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
    import_->add_flag("--dry-run", options_->dry_run, "Only check the file; import nothing");
}

bool ContactsCommand::selected() const { return contacts_ && contacts_->parsed(); }

int ContactsCommand::run() const {
    if (import_->parsed())
        return importContacts(options_->file, *config_path_, options_->dry_run, std::cout,
                              std::cerr);
    return kExitUsage;
}

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
    if (cfg->storage.driver != config::StorageDriver::Sqlite) {
        err << "ccd: contacts import writes to the SQLite store only; with storage.driver "
               "postgres use PUT /v1/contacts/{key} on a running ccd\n";
        return kExitStore;
    }

    std::vector<store::ContactUpdate> updates;
    updates.reserve(parsed.contacts.size());
    for (auto& c : parsed.contacts) updates.push_back(toContactUpdate(std::move(c)));

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
    db->close();
    if (!result) {
        err << "ccd: import failed, nothing imported: " << result.error->message << "\n";
        return kExitFailure;
    }
    out << csv_path << ": imported " << *result.value << " contact(s) into "
        << cfg->storage.sqlite.path << "\n";
    return kExitOk;
}

}  // namespace ccd::daemon
