#include "daemon/audit_log.hpp"

#include "daemon/console/auth.hpp"
#include "daemon/http/router.hpp"
#include "routing/model.hpp"

namespace ccd::daemon {

AuditActor accountActor(const console::Principal& who, const http::RoutedRequest& request) {
    return {"account", who.name, request.http.remote_address};
}

AuditActor accountActor(const std::string& name, const std::string& remote) {
    return {"account", name, remote};
}

AuditActor systemActor(std::string what) { return {"system", std::move(what), {}}; }

store::AuditRecord AuditLog::entry(const AuditActor& who, std::string action,
                                   std::string object_kind, std::string object_id,
                                   std::string outcome, const nlohmann::json& detail) {
    store::AuditRecord e;
    e.at_ms = routing::unixMillis(routing::Clock::now());
    e.actor_kind = who.kind;
    e.actor = who.name;
    e.remote = who.remote;
    e.action = std::move(action);
    e.object_kind = std::move(object_kind);
    e.object_id = std::move(object_id);
    e.outcome = std::move(outcome);
    e.detail_json = detail.is_object() ? detail.dump(-1, ' ', false,
                                                     nlohmann::json::error_handler_t::replace)
                                       : "{}";
    return e;
}

void AuditLog::record(store::AuditRecord e) const {
    if (e.at_ms == 0) e.at_ms = routing::unixMillis(routing::Clock::now());
    std::vector<store::AuditRecord> one;
    one.push_back(std::move(e));
    store_.appendAudit(std::move(one), nullptr);  // the store logs a failure
}

void AuditLog::record(const AuditActor& who, std::string action, std::string object_kind,
                      std::string object_id, std::string outcome,
                      const nlohmann::json& detail) const {
    record(entry(who, std::move(action), std::move(object_kind), std::move(object_id),
                 std::move(outcome), detail));
}

void recordAccountChanges(const AuditLog& audit, const AuditActor& who,
                          const config::AgentsConfig& before, const config::AgentsConfig& after) {
    for (const auto& a : after.accounts) {
        const auto* old = before.find(a.name);
        if (!old) {
            audit.record(who, "account.added", "account", a.name, "ok",
                         nlohmann::json{{"role", a.role}});
            continue;
        }
        if (old->role != a.role)
            audit.record(who, "account.role_changed", "account", a.name, "ok",
                         nlohmann::json{{"from", old->role}, {"to", a.role}});
        if (old->password_hash != a.password_hash)
            audit.record(who, "account.password_changed", "account", a.name, "ok",
                         nlohmann::json{{"has_password", !a.password_hash.empty()}});
    }
    for (const auto& a : before.accounts) {
        if (!after.find(a.name)) audit.record(who, "account.removed", "account", a.name);
    }
}

}  // namespace ccd::daemon
