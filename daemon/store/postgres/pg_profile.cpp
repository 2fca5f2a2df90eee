#include "daemon/store/postgres/pg_profile.hpp"

#include <chrono>
#include <string>

#include "daemon/store/inbound_rows.hpp"

namespace ccd::store::postgres {
namespace {

// The contact that ($1 channel, $2 address) names.
#define CCD_CONTACT_BY_ADDRESS \
    "(SELECT contact_id FROM contact_addresses WHERE channel = $1 AND address = $2)"

// The reads, for the contact that WHO names.
#define CCD_CONTACT(WHO) "SELECT name, tier, locale, attributes FROM contacts WHERE id = " WHO
#define CCD_PRODUCTS(WHO)                                                          \
    "SELECT sku, name, serial, purchased_on, warranty_until FROM contact_products" \
    " WHERE contact_id = " WHO " ORDER BY id"
#define CCD_LAST_AGENT(WHO)                                   \
    "SELECT agent FROM conversations WHERE contact_id = " WHO \
    " AND agent IS NOT NULL ORDER BY id DESC LIMIT 1"
#define CCD_CASES(WHO)                                                              \
    "SELECT id, type, coalesce(product_sku, ''), product_serial, opened_at, closed" \
    " FROM cases WHERE contact_id = " WHO " ORDER BY id DESC LIMIT 20"

constexpr const char* kContact = CCD_CONTACT(CCD_CONTACT_BY_ADDRESS);
constexpr const char* kProducts = CCD_PRODUCTS(CCD_CONTACT_BY_ADDRESS);
constexpr const char* kLastAgent = CCD_LAST_AGENT(CCD_CONTACT_BY_ADDRESS);
constexpr const char* kCases = CCD_CASES(CCD_CONTACT_BY_ADDRESS);
// By the contact's id ($1).
constexpr const char* kContactById = CCD_CONTACT("$1");
constexpr const char* kProductsById = CCD_PRODUCTS("$1");
constexpr const char* kLastAgentById = CCD_LAST_AGENT("$1");
constexpr const char* kCasesById = CCD_CASES("$1");

#undef CCD_CONTACT
#undef CCD_PRODUCTS
#undef CCD_LAST_AGENT
#undef CCD_CASES
#undef CCD_CONTACT_BY_ADDRESS

}  // namespace

void appendProfileReads(Batch& batch, std::string_view channel, std::string_view address) {
    for (const char* sql : {kContact, kProducts, kLastAgent, kCases})
        batch.add(sql, {channel, address});
}

void appendProfileReads(Batch& batch, std::int64_t contact_id) {
    for (const char* sql : {kContactById, kProductsById, kLastAgentById, kCasesById})
        batch.add(sql, {contact_id});
}

routing::ContactProfile profileFromResults(std::int64_t contact_id, std::vector<Result>& results,
                                           std::size_t first) {
    routing::ContactProfile p;
    p.id = contact_id;
    Result& contact = results.at(first);
    if (contact.next()) {
        p.name = contact.columnOptionalText(0);
        p.tier = contact.columnText(1);
        p.locale = contact.columnOptionalText(2);
        readProfileAttributes(contact.columnText(3), p);
    }
    Result& products = results.at(first + 1);
    while (products.next()) {
        routing::Product product;
        product.sku = products.columnText(0);
        product.name = products.columnOptionalText(1).value_or("");
        product.serial = products.columnOptionalText(2);
        product.purchased_on = products.columnOptionalText(3);
        product.warranty_until = products.columnOptionalText(4);
        p.products.push_back(std::move(product));
    }
    Result& last_agent = results.at(first + 2);
    if (last_agent.next()) p.last_agent = last_agent.columnOptionalText(0);
    setAccountManager(p);
    Result& cases = results.at(first + 3);
    while (cases.next()) {
        routing::CaseRef r;
        r.id = cases.columnInt(0);
        r.type = cases.columnText(1);
        r.product_sku = cases.columnText(2);
        r.product_serial = cases.columnOptionalText(3);
        r.opened_at = routing::TimePoint(std::chrono::milliseconds(cases.columnInt(4)));
        r.open = cases.columnInt(5) == 0;
        p.cases.push_back(std::move(r));
    }
    return p;
}

}  // namespace ccd::store::postgres
