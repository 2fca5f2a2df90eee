#pragma once
// The JSON of a customer's archive (issue 13), the same for GET /v1/contacts/{key}/history and
// the console's `customer_history` (docs/http-api.md, docs/console-protocol.md), and of a
// contact's products with their warranty state, which GET /v1/contacts/{key} shares. Pure.

#include <nlohmann/json.hpp>
#include <vector>

#include "daemon/store/contact_history.hpp"
#include "routing/model.hpp"

namespace ccd::daemon {

/// Each product with `in_warranty` on the UTC date of `now` (routing::inWarranty).
nlohmann::json productsJson(const std::vector<routing::Product>& products, routing::TimePoint now);

/// The archive: summary counts, the conversations listed (newest first), the products with
/// their warranty state, and `cases` (empty until service cases exist).
nlohmann::json contactHistoryJson(const store::ContactHistory& history, routing::TimePoint now);

}  // namespace ccd::daemon
