#pragma once
// `ccd contacts erase KEY` and `ccd contacts export KEY` (docs/security.md, "Privacy") work
// beside a running daemon, in short transactions. `ccd contacts import FILE.csv [--config FILE]
// [--dry-run]`: loads customer records from a CSV
// file (format: channels/api/contact_csv.hpp) into the store, all in one transaction. Every bad
// row is reported as `FILE:LINE: column: message` and then nothing is imported. On SQLite the
// command opens the store itself, so it needs the database lock: with a daemon running on the
// database it stops (exit 4) and points to PUT /v1/contacts/{key} instead. On PostgreSQL it
// writes beside the running daemons (the contacts and the audit entry in one transaction).

#include <iosfwd>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace ccd::daemon {

/// The `contacts` command group of the command line.
class ContactsCommand {
public:
    /// Adds `contacts import FILE [--config FILE] [--dry-run]` to `app`; `config_path` holds
    /// the default configuration path and must outlive the command.
    ContactsCommand(CLI::App& app, std::string& config_path);

    /// Whether the command line chose this command (after parsing).
    bool selected() const;
    /// Runs it; returns the process exit code.
    int run() const;

private:
    struct Options;
    CLI::App* contacts_ = nullptr;
    CLI::App* import_ = nullptr;
    CLI::App* erase_ = nullptr;
    CLI::App* export_ = nullptr;
    std::string* config_path_ = nullptr;
    std::shared_ptr<Options> options_;
};

/// Imports `csv_path` into the store that the ccd.yaml at `config_path` names. With `dry_run`
/// only checks the file (the store is not opened). Reports to `out` and `err`. Exit codes:
/// 0 imported (or checked), 1 the store failed during the import (nothing imported),
/// 2 the file cannot be read, 3 a bad row or an invalid configuration (nothing imported),
/// 4 the store cannot be opened (SQLite: locked by a running daemon, corrupt; PostgreSQL: the
/// server cannot be reached).
int importContacts(const std::string& csv_path, const std::string& config_path, bool dry_run,
                   std::ostream& out, std::ostream& err);

/// Erases the personal data of the contact with `key` in the database of the ccd.yaml at
/// `config_path` (store.hpp, Store::eraseContact), recorded in the audit log in the same
/// commit; prints what it erased as JSON. Works beside a running daemon. Exit codes: 0 erased
/// (or erased before), 1 the store failed (nothing erased), 2 a malformed key, 3 an invalid
/// configuration, 4 the store cannot be opened, 5 no contact has the key.
int eraseContact(const std::string& key, const std::string& config_path, std::ostream& out,
                 std::ostream& err);

/// Prints everything held about the contact with `key` as JSON (GET /v1/contacts/{key}/export);
/// recorded in the audit log. Exit codes as eraseContact.
int exportContact(const std::string& key, const std::string& config_path, std::ostream& out,
                  std::ostream& err);

}  // namespace ccd::daemon
