#pragma once
// The audit log's writing side (docs/security.md, "Audit log"): every agent, supervisor and
// admin action that reads or changes customer data, configuration or accounts is recorded —
// who, what, when, from where, how it ended. Entries go into the store's next group commit
// (Store::appendAudit): recording never waits for the disk and costs one queued row.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "config/agents_config.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

namespace console {
struct Principal;
}
namespace http {
struct RoutedRequest;
}

/// Who acts, as the audit log names them.
struct AuditActor {
    std::string kind;    ///< "account", "api_key", "cli", "system"
    std::string name;    ///< account name, API key id, OS user, "ccd"
    std::string remote;  ///< client address (websocket peer); empty for the CLI and the daemon
};

/// An account acting over HTTP.
AuditActor accountActor(const console::Principal& who, const http::RoutedRequest& request);
/// An account acting from `remote` (a websocket's peer, a login's client).
AuditActor accountActor(const std::string& name, const std::string& remote);
/// The daemon itself (a configuration reload by SIGHUP or the file watcher, the retention job).
AuditActor systemActor(std::string what);

/// Thread safety: record() may be called from any thread.
class AuditLog {
public:
    /// `store` must outlive the log.
    explicit AuditLog(store::Store& store) : store_(store) {}

    /// Appends an entry (at now when `entry.at_ms` is 0). A store failure is logged, never
    /// thrown: the action itself is not undone.
    void record(store::AuditRecord entry) const;

    /// The same, built from parts; `detail` must hold no message text and no secret.
    void record(const AuditActor& who, std::string action, std::string object_kind,
                std::string object_id, std::string outcome = "ok",
                const nlohmann::json& detail = nlohmann::json::object()) const;

    /// An entry of these parts at now, for callers that write it themselves (erasure records
    /// its entry in the commit that erases).
    static store::AuditRecord entry(const AuditActor& who, std::string action,
                                    std::string object_kind, std::string object_id,
                                    std::string outcome = "ok",
                                    const nlohmann::json& detail = nlohmann::json::object());

private:
    store::Store& store_;
};

/// Records what a reload changed in the accounts: "account.added", "account.removed",
/// "account.role_changed" (detail: from, to), "account.password_changed" (never the hash).
void recordAccountChanges(const AuditLog& audit, const AuditActor& who,
                          const config::AgentsConfig& before, const config::AgentsConfig& after);

}  // namespace ccd::daemon
