#include "daemon/store/sqlite/sqlite_contacts.hpp"

#define BOOST_TEST_MODULE sqlite_contacts_itest
#include <boost/test/unit_test.hpp>

#include "daemon/store/sqlite/schema.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
using store::ContactUpdate;
using store::sqlite::Connection;
using store::sqlite::readContact;
using store::sqlite::writeContact;

namespace {

/// A real database file in a temp folder, with the store's own migrations applied.
struct Db {
    Db() : conn(dir.file("ccd.db"), /*create=*/true) {
        conn.exec("PRAGMA foreign_keys = ON");
        store::sqlite::migrate(conn);
    }
    long long count(const std::string& sql) { return std::stoll(conn.queryText(sql).value_or("-1")); }

    testing::TempDir dir;
    Connection conn;
};

// One contact write in its own transaction, as the store's writer does it.
store::ContactPutResult put(Db& db, const ContactUpdate& u, std::int64_t now = 1000) {
    db.conn.exec("BEGIN IMMEDIATE");
    auto r = writeContact(db.conn, u, now);
    db.conn.exec("COMMIT");
    return r;
}

routing::Product product(std::string sku, std::optional<std::string> from,
                         std::optional<std::string> until) {
    routing::Product p;
    p.sku = std::move(sku);
    p.name = "Printer";
    p.purchased_on = std::move(from);
    p.warranty_until = std::move(until);
    return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(create_then_update_keeps_fields_not_given) {
    Db db;
    ContactUpdate u;
    u.key = "C-1";
    u.name = "张伟";
    u.email = "Zhang@Example.com";
    u.phone = "+8613800000000";
    u.tier = "vip";
    u.locale = "zh-Hans";
    u.attributes = std::map<std::string, std::string>{{"region", "east"}};
    u.addresses = {{"telegram", "123"}, {"webchat", "w-1"}};
    u.products = std::vector<routing::Product>{product("P-1", "2024-01-10", "2026-01-09")};
    auto a = put(db, u, 1000);
    BOOST_TEST(a.created);
    BOOST_TEST(a.id > 0);

    ContactUpdate v;
    v.key = "C-1";
    v.locale = "en";
    auto b = put(db, v, 2000);
    BOOST_TEST(!b.created);
    BOOST_TEST(b.id == a.id);

    auto d = readContact(db.conn, "C-1");
    BOOST_REQUIRE(d);
    BOOST_TEST(d->id == a.id);
    BOOST_TEST(*d->key == "C-1");
    BOOST_TEST(*d->profile.name == "张伟");
    BOOST_TEST(*d->email == "zhang@example.com");
    BOOST_TEST(*d->phone == "+8613800000000");
    BOOST_TEST(d->profile.tier == "vip");
    BOOST_TEST(*d->profile.locale == "en");
    BOOST_TEST(d->profile.attributes.at("region") == "east");
    BOOST_REQUIRE(d->profile.products.size() == 1u);
    BOOST_TEST(*d->profile.products[0].warranty_until == "2026-01-09");
    BOOST_TEST(d->created_at_ms == 1000);
    BOOST_TEST(d->updated_at_ms == 2000);
    // email and phone became addresses on the email and voice channels.
    std::vector<std::pair<std::string, std::string>> expected{
        {"email", "zhang@example.com"}, {"telegram", "123"}, {"voice", "+8613800000000"},
        {"webchat", "w-1"}};
    BOOST_TEST(d->addresses == expected);
    BOOST_TEST(!readContact(db.conn, "C-2"));
}

BOOST_AUTO_TEST_CASE(products_and_attributes_are_replaced_when_given) {
    Db db;
    ContactUpdate u;
    u.key = "C-1";
    u.attributes = std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}};
    u.products = std::vector<routing::Product>{product("P-1", std::nullopt, std::nullopt),
                                               product("P-2", std::nullopt, std::nullopt)};
    put(db, u);
    u.attributes = std::map<std::string, std::string>{{"c", "3"}};
    u.products = std::vector<routing::Product>{product("P-3", "2020-01-01", "2021-01-01")};
    put(db, u);
    auto d = readContact(db.conn, "C-1");
    BOOST_REQUIRE(d);
    BOOST_TEST(d->profile.attributes.size() == 1u);
    BOOST_TEST(d->profile.attributes.count("c") == 1u);
    BOOST_REQUIRE(d->profile.products.size() == 1u);
    BOOST_TEST(d->profile.products[0].sku == "P-3");
    BOOST_TEST(db.count("SELECT count(*) FROM contact_products") == 1);

    u.products = std::vector<routing::Product>{};
    put(db, u);
    BOOST_TEST(readContact(db.conn, "C-1")->profile.products.empty());
}

BOOST_AUTO_TEST_CASE(an_address_moves_to_the_contact_that_claims_it) {
    Db db;
    ContactUpdate a;
    a.key = "A";
    a.addresses = {{"telegram", "42"}};
    auto ra = put(db, a);
    ContactUpdate b;
    b.key = "B";
    b.addresses = {{"telegram", "42"}, {"whatsapp", "+4915112345678"}};
    auto rb = put(db, b);
    BOOST_TEST(rb.created);
    BOOST_TEST(rb.id != ra.id);  // A has a key of its own: B is a new contact
    BOOST_TEST(readContact(db.conn, "A")->addresses.empty());
    BOOST_TEST(readContact(db.conn, "B")->addresses.size() == 2u);
    BOOST_TEST(db.count("SELECT contact_id FROM contact_addresses WHERE address = '42'") == rb.id);
}

BOOST_AUTO_TEST_CASE(a_keyless_contact_that_wrote_in_takes_the_key) {
    Db db;
    // What ingest creates for a first message: a contact without a key and its address.
    db.conn.exec(
        "INSERT INTO contacts (id, name, created_at, updated_at) VALUES (7, 'tg user', 1, 1);"
        "INSERT INTO contact_addresses VALUES ('telegram', '555', 7);");
    ContactUpdate u;
    u.key = "CRM-9";
    u.name = "Li Na";
    u.addresses = {{"webchat", "none-yet"}, {"telegram", "555"}};
    auto r = put(db, u);
    BOOST_TEST(r.created);  // new under this key
    BOOST_TEST(r.id == 7);  // but the same person, conversations and all
    auto d = readContact(db.conn, "CRM-9");
    BOOST_REQUIRE(d);
    BOOST_TEST(*d->profile.name == "Li Na");
    BOOST_TEST(d->addresses.size() == 2u);
    BOOST_TEST(db.count("SELECT count(*) FROM contacts") == 1);
}

BOOST_AUTO_TEST_CASE(a_batch_is_all_or_nothing_with_the_callers_transaction) {
    Db db;
    std::vector<ContactUpdate> batch(3);
    batch[0].key = "K1";
    batch[1].key = "K2";
    batch[2].key = "K3";
    db.conn.exec("BEGIN IMMEDIATE");
    BOOST_TEST(store::sqlite::writeContacts(db.conn, batch, 5) == 3u);
    db.conn.exec("ROLLBACK");
    BOOST_TEST(db.count("SELECT count(*) FROM contacts") == 0);
    db.conn.exec("BEGIN IMMEDIATE");
    store::sqlite::writeContacts(db.conn, batch, 5);
    db.conn.exec("COMMIT");
    BOOST_TEST(db.count("SELECT count(*) FROM contacts WHERE external_id LIKE 'K%'") == 3);
}

BOOST_AUTO_TEST_CASE(read_inside_an_open_transaction_does_not_nest) {
    Db db;
    ContactUpdate u;
    u.key = "X";
    db.conn.exec("BEGIN IMMEDIATE");
    writeContact(db.conn, u, 1);
    auto d = readContact(db.conn, "X");  // sees its own uncommitted write
    db.conn.exec("COMMIT");
    BOOST_REQUIRE(d);
    BOOST_TEST(d->profile.tier == "standard");
}
