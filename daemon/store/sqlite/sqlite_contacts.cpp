#include "daemon/store/sqlite/sqlite_contacts.hpp"

#include <utility>

#include "daemon/store/contact_rows.hpp"

namespace ccd::store::sqlite {
namespace {

using Address = std::pair<std::string, std::string>;

// A contact id for the key: the keyed contact, else a keyless one an address already names.
struct Found {
    std::int64_t id = 0;
    bool keyed = false;
};

std::optional<Found> findContact(Connection& db, const std::string& key,
                                 const std::vector<Address>& addresses) {
    Statement by_key(db, "SELECT id FROM contacts WHERE external_id = ?1");
    by_key.bind(1, std::string_view(key));
    if (by_key.step()) return Found{by_key.columnInt(0), true};

    Statement by_address(db,
                         "SELECT c.id FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id"
                         " WHERE a.channel = ?1 AND a.address = ?2 AND c.external_id IS NULL");
    for (const auto& [channel, address] : addresses) {
        by_address.bind(1, std::string_view(channel)).bind(2, std::string_view(address));
        bool found = by_address.step();
        std::int64_t id = found ? by_address.columnInt(0) : 0;
        by_address.reset();
        if (found) return Found{id, false};
    }
    return std::nullopt;
}

}  // namespace

ContactPutResult writeContact(Connection& db, const ContactUpdate& u, std::int64_t now_ms) {
    const auto addresses = contactAddresses(u);
    const auto attributes = contactAttributesColumn(u);
    std::optional<std::string> email;
    if (u.email) email = lowerAscii(*u.email);

    ContactPutResult result;
    auto found = findContact(db, u.key, addresses);
    if (found) {
        result.id = found->id;
        result.created = !found->keyed;
        Statement update(db,
                         "UPDATE contacts SET external_id = ?2, name = COALESCE(?3, name),"
                         " email = COALESCE(?4, email), phone = COALESCE(?5, phone),"
                         " tier = COALESCE(?6, tier), locale = COALESCE(?7, locale),"
                         " attributes = COALESCE(?8, attributes), updated_at = ?9 WHERE id = ?1");
        update.bind(1, result.id)
            .bind(2, std::string_view(u.key))
            .bind(3, u.name)
            .bind(4, email)
            .bind(5, u.phone)
            .bind(6, u.tier)
            .bind(7, u.locale)
            .bind(8, attributes)
            .bind(9, now_ms);
        update.run();
    } else {
        Statement insert(db,
                         "INSERT INTO contacts (external_id, name, email, phone, tier, locale,"
                         " attributes, created_at, updated_at) VALUES (?1, ?2, ?3, ?4,"
                         " COALESCE(?5, 'standard'), ?6, COALESCE(?7, '{}'), ?8, ?8)");
        insert.bind(1, std::string_view(u.key))
            .bind(2, u.name)
            .bind(3, email)
            .bind(4, u.phone)
            .bind(5, u.tier)
            .bind(6, u.locale)
            .bind(7, attributes)
            .bind(8, now_ms);
        insert.run();
        result.id = db.lastInsertRowid();
        result.created = true;
    }

    if (!addresses.empty()) {
        Statement link(db,
                       "INSERT INTO contact_addresses (channel, address, contact_id) "
                       "VALUES (?1, ?2, ?3) ON CONFLICT (channel, address) "
                       "DO UPDATE SET contact_id = excluded.contact_id");
        for (const auto& [channel, address] : addresses) {
            link.bind(1, std::string_view(channel))
                .bind(2, std::string_view(address))
                .bind(3, result.id);
            link.run();
        }
    }

    if (u.products) {
        Statement clear(db, "DELETE FROM contact_products WHERE contact_id = ?1");
        clear.bind(1, result.id);
        clear.run();
        Statement add(db,
                      "INSERT INTO contact_products (contact_id, sku, name, serial, purchased_on,"
                      " warranty_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        for (const auto& p : *u.products) {
            add.bind(1, result.id).bind(2, std::string_view(p.sku));
            if (p.name.empty()) {
                add.bindNull(3);
            } else {
                add.bind(3, std::string_view(p.name));
            }
            add.bind(4, p.serial).bind(5, p.purchased_on).bind(6, p.warranty_until);
            add.run();
        }
    }
    return result;
}

std::size_t writeContacts(Connection& db, const std::vector<ContactUpdate>& updates,
                          std::int64_t now_ms) {
    for (const auto& u : updates) writeContact(db, u, now_ms);
    return updates.size();
}

namespace {

std::optional<ContactDetails> readContactIn(Connection& db, const std::string& key) {
    Statement contact(db,
                      "SELECT id, external_id, name, email, phone, tier, locale, attributes,"
                      " created_at, updated_at FROM contacts WHERE external_id = ?1");
    contact.bind(1, std::string_view(key));
    if (!contact.step()) return std::nullopt;
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

    Statement addresses(db,
                        "SELECT channel, address FROM contact_addresses WHERE contact_id = ?1"
                        " ORDER BY channel, address");
    addresses.bind(1, d.id);
    while (addresses.step()) d.addresses.emplace_back(addresses.columnText(0), addresses.columnText(1));

    d.profile.products = readProducts(db, d.id);
    return d;
}

}  // namespace

std::vector<routing::Product> readProducts(Connection& db, std::int64_t contact_id) {
    Statement products(db,
                       "SELECT sku, name, serial, purchased_on, warranty_until"
                       " FROM contact_products WHERE contact_id = ?1 ORDER BY id");
    products.bind(1, contact_id);
    std::vector<routing::Product> out;
    while (products.step()) {
        routing::Product p;
        p.sku = products.columnText(0);
        p.name = products.columnOptionalText(1).value_or("");
        p.serial = products.columnOptionalText(2);
        p.purchased_on = products.columnOptionalText(3);
        p.warranty_until = products.columnOptionalText(4);
        out.push_back(std::move(p));
    }
    return out;
}

std::optional<ContactDetails> readContact(Connection& db, const std::string& key) {
    // The contact, its addresses and products as one snapshot.
    return inReadSnapshot(db, [&](Connection& c) { return readContactIn(c, key); });
}

}  // namespace ccd::store::sqlite
