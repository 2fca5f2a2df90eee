#include "daemon/cli_retention.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

#include "daemon/cli_database.hpp"
#include "daemon/json_time.hpp"
#include "daemon/retention_job.hpp"
#include "daemon/store/postgres/pg_audit.hpp"
#include "daemon/store/postgres/pg_retention.hpp"
#include "daemon/store/sqlite/sqlite_audit.hpp"
#include "daemon/store/sqlite/sqlite_retention.hpp"

namespace ccd::daemon {
struct RetentionCommand::Options {
    bool dry_run = false;
    std::string now;
};

RetentionCommand::RetentionCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), options_(std::make_shared<Options>()) {
    group_ = app.add_subcommand("retention", "Remove data past its retention period");
    group_->require_subcommand(1);
    run_ = group_->add_subcommand(
        "run",
        "Run the retention job now (the daemon runs it daily): message texts, attachments and "
        "recordings of closed conversations, idle contacts and old audit entries past their "
        "`retention:` periods in ccd.yaml. Works beside a running daemon");
    run_->add_option("-c,--config", config_path, "Configuration file")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
    run_->add_flag("--dry-run", options_->dry_run, "Only count what would be removed");
    run_->add_option("--now", options_->now,
                     "Run as if it were this time (RFC 3339, e.g. 2027-01-01T00:00:00Z)");
}

bool RetentionCommand::selected() const { return group_ && group_->parsed(); }

int RetentionCommand::run() const {
    if (run_->parsed())
        return runRetention(*config_path_, options_->dry_run, options_->now, std::cout, std::cerr);
    return kExitUsage;
}

int runRetention(const std::string& config_path, bool dry_run, const std::string& now_text,
                 std::ostream& out, std::ostream& err) {
    auto now = routing::Clock::now();
    if (!now_text.empty()) {
        auto t = parseRfc3339(now_text);
        if (!t) {
            err << "ccd: --now is a time in RFC 3339, e.g. 2027-01-01T00:00:00Z (got \""
                << now_text << "\")\n";
            return kExitUsage;
        }
        now = *t;
    }
    auto cfg = loadDatabaseConfig(config_path, err);
    if (!cfg) return kExitInvalid;
    if (!cfg->retention.any()) {
        out << "retention: nothing is configured to expire (`retention:` in "
            << cfg->source_path << "); nothing removed\n";
        return kExitOk;
    }
    auto db = openDatabase(*cfg, err);
    if (!db) return kExitStore;

    auto request = retentionRequest(cfg->retention, now, dry_run);
    store::RetentionCursor cursor;
    store::RetentionReport report;
    auto record = [&](const char* outcome) {
        auto detail = retentionReportJson(report);
        detail["dry_run"] = dry_run;
        if (!now_text.empty()) detail["now"] = now_text;
        db->visit([&](auto& conn) {
            inWriteTransaction(conn, [&] {
                insertAudit(conn,
                            AuditLog::entry(cliActor(), "retention.run", "store", "", outcome, detail));
            });
        });
    };
    try {
        while (cursor.phase != store::RetentionCursor::Phase::Done) {
            // One batch per transaction: a running daemon's commits go between them.
            db->visit([&](auto& conn) {
                inWriteTransaction(conn, [&] { retentionStep(conn, request, cursor, report); });
            });
            ++report.commits;
        }
        record("ok");
    } catch (const std::exception& e) {
        err << "ccd: retention stopped: " << e.what() << " (after " << describeRetention(report)
            << ")\n";
        try {
            record("failed");
        } catch (...) {
        }
        return kExitFailure;
    }
    out << "retention: " << (dry_run ? "would remove " : "removed ") << describeRetention(report)
        << "\n";
    return kExitOk;
}

}  // namespace ccd::daemon
