#include "daemon/store/postgres/pg_contacts.hpp"

#include <utility>

#include "daemon/store/contact_rows.hpp"
#include "daemon/store/postgres/pg_read.hpp"

namespace ccd::store::postgres {
namespace {

// The contact for the key ($1), else the first keyless contact that one of the addresses
// ($2 channels, $3 addresses, in the update's order) names; `keyed` says which.
constexpr const char* kFind =
    "SELECT id, keyed FROM (SELECT id, true AS keyed, 0::bigint AS n FROM contacts"
    " WHERE external_id = $1"
    " UNION ALL SELECT c.id, false, a.n FROM unnest($2::text[], $3::text[]) WITH ORDINALITY"
    " AS a(channel, address, n) JOIN contact_addresses ca ON ca.channel = a.channel"
    " AND ca.address = a.address JOIN contacts c ON c.id = ca.contact_id"
    " WHERE c.external_id IS NULL) f ORDER BY n LIMIT 1";

constexpr const char* kUpdate =
    "UPDATE contacts SET external_id = $2, name = COALESCE($3, name),"
    " email = COALESCE($4, email), phone = COALESCE($5, phone), tier = COALESCE($6, tier),"
    " locale = COALESCE($7, locale), attributes = COALESCE($8, attributes), updated_at = $9"
    " WHERE id = $1";
constexpr const char* kInsert =
    "INSERT INTO contacts (external_id, name, email, phone, tier, locale, attributes,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, COALESCE($5, 'standard'), $6,"
    " COALESCE($7, '{}'), $8, $8) RETURNING id";

// The contact: $1 its id, or NULL for the one kInsert just inserted (currval is the session's
// own value, evaluated only then).
#define CCD_CONTACT "COALESCE($1::bigint, currval(pg_get_serial_sequence('contacts', 'id')))"

constexpr const char* kLink =
    "INSERT INTO contact_addresses (channel, address, contact_id) SELECT a.channel, "
    "a.address, " CCD_CONTACT
    " FROM unnest($2::text[], $3::text[]) AS a(channel, address)"
    " ON CONFLICT (channel, address) DO UPDATE SET contact_id = excluded.contact_id";
constexpr const char* kClearProducts =
    "DELETE FROM contact_products WHERE contact_id = (SELECT " CCD_CONTACT ")";
// In the order given: ids are drawn as the sorted rows are inserted.
constexpr const char* kAddProducts =
    "INSERT INTO contact_products (contact_id, sku, name, serial, purchased_on, warranty_until)"
    " SELECT " CCD_CONTACT
    ", p.sku, p.name, p.serial, p.purchased_on, p.warranty_until"
    " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY"
    " AS p(sku, name, serial, purchased_on, warranty_until, n) ORDER BY p.n";

#undef CCD_CONTACT

constexpr const char* kReadContact =
    "SELECT id, external_id, name, email, phone, tier, locale, attributes, created_at,"
    " updated_at FROM contacts WHERE external_id = $1";
constexpr const char* kReadAddresses =
    "SELECT channel, address FROM contact_addresses WHERE contact_id ="
    " (SELECT id FROM contacts WHERE external_id = $1) ORDER BY channel, address";
constexpr const char* kReadProductsByKey =
    "SELECT sku, name, serial, purchased_on, warranty_until FROM contact_products"
    " WHERE contact_id = (SELECT id FROM contacts WHERE external_id = $1) ORDER BY id";
constexpr const char* kReadProducts =
    "SELECT sku, name, serial, purchased_on, warranty_until FROM contact_products"
    " WHERE contact_id = $1 ORDER BY id";

std::vector<routing::Product> productsFrom(Result& r) {
    std::vector<routing::Product> out;
    while (r.next()) {
        routing::Product p;
        p.sku = r.columnText(0);
        p.name = r.columnOptionalText(1).value_or("");
        p.serial = r.columnOptionalText(2);
        p.purchased_on = r.columnOptionalText(3);
        p.warranty_until = r.columnOptionalText(4);
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

ContactPutResult writeContact(Connection& db, const ContactUpdate& u, std::int64_t now_ms) {
    if (!inTransaction(db)) throw std::logic_error("writeContact outside a transaction");
    const auto addresses = contactAddresses(u);
    const auto attributes = contactAttributesColumn(u);
    std::optional<std::string> email;
    if (u.email) email = lowerAscii(*u.email);
    std::vector<std::optional<std::string>> channels, values;
    for (const auto& [channel, address] : addresses) {
        channels.emplace_back(channel);
        values.emplace_back(address);
    }
    const std::string channel_array = textArray(channels);
    const std::string address_array = textArray(values);

    ContactPutResult result;
    auto found = db.query(kFind, {u.key, channel_array, address_array});
    Batch writes;
    if (found.next()) {
        result.id = found.columnInt(0);
        result.created = found.columnInt(1) == 0;
        writes.add(kUpdate, {result.id, u.key, u.name, email, u.phone, u.tier, u.locale, attributes,
                             now_ms});
    } else {
        result.created = true;
        writes.add(kInsert, {u.key, u.name, email, u.phone, u.tier, u.locale, attributes, now_ms});
    }
    const Param contact = result.id ? Param(result.id) : Param(nullptr);
    if (!addresses.empty()) writes.add(kLink, {contact, channel_array, address_array});
    if (u.products) {
        writes.add(kClearProducts, {contact});
        if (!u.products->empty()) {
            std::vector<std::optional<std::string>> sku, name, serial, purchased, warranty;
            for (const auto& p : *u.products) {
                sku.emplace_back(p.sku);
                name.push_back(p.name.empty() ? std::nullopt : std::optional(p.name));
                serial.push_back(p.serial);
                purchased.push_back(p.purchased_on);
                warranty.push_back(p.warranty_until);
            }
            writes.add(kAddProducts, {contact, textArray(sku), textArray(name), textArray(serial),
                                      textArray(purchased), textArray(warranty)});
        }
    }
    auto results = db.pipeline(writes, {false, false});
    if (!result.id) {
        if (!results.at(0).next()) throw PgError("contact insert returned no id", "", false);
        result.id = results[0].columnInt(0);
    }
    return result;
}

std::size_t writeContacts(Connection& db, const std::vector<ContactUpdate>& updates,
                          std::int64_t now_ms) {
    // One after the other: an update may name a key or an address an earlier one wrote.
    for (const auto& u : updates) writeContact(db, u, now_ms);
    return updates.size();
}

std::optional<ContactDetails> readContact(Connection& db, const std::string& key) {
    auto results = ReadPipeline(db)
                       .add(kReadContact, {key})
                       .add(kReadAddresses, {key})
                       .add(kReadProductsByKey, {key})
                       .run();
    Result& contact = results.at(0);
    if (!contact.next()) return std::nullopt;
    ContactDetails d;
    d.id = contact.columnInt(0);
    d.key = contact.columnOptionalText(1);
    d.profile.id = d.id;
    d.profile.name = contact.columnOptionalText(2);
    d.email = contact.columnOptionalText(3);
    d.phone = contact.columnOptionalText(4);
    d.profile.tier = contact.columnText(5);
    d.profile.locale = contact.columnOptionalText(6);
    d.profile.attributes = parseContactAttributes(contact.columnText(7));
    d.created_at_ms = contact.columnInt(8);
    d.updated_at_ms = contact.columnInt(9);
    Result& addresses = results.at(1);
    while (addresses.next())
        d.addresses.emplace_back(addresses.columnText(0), addresses.columnText(1));
    d.profile.products = productsFrom(results.at(2));
    return d;
}

std::vector<routing::Product> readProducts(Connection& db, std::int64_t contact_id) {
    auto r = db.query(kReadProducts, {contact_id});
    return productsFrom(r);
}

}  // namespace ccd::store::postgres
