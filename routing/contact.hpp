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
};

/// Whether `product` is under warranty on the UTC date of `now`.
bool inWarranty(const Product& product, TimePoint now);
/// Whether any product of the contact is under warranty at `now`.
bool anyInWarranty(const ContactProfile& contact, TimePoint now);

}  // namespace ccd::routing
