#include "channels/api/contact_json.hpp"

#define BOOST_TEST_MODULE contact_json_test
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

using ccd::channels::api::ContactParse;
using ccd::channels::api::parseContactJson;

namespace {

ContactParse parse(const std::string& body, const std::string& key = "C-1",
                   const std::string& content_type = "application/json") {
    return parseContactJson(content_type, body, key);
}

// Asserts a rejection with this status, code and field.
void expectRejected(const ContactParse& out, int status, const std::string& code,
                    const std::string& field) {
    BOOST_REQUIRE_MESSAGE(out.rejection, "expected a rejection for " << field);
    BOOST_TEST(!out.contact);
    BOOST_TEST(out.rejection->status == status);
    BOOST_TEST(out.rejection->code == code);
    BOOST_TEST(out.rejection->field == field, out.rejection->reason);
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_body_is_parsed_and_normalized) {
    auto out = parse(R"({
        "name": "张伟", "email": "Zhang.Wei@Example.COM", "phone": "+8613800000000",
        "tier": "vip", "locale": "zh-Hans", "attributes": {"crm.segment": "gold", "region": "east"},
        "addresses": {"telegram": ["123456"], "webchat": ["w-1", "w-2", "w-1"],
                      "email": ["Other@Example.com"], "voice": ["+14155550100"]},
        "products": [{"sku": "P-100", "name": "Printer", "serial": "SN1",
                      "purchased_on": "2024-02-29", "warranty_until": "2026-02-28"},
                     {"sku": "INK"}]})");
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE(out.contact);
    const auto& c = *out.contact;
    BOOST_TEST(c.key == "C-1");
    BOOST_TEST(*c.name == "张伟");
    BOOST_TEST(*c.email == "zhang.wei@example.com");
    BOOST_TEST(*c.phone == "+8613800000000");
    BOOST_TEST(*c.tier == "vip");
    BOOST_TEST(*c.locale == "zh-Hans");
    BOOST_REQUIRE(c.attributes);
    BOOST_TEST(c.attributes->at("crm.segment") == "gold");
    BOOST_TEST(c.addresses.size() == 5u);  // the repeated w-1 once
    bool lowered = false;
    for (const auto& [channel, address] : c.addresses)
        if (channel == "email") lowered = address == "other@example.com";
    BOOST_TEST(lowered);
    BOOST_REQUIRE(c.products);
    BOOST_REQUIRE(c.products->size() == 2u);
    BOOST_TEST((*c.products)[0].sku == "P-100");
    BOOST_TEST(*(*c.products)[0].serial == "SN1");
    BOOST_TEST(*(*c.products)[0].warranty_until == "2026-02-28");
    BOOST_TEST((*c.products)[1].name.empty());
    BOOST_TEST(!(*c.products)[1].purchased_on);
}

BOOST_AUTO_TEST_CASE(empty_object_and_nulls_keep_everything) {
    auto out = parse(R"({"name": null, "products": null, "attributes": null})");
    BOOST_REQUIRE(out.contact);
    BOOST_TEST(!out.contact->name);
    BOOST_TEST(!out.contact->products);
    BOOST_TEST(!out.contact->attributes);
    BOOST_TEST(out.contact->addresses.empty());
    auto cleared = parse(R"({"products": [], "attributes": {}})");
    BOOST_REQUIRE(cleared.contact);
    BOOST_TEST(cleared.contact->products->empty());  // given and empty: replaces with nothing
    BOOST_TEST(cleared.contact->attributes->empty());
}

BOOST_AUTO_TEST_CASE(content_type_and_malformed_json) {
    expectRejected(parse("{}", "C-1", "text/plain"), 415, "unsupported_media_type", "");
    BOOST_TEST(!parse("{}", "C-1", "application/json; charset=utf-8").rejection);
    expectRejected(parse(R"({"name": )"), 400, "invalid_json", "");
    expectRejected(parse("44e4444444"), 400, "invalid_json", "");
    expectRejected(parse("[1]"), 422, "invalid_body", "");
    // Issue 15, defect 11: nlohmann's parser stops at a NUL byte.
    expectRejected(parse(std::string("{\"name\":\"A\"}\0garbage", 20)), 400, "invalid_json", "");
    expectRejected(parse(std::string("{}\0", 3)), 400, "invalid_json", "");
    expectRejected(parse("{} {}"), 400, "invalid_json", "");
}

BOOST_AUTO_TEST_CASE(keys) {
    BOOST_TEST(!parse("{}", "crm:42_a.b-C").rejection);
    expectRejected(parse("{}", ""), 422, "invalid_key", "key");
    expectRejected(parse("{}", "a b"), 422, "invalid_key", "key");
    expectRejected(parse("{}", "a/b"), 422, "invalid_key", "key");
    expectRejected(parse("{}", std::string(129, 'k')), 422, "invalid_key", "key");
    BOOST_TEST(!parse("{}", std::string(128, 'k')).rejection);
}

BOOST_AUTO_TEST_CASE(each_bad_field_is_named) {
    expectRejected(parse(R"({"nmae": "x"})"), 422, "unknown_field", "nmae");
    expectRejected(parse(R"({"name": 5})"), 422, "invalid_field", "name");
    expectRejected(parse(R"({"name": "  "})"), 422, "invalid_field", "name");
    expectRejected(parse(R"({"email": "no-at-sign"})"), 422, "invalid_field", "email");
    expectRejected(parse(R"({"email": "a@b"})"), 422, "invalid_field", "email");
    expectRejected(parse(R"({"email": "a b@c.com"})"), 422, "invalid_field", "email");
    expectRejected(parse(R"({"phone": "0044 20 7946 0000"})"), 422, "invalid_field", "phone");
    expectRejected(parse(R"({"phone": "+1234567"})"), 422, "invalid_field", "phone");
    expectRejected(parse(R"({"phone": "+1234567890123456"})"), 422, "invalid_field", "phone");
    expectRejected(parse(R"({"phone": 14155550100})"), 422, "invalid_field", "phone");
    BOOST_TEST(!parse(R"({"phone": "+12345678"})").rejection);
    expectRejected(parse(R"({"tier": "VIP"})"), 422, "invalid_field", "tier");
    expectRejected(parse(R"({"tier": "gold tier"})"), 422, "invalid_field", "tier");
    expectRejected(parse(R"({"tier": "1st"})"), 422, "invalid_field", "tier");
    BOOST_TEST(!parse(R"({"tier": "key_account-2"})").rejection);
    expectRejected(parse(R"({"locale": "x"})"), 422, "invalid_field", "locale");
    expectRejected(parse(R"({"attributes": ["a"]})"), 422, "invalid_field", "attributes");
    expectRejected(parse(R"({"attributes": {"n": 1}})"), 422, "invalid_field", "attributes.n");
    expectRejected(parse(R"({"attributes": {"a b": "x"}})"), 422, "invalid_field",
                   "attributes.a b");
}

BOOST_AUTO_TEST_CASE(addresses_are_checked_per_channel) {
    expectRejected(parse(R"({"addresses": {"fax": ["1"]}})"), 422, "invalid_field",
                   "addresses.fax");
    expectRejected(parse(R"({"addresses": ["x"]})"), 422, "invalid_field", "addresses");
    expectRejected(parse(R"({"addresses": {"telegram": "123"}})"), 422, "invalid_field",
                   "addresses.telegram");
    expectRejected(parse(R"({"addresses": {"telegram": ["1", 2]}})"), 422, "invalid_field",
                   "addresses.telegram[1]");
    expectRejected(parse(R"({"addresses": {"voice": ["+1415555"]}})"), 422, "invalid_field",
                   "addresses.voice[0]");
    expectRejected(parse(R"({"addresses": {"email": ["x"]}})"), 422, "invalid_field",
                   "addresses.email[0]");
    expectRejected(parse(R"({"addresses": {"webchat": [""]}})"), 422, "invalid_field",
                   "addresses.webchat[0]");
    expectRejected(parse(R"({"addresses": {"api": ["a\u0001b"]}})"), 422, "invalid_field",
                   "addresses.api[0]");
    std::string many = R"({"addresses": {"api": [)";
    for (int i = 0; i < 101; ++i) many += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
    expectRejected(parse(many + "]}}"), 422, "invalid_field", "addresses");
}

BOOST_AUTO_TEST_CASE(products_are_checked) {
    expectRejected(parse(R"({"products": {"sku": "a"}})"), 422, "invalid_field", "products");
    expectRejected(parse(R"({"products": ["a"]})"), 422, "invalid_field", "products[0]");
    expectRejected(parse(R"({"products": [{"name": "x"}]})"), 422, "missing_field",
                   "products[0].sku");
    expectRejected(parse(R"({"products": [{"sku": "a", "colour": "red"}]})"), 422, "unknown_field",
                   "products[0].colour");
    expectRejected(parse(R"({"products": [{"sku": "a"}, {"sku": "b", "purchased_on": "2024-1-5"}]})"),
                   422, "invalid_field", "products[1].purchased_on");
    expectRejected(parse(R"({"products": [{"sku": "a", "purchased_on": "2023-02-29"}]})"), 422,
                   "invalid_field", "products[0].purchased_on");
    expectRejected(parse(R"({"products": [{"sku": "a", "warranty_until": "2024-13-01"}]})"), 422,
                   "invalid_field", "products[0].warranty_until");
    expectRejected(parse(R"({"products": [{"sku": "a", "warranty_until": 20240101}]})"), 422,
                   "invalid_field", "products[0].warranty_until");
    auto before = parse(R"({"products": [{"sku": "a", "purchased_on": "2024-05-02",
                                          "warranty_until": "2024-05-01"}]})");
    expectRejected(before, 422, "invalid_field", "products[0].warranty_until");
    BOOST_TEST(before.rejection->reason.find("before purchased_on") != std::string::npos);
    BOOST_TEST(!parse(R"({"products": [{"sku": "a", "purchased_on": "2024-05-02",
                                         "warranty_until": "2024-05-02"}]})")
                    .rejection);
}

BOOST_AUTO_TEST_CASE(dot_keys_and_names_with_control_characters_are_refused) {
    // "." and ".." would make Location: /v1/contacts/.. a path that walks up.
    for (std::string key : {".", "..", "..."}) {
        BOOST_TEST_CONTEXT(key) { expectRejected(parse("{}", key), 422, "invalid_key", "key"); }
    }
    BOOST_TEST(!parse("{}", ".hidden").rejection);
    BOOST_TEST(!parse("{}", "a.b").rejection);
    for (const std::string& name :
         std::vector<std::string>{"Ann\nSet-Cookie: x", std::string("Ann\0B", 5), "Ann\x1b[2J",
                                  "Ann\x7f", "Ann\tTab"}) {
        BOOST_TEST_CONTEXT(name) {
            expectRejected(parse(nlohmann::json{{"name", name}}.dump()), 422, "invalid_field",
                           "name");
        }
    }
    BOOST_TEST(!parse(R"({"name":"Ann O'Neil-Smith 张伟"})").rejection);
}
