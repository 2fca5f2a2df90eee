#include "daemon/store/postgres/pg_api_keys.hpp"

#define BOOST_TEST_MODULE pg_api_keys_itest
#include <boost/test/unit_test.hpp>

#include "daemon/store/sqlite/sqlite_api_keys.hpp"
#include "tests/support/store_pair.hpp"

// The API key functions on both stores, compared result by result and row by row.

using namespace ccd;
using store::ApiKeyRecord;
using testing::StorePair;
namespace lite = store::sqlite;
namespace pg = store::postgres;

namespace {

std::string describe(const std::vector<ApiKeyRecord>& keys) {
    std::string out;
    for (const auto& k : keys)
        out += k.key_id + "|" + k.client + "|" + k.key_hash + "|" +
               std::to_string(k.created_at_ms) + "|" +
               (k.revoked_at_ms ? std::to_string(*k.revoked_at_ms) : "-") + "\n";
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(keys_are_stored_listed_and_revoked_once) {
    StorePair s;
    BOOST_TEST(pg::readApiKeys(s.pg()).empty());
    for (int i = 0; i < 5; ++i) {
        ApiKeyRecord k{"k_" + std::to_string(9 - i),
                       i % 2 ? "crm" : "shop 店",
                       std::string(64, static_cast<char>('a' + i)),
                       1'700'000'000'000 + i,
                       {}};
        lite::insertApiKey(s.lite(), k);
        pg::insertApiKey(s.pg(), k);
    }
    // A key id is unique: the second insert fails on both and changes nothing.
    ApiKeyRecord again{"k_9", "other", "ff", 1, {}};
    BOOST_CHECK_THROW(lite::insertApiKey(s.lite(), again), std::exception);
    try {
        pg::insertApiKey(s.pg(), again);
        BOOST_FAIL("a repeated key id was stored");
    } catch (const store::postgres::PgError& e) {
        BOOST_TEST(e.uniqueViolation());
    }
    BOOST_TEST(lite::revokeApiKey(s.lite(), "k_7", 42) == pg::revokeApiKey(s.pg(), "k_7", 42));
    BOOST_TEST(pg::revokeApiKey(s.pg(), "k_8", 43));
    BOOST_TEST(lite::revokeApiKey(s.lite(), "k_8", 43));
    // Revoked already, or no such key: false, the first revocation's time kept.
    BOOST_TEST(!pg::revokeApiKey(s.pg(), "k_7", 99));
    BOOST_TEST(!lite::revokeApiKey(s.lite(), "k_7", 99));
    BOOST_TEST(!pg::revokeApiKey(s.pg(), "k_nope", 99));
    auto listed = testing::sameResult(lite::readApiKeys(s.lite()), pg::readApiKeys(s.pg()),
                                      [](const auto& k) { return describe(k); });
    BOOST_TEST(listed.find("k_7|shop 店|") != std::string::npos);
    BOOST_TEST(listed.find("|42\n") != std::string::npos);
    BOOST_TEST(listed.rfind("k_5|", 0) != 0);  // oldest first: k_9 leads
    BOOST_TEST(listed.rfind("k_9|", 0) == 0);
    s.sameRows(
        "SELECT id, key_id, client, key_hash, created_at, revoked_at FROM api_keys"
        " ORDER BY id");
}
