#pragma once
// Service cases as JSON: the document the store keeps and the API answers (docs/cases.md), and
// the API's requests read into the model's commands. Money is a decimal string ("380.00"),
// times RFC 3339 UTC with milliseconds.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/agents_config.hpp"
#include "routing/cases/service_case.hpp"
#include "routing/engine_types.hpp"

namespace ccd::daemon::cases {

/// The case as stored and as GET /v1/cases/{id} answers it, with what the configuration says of
/// its type and stage (labels, next stages; skipped when `config` is null).
nlohmann::json caseJson(const routing::ServiceCase& c, const routing::CasesConfig* config);
/// caseJson(c, nullptr) as text: the document the store keeps, the same bytes as its dump()
/// (invalid UTF-8 replaced). A case without quote, visits, shipments, repairs or follow-ups (a
/// case just opened) is written straight into the text, without building the JSON tree.
std::string caseBodyText(const routing::ServiceCase& c);
/// Reads what caseJson wrote (the stored document); false when it is not such a document.
bool caseFromJson(const nlohmann::json& j, routing::ServiceCase& out);

/// A product object ({sku, name, serial, purchased_on, warranty_until}); absent fields empty.
routing::Product productFromJson(const nlohmann::json& p);

/// "380.00" -> 38000; nullopt unless a non-negative amount with at most two decimals.
std::optional<std::int64_t> parseMoney(const nlohmann::json& v);
std::string formatMoney(std::int64_t cents);

/// A PATCH body read into a command; `error` says what is wrong when it cannot be.
struct ParsedCommand {
    std::optional<routing::CaseCommand> command;
    std::string error;
};
ParsedCommand commandFromJson(const nlohmann::json& body);

/// What the engine is told of a case's effects: its notices to the customer (on the case's
/// latest conversation, with the case's variables; engineers by their display names when
/// `accounts` knows them) and to supervisors ("case N: ..."). Empty effects: none.
std::optional<routing::CaseNotified> caseNotified(const routing::ServiceCase& c,
                                                  const routing::CaseEffects& effects,
                                                  const std::string& locale,
                                                  const config::AgentsConfig* accounts);

}  // namespace ccd::daemon::cases
