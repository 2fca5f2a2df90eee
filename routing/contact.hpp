#pragma once
// What the routing core knows about a customer: tier, preferred locale, attributes and the
// products they own, with warranty. Pure data, filled by the daemon from the store.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "routing/model.hpp"

namespace ccd::routing {

/// A product the customer owns.
struct Product {
    std::string sku;
    std::string name;
    std::optional<std::string> serial;
    std::optional<std::string> purchased_on;  ///< "YYYY-MM-DD"
    std::optional<std::string> warranty_until;  ///< "YYYY-MM-DD", inclusive (UTC date)
};

/// An earlier service case of the contact, as repeat detection and rules see it.
struct CaseRef {
    std::int64_t id = 0;
    std::string type;
    std::string product_sku;  ///< empty: no product
    std::optional<std::string> product_serial;
    TimePoint opened_at{};
    bool open = true;  ///< not in a terminal stage
};

/// A contact as the routing rules see it.
struct ContactProfile {
    std::int64_t id = 0;
    std::optional<std::string> name;
    std::string tier = "standard";
    std::optional<std::string> locale;
    std::map<std::string, std::string> attributes;
    std::vector<Product> products;
    /// The agent who last served this customer, preferred when available.
    std::optional<std::string> last_agent;
    /// The agent who looks after this customer (VIP account manager): `prefer_agent:
    /// account_manager` offers their work to this agent first.
    std::optional<std::string> account_manager;
    /// The contact's service cases, newest first (a bounded number: what `repeat_within` and
    /// `open_case` look at).
    std::vector<CaseRef> cases;
};

/// Whether `product` is under warranty on the UTC date of `now`.
bool inWarranty(const Product& product, TimePoint now);
/// Whether any product of the contact is under warranty at `now`.
bool anyInWarranty(const ContactProfile& contact, TimePoint now);

}  // namespace ccd::routing
