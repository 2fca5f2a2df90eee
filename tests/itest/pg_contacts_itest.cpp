#include "daemon/store/postgres/pg_contacts.hpp"

#define BOOST_TEST_MODULE pg_contacts_itest
#include <boost/test/unit_test.hpp>

#include "daemon/store/postgres/pg_read.hpp"
#include "daemon/store/sqlite/sqlite_contacts.hpp"
#include "tests/support/store_pair.hpp"

// The contact functions on both stores: each check runs SQLite's writeContact / readContact on
// a migrated file and PostgreSQL's on a database of its own, then compares what they return
// and every row they wrote.

using namespace ccd;
using store::ContactUpdate;
using testing::StorePair;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

std::string describe(const store::ContactPutResult& r) {
    return std::to_string(r.id) + (r.created ? " created" : " updated");
}

std::string describe(const std::vector<routing::Product>& products) {
    std::string out;
    for (const auto& x : products)
        out += "|p:" + x.sku + "," + x.name + "," + x.serial.value_or("-") + "," +
               x.purchased_on.value_or("-") + "," + x.warranty_until.value_or("-");
    return out;
}

std::string describe(const std::optional<store::ContactDetails>& d) {
    if (!d) return "none";
    std::string out = std::to_string(d->id) + "|" + d->key.value_or("-") + "|" +
                      d->profile.name.value_or("-") + "|" + d->email.value_or("-") + "|" +
                      d->phone.value_or("-") + "|" + d->profile.tier + "|" +
                      d->profile.locale.value_or("-") + "|" + std::to_string(d->created_at_ms) +
                      "|" + std::to_string(d->updated_at_ms);
    for (const auto& [k, v] : d->profile.attributes) out += "|a:" + k + "=" + v;
    for (const auto& [c, a] : d->addresses) out += "|@" + c + ":" + a;
    return out + describe(d->profile.products);
}

// Every row the contact functions write, in an order both stores give alike.
void sameTables(StorePair& s) {
    s.sameRows(
        "SELECT id, external_id, name, email, phone, tier, locale, attributes, created_at,"
        " updated_at, erased_at FROM contacts ORDER BY id");
    s.sameRows(
        "SELECT channel, address, contact_id FROM contact_addresses ORDER BY channel, address");
    // Without their ids: replacing a contact's products deletes the highest ids, which SQLite
    // hands out again and PostgreSQL's identity does not (pg_schema.cpp); the order is the same.
    s.sameRows(
        "SELECT contact_id, sku, name, serial, purchased_on, warranty_until"
        " FROM contact_products ORDER BY id");
}

store::ContactPutResult put(StorePair& s, const ContactUpdate& u, std::int64_t now) {
    auto lite = s.inLite([&](auto& db) { return store::sqlite::writeContact(db, u, now); });
    auto pg = s.inPg([&](auto& db) { return store::postgres::writeContact(db, u, now); });
    testing::sameResult(lite, pg, [](const auto& r) { return describe(r); });
    return pg;
}

std::string read(StorePair& s, const std::string& key) {
    auto lite = store::sqlite::readContact(s.lite(), key);
    auto pg = store::postgres::readContact(s.pg(), key);
    return testing::sameResult(lite, pg, [](const auto& d) { return describe(d); });
}

routing::Product product(std::string sku, std::string name, std::optional<std::string> serial) {
    routing::Product p;
    p.sku = std::move(sku);
    p.name = std::move(name);
    p.serial = std::move(serial);
    p.purchased_on = "2024-01-31";
    p.warranty_until = std::nullopt;
    return p;
}

ContactUpdate full() {
    ContactUpdate u;
    u.key = "CRM-1";
    u.name = "Zoë \"Q\" O'Brien \\ 王";
    u.email = "Zoe.OBrien@Example.COM";
    u.phone = "+15551234567";
    u.tier = "gold";
    u.locale = "zh-Hans";
    u.attributes = std::map<std::string, std::string>{{"region", "north"}, {"note", "a,b{c}\"d\\"}};
    // The email again (lower-cased: one address), and addresses with array-literal characters.
    u.addresses = {{"telegram", "1001"},
                   {"email", "zoe.obrien@example.com"},
                   {"whatsapp", "{\"x\",NULL}\\"},
                   {"api", "NULL"}};
    u.products = std::vector<routing::Product>{product("WM-100", "Washer", "SN-1"),
                                               product("DR-7", "", std::nullopt),
                                               product("NULL", "名前, \"quoted\"", "{}")};
    return u;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_new_contact_with_every_field) {
    StorePair s;
    auto r = put(s, full(), kT0);
    BOOST_TEST(r.created);
    BOOST_TEST(r.id == 1);
    sameTables(s);
    auto shown = read(s, "CRM-1");
    BOOST_TEST(shown.find("zoe.obrien@example.com") != std::string::npos);
    BOOST_TEST(shown.find("|p:DR-7,,-,") != std::string::npos);
    BOOST_TEST(s.pgRows("SELECT count(*) FROM contact_addresses").at(0).at(0).value_or("") == "5");
    BOOST_TEST(read(s, "CRM-unknown") == "none");
}

BOOST_AUTO_TEST_CASE(an_update_keeps_what_it_does_not_give_and_replaces_lists) {
    StorePair s;
    put(s, full(), kT0);
    ContactUpdate u;
    u.key = "CRM-1";
    u.tier = "platinum";
    u.attributes = std::map<std::string, std::string>{{"vip", "yes"}};
    u.products = std::vector<routing::Product>{product("NEW-1", "Dryer", "S2")};
    auto r = put(s, u, kT0 + 1000);
    BOOST_TEST(!r.created);
    BOOST_TEST(r.id == 1);
    sameTables(s);
    auto shown = read(s, "CRM-1");
    BOOST_TEST(shown.find("platinum") != std::string::npos);
    BOOST_TEST(shown.find("|a:vip=yes") != std::string::npos);
    BOOST_TEST(shown.find("region") == std::string::npos);
    BOOST_TEST(shown.find("WM-100") == std::string::npos);

    // Products given empty: none left; not given: kept.
    ContactUpdate none;
    none.key = "CRM-1";
    none.products = std::vector<routing::Product>{};
    put(s, none, kT0 + 2000);
    ContactUpdate keep;
    keep.key = "CRM-1";
    keep.name = "Zoe";
    put(s, keep, kT0 + 3000);
    sameTables(s);
    BOOST_TEST(s.pgRows("SELECT count(*) FROM contact_products").at(0).at(0).value_or("") == "0");
}

BOOST_AUTO_TEST_CASE(a_keyless_contact_named_by_an_address_takes_the_key) {
    StorePair s;
    // Two customers who wrote in before the CRM knew them (as ingest stores them).
    s.exec(
        "INSERT INTO contacts (name, tier, attributes, created_at, updated_at) VALUES"
        " ('tg user', 'standard', '{\"a\":1}', 5, 5), ('wa user', 'standard', '{}', 6, 6);"
        "INSERT INTO contact_addresses (channel, address, contact_id) VALUES"
        " ('telegram', '1001', 1), ('whatsapp', '+1555', 2)");
    ContactUpdate u;
    u.key = "CRM-9";
    // The first address that names a keyless contact wins: the WhatsApp one, listed first.
    u.addresses = {{"whatsapp", "+1555"}, {"telegram", "1001"}};
    auto r = put(s, u, kT0);
    BOOST_TEST(r.created);
    BOOST_TEST(r.id == 2);
    sameTables(s);
    // The telegram address moved to contact 2; contact 1 keeps its row.
    BOOST_TEST(s.pgRows("SELECT contact_id FROM contact_addresses WHERE channel = 'telegram'")
                   .at(0)
                   .at(0)
                   .value_or("") == "2");

    // A keyed contact is not taken over by its address: a new contact, and the address moves.
    ContactUpdate other;
    other.key = "CRM-10";
    other.addresses = {{"whatsapp", "+1555"}};
    auto r2 = put(s, other, kT0 + 1);
    BOOST_TEST(r2.created);
    BOOST_TEST(r2.id == 3);
    sameTables(s);
    read(s, "CRM-9");
    read(s, "CRM-10");
}

BOOST_AUTO_TEST_CASE(many_updates_in_one_transaction_see_each_other) {
    StorePair s;
    std::vector<ContactUpdate> updates;
    for (int i = 0; i < 30; ++i) {
        ContactUpdate u;
        u.key = "K" + std::to_string(i % 20);  // the last ten update the first ten
        u.name = "Name " + std::to_string(i);
        u.email = "User" + std::to_string(i % 7) + "@Example.com";  // addresses move
        u.products = std::vector<routing::Product>{product("P" + std::to_string(i), "x", "s")};
        updates.push_back(u);
    }
    auto lite = s.inLite([&](auto& db) { return store::sqlite::writeContacts(db, updates, kT0); });
    auto pg = s.inPg([&](auto& db) { return store::postgres::writeContacts(db, updates, kT0); });
    BOOST_TEST(lite == 30u);
    BOOST_TEST(pg == 30u);
    sameTables(s);
    BOOST_TEST(s.pgRows("SELECT count(*) FROM contacts").at(0).at(0).value_or("") == "20");
    for (int i = 0; i < 20; ++i) read(s, "K" + std::to_string(i));

    // Nothing is kept when the caller rolls back.
    std::vector<ContactUpdate> more(1);
    more[0].key = "ROLLED-BACK";
    BOOST_CHECK_THROW(s.inPg([&](auto& db) {
        store::postgres::writeContacts(db, more, kT0);
        throw std::runtime_error("caller fails");
    }),
                      std::runtime_error);
    BOOST_TEST(store::postgres::readContact(s.pg(), "ROLLED-BACK").has_value() == false);
}

BOOST_AUTO_TEST_CASE(products_read_in_the_order_given) {
    StorePair s;
    put(s, full(), kT0);
    auto lite = store::sqlite::readProducts(s.lite(), 1);
    auto pg = store::postgres::readProducts(s.pg(), 1);
    BOOST_TEST(describe(lite) == describe(pg));
    BOOST_TEST(pg.size() == 3u);
    BOOST_TEST(pg.at(0).sku == "WM-100");
    BOOST_TEST(pg.at(2).sku == "NULL");
    BOOST_TEST(store::postgres::readProducts(s.pg(), 99).empty());
}

BOOST_AUTO_TEST_CASE(postgres_writes_only_in_a_transaction_and_reads_in_one_or_not) {
    StorePair s;
    BOOST_CHECK_THROW(store::postgres::writeContact(s.pg(), full(), kT0), std::logic_error);
    put(s, full(), kT0);
    // Inside the caller's transaction, the read sees the transaction's own write. A write is
    // two round trips (the lookup, then every write), whatever the addresses and products.
    s.inPg([&](auto& db) {
        ContactUpdate u = full();
        u.key = "CRM-2";
        auto trips = db.ioStats().round_trips;
        store::postgres::writeContact(db, u, kT0);
        BOOST_TEST(db.ioStats().round_trips == trips + 2);
        BOOST_TEST(store::postgres::readContact(db, "CRM-2").has_value());
    });
    // Outside any: one round trip in a transaction of its own, closed after.
    auto before = s.pg().ioStats().round_trips;
    BOOST_TEST(store::postgres::readContact(s.pg(), "CRM-1").has_value());
    BOOST_TEST(s.pg().ioStats().round_trips == before + 1);
    BOOST_TEST(!store::postgres::inTransaction(s.pg()));
}
