#include "daemon/cli_report.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>

#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "config/routing_config_parser.hpp"
#include "daemon/json_time.hpp"
#include "daemon/reports/report_db_open.hpp"
#include "daemon/reports/report_engine.hpp"
#include "daemon/reports/report_format.hpp"

namespace ccd::daemon {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitInvalid = 3;
constexpr int kExitStore = 4;
constexpr const char* kFilters[] = {"queue",    "agent",   "channel",  "channel_instance",
                                    "category", "subtype", "priority", "tier"};

// Aligned columns for a terminal.
void printTable(const reports::ReportTable& t, std::ostream& out) {
    std::vector<std::vector<std::string>> cells;
    cells.push_back(t.columns);
    for (const auto& r : t.rows) {
        std::vector<std::string> line;
        for (const auto& c : r) {
            auto text = reports::cellString(c);
            line.push_back(text.empty() ? "-" : text);
        }
        cells.push_back(std::move(line));
    }
    std::vector<std::size_t> width(t.columns.size(), 0);
    for (const auto& line : cells)
        for (std::size_t i = 0; i < line.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], line[i].size());
    out << "# " << t.report << " " << formatRfc3339Millis(t.from_ms) << " .. "
        << formatRfc3339Millis(t.to_ms) << " (" << t.time_zone << ")\n";
    for (const auto& line : cells) {
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (i) out << "  ";
            out << line[i];
            if (i + 1 < line.size()) out << std::string(width[i] - line[i].size(), ' ');
        }
        out << "\n";
    }
}

}  // namespace

struct ReportCommand::Options {
    std::string name, from, to, group_by;
    std::map<std::string, std::string> filters;
    bool csv = false;
};

ReportCommand::ReportCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), options_(std::make_shared<Options>()) {
    report_ = app.add_subcommand(
        "report",
        "Print a KPI report (volume, response_times, sla, csat, agents, quality, agent_time,"
        " cases, case_stages; docs/kpis.md) from the database, read-only: works beside a"
        " running daemon");
    report_->add_option("report", options_->name, "Report name")->required();
    report_->add_option("--from", options_->from,
                        "First day (YYYY-MM-DD in the business calendar's zone) or RFC 3339")
        ->required();
    report_->add_option("--to", options_->to, "Last day (inclusive) or RFC 3339 (exclusive)")
        ->required();
    report_->add_option("--group-by", options_->group_by,
                        "Up to 3 of day|week|month, queue, agent, channel, channel_instance, "
                        "category, subtype, priority, tier (comma-separated)");
    for (const char* f : kFilters) {
        std::string flag = "--" + std::string(f);
        std::replace(flag.begin(), flag.end(), '_', '-');
        report_->add_option(flag, options_->filters[f], std::string("Only this ") + f);
    }
    report_->add_flag("--csv", options_->csv, "CSV (UTF-8 with BOM, RFC 4180) instead of a table");
    report_->add_option("-c,--config", config_path, "Configuration file (names the database)")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
}

bool ReportCommand::selected() const { return report_ && report_->parsed(); }

int ReportCommand::run() const {
    std::map<std::string, std::string> params{{"from", options_->from}, {"to", options_->to}};
    if (!options_->group_by.empty()) params["group_by"] = options_->group_by;
    for (const auto& [k, v] : options_->filters)
        if (!v.empty()) params[k] = v;
    return printReport(*config_path_, options_->name, params, options_->csv, std::cout,
                       std::cerr);
}

int printReport(const std::string& config_path, const std::string& name,
                const std::map<std::string, std::string>& params, bool csv, std::ostream& out,
                std::ostream& err) {
    config::DaemonConfigPtr cfg;
    routing::RoutingConfigPtr routing_cfg;
    try {
        cfg = config::loadDaemonConfig(config_path);
        if (!cfg->routing_path.empty()) routing_cfg = config::loadRoutingConfig(cfg->routing_path);
    } catch (const config::ConfigError& e) {
        err << e.what();
        return kExitInvalid;
    }
    const routing::BusinessCalendar* calendar = nullptr;
    if (routing_cfg) {
        auto it = routing_cfg->calendars.find(routing_cfg->defaults.calendar);
        if (it != routing_cfg->calendars.end()) calendar = &it->second;
    }
    std::unique_ptr<reports::ReportDb> db;
    try {
        // Read-only: an older schema is migrated by the daemon when it starts, not here.
        db = reports::openReportDb(cfg->storage);
    } catch (const std::exception& e) {
        err << "ccd: " << e.what() << "\n";
        return kExitStore;
    }
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    auto outcome = reports::makeReport(*db, name, params, calendar, now_ms);
    if (!outcome.table) {
        err << "ccd: " << outcome.error << "\n";
        return outcome.bad_request ? kExitUsage : kExitStore;
    }
    if (csv) out << reports::toCsv(*outcome.table);
    else printTable(*outcome.table, out);
    return kExitOk;
}

}  // namespace ccd::daemon
