#include "channels/api/api_channel.hpp"

#define BOOST_TEST_MODULE api_channel_test
#include <boost/test/unit_test.hpp>

using ccd::channels::WebRequest;
using ccd::channels::api::ApiChannel;

namespace {

WebRequest post(std::string body, std::string content_type = "application/json") {
    WebRequest r;
    r.method = "POST";
    r.target = "/v1/messages";
    r.headers.emplace_back("Content-Type", std::move(content_type));
    r.body = std::move(body);
    return r;
}

const auto kNowTime = ccd::routing::Clock::now();
const ccd::channels::ParseContext kNow{kNowTime, ""};

}  // namespace

BOOST_AUTO_TEST_CASE(minimal_message_is_parsed) {
    auto out = ApiChannel().parse(post(R"({"from":{"id":"c1"},"text":"my printer is broken"})"), kNow);
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    const auto& m = out.messages[0];
    BOOST_TEST(m.from.id == "c1");
    BOOST_TEST(m.text == "my printer is broken");
    BOOST_TEST(m.provider_id.empty());
    BOOST_TEST(!m.locale.has_value());
    BOOST_TEST((m.channel == ccd::routing::ChannelKind::Api));
    BOOST_TEST((m.received_at == kNowTime));
}

BOOST_AUTO_TEST_CASE(all_fields_are_parsed) {
    auto out = ApiChannel().parse(
        post(R"({"from":{"id":"c1","name":"Ann","email":"ann@example.com","phone":"+8613800000000"},
                 "text":"打印机坏了","external_id":"ext-1","locale":"zh-Hans","channel_ref":"web-42"})",
             "application/json; charset=utf-8"),
        kNow);
    BOOST_REQUIRE(!out.rejection);
    const auto& m = out.messages[0];
    BOOST_TEST(*m.from.name == "Ann");
    BOOST_TEST(*m.from.email == "ann@example.com");
    BOOST_TEST(*m.from.phone == "+8613800000000");
    BOOST_TEST(m.provider_id == "ext-1");
    BOOST_TEST(*m.locale == "zh-Hans");
    BOOST_TEST(*m.channel_ref == "web-42");
}

BOOST_AUTO_TEST_CASE(idempotency_key_header_is_the_provider_id_without_external_id) {
    auto req = post(R"({"from":{"id":"c1"},"text":"hi"})");
    req.headers.emplace_back("idempotency-key", "key-9");
    auto out = ApiChannel().parse(req, kNow);
    BOOST_REQUIRE(!out.rejection);
    BOOST_TEST(out.messages[0].provider_id == "key-9");

    auto both = post(R"({"from":{"id":"c1"},"text":"hi","external_id":"ext"})");
    both.headers.emplace_back("Idempotency-Key", "key-9");
    BOOST_TEST(ApiChannel().parse(both, kNow).messages[0].provider_id == "ext");
}

struct BadCase {
    const char* body;
    int status;
    const char* code;
    const char* field;
};

BOOST_AUTO_TEST_CASE(bad_bodies_are_rejected_with_the_field) {
    const BadCase cases[] = {
        {"{not json", 400, "invalid_json", ""},
        {"", 400, "invalid_json", ""},
        {"[1,2]", 422, "invalid_body", ""},
        {R"({"text":"x"})", 422, "missing_field", "from"},
        {R"({"from":"c1","text":"x"})", 422, "invalid_field", "from"},
        {R"({"from":{},"text":"x"})", 422, "missing_field", "from.id"},
        {R"({"from":{"id":7},"text":"x"})", 422, "invalid_field", "from.id"},
        {R"({"from":{"id":""},"text":"x"})", 422, "invalid_field", "from.id"},
        {R"({"from":{"id":"c1"}})", 422, "missing_field", "text"},
        {R"({"from":{"id":"c1"},"text":42})", 422, "invalid_field", "text"},
        {R"({"from":{"id":"c1"},"text":"   "})", 422, "invalid_field", "text"},
        {R"({"from":{"id":"c1"},"text":"x","external_id":5})", 422, "invalid_field", "external_id"},
        {R"({"from":{"id":"c1"},"text":"x","locale":"not a locale!"})", 422, "invalid_field", "locale"},
        {R"({"from":{"id":"c1","email":"nope"},"text":"x"})", 422, "invalid_field", "from.email"},
        {R"({"from":{"id":"c1"},"text":"x","colour":"red"})", 422, "unknown_field", "colour"},
        {R"({"from":{"id":"c1","age":3},"text":"x"})", 422, "unknown_field", "from.age"},
        {"{\"from\":{\"id\":\"c1\"},\"text\":\"\xff\xfe\"}", 400, "invalid_json", ""},
        // A number too large for a double made the error path throw (found by the fuzzer).
        {"44e4444444", 400, "invalid_json", ""},
        {R"({"from":{"id":"c1"},"text":"x","n":1e999})", 400, "invalid_json", ""},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("body " << c.body) {
            auto out = ApiChannel().parse(post(c.body), kNow);
            BOOST_REQUIRE(out.rejection.has_value());
            BOOST_TEST(out.rejection->status == c.status);
            BOOST_TEST(out.rejection->code == c.code);
            BOOST_TEST(out.rejection->field == c.field);
            BOOST_TEST(!out.rejection->reason.empty());
            BOOST_TEST(out.messages.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(wrong_content_type_is_415) {
    for (const char* ct : {"text/plain", "", "application/jsonx", "application/x-www-form-urlencoded"}) {
        auto out = ApiChannel().parse(post(R"({"from":{"id":"c1"},"text":"x"})", ct), kNow);
        BOOST_REQUIRE(out.rejection.has_value());
        BOOST_TEST(out.rejection->status == 415);
    }
}

BOOST_AUTO_TEST_CASE(overlong_ids_are_rejected) {
    std::string id(ccd::channels::api::kMaxIdLength + 1, 'x');
    auto out = ApiChannel().parse(post(R"({"from":{"id":")" + id + R"("},"text":"x"})"), kNow);
    BOOST_REQUIRE(out.rejection.has_value());
    BOOST_TEST(out.rejection->field == "from.id");
}

BOOST_AUTO_TEST_CASE(a_raw_nul_byte_or_trailing_bytes_are_refused) {
    // {valid}\0garbage was accepted: a parser that stops at NUL saw only the valid part.
    std::string body = R"({"from":{"id":"c1"},"text":"x"})";
    body.push_back('\0');
    body += "garbage";
    auto out = ApiChannel().parse(post(body), kNow);
    BOOST_REQUIRE(out.rejection.has_value());
    BOOST_TEST(out.rejection->status == 400);
    BOOST_TEST(out.rejection->code == "invalid_json");
    auto trailing = ApiChannel().parse(post(R"({"from":{"id":"c1"},"text":"x"} {"more":1})"), kNow);
    BOOST_REQUIRE(trailing.rejection.has_value());
    BOOST_TEST(trailing.rejection->code == "invalid_json");
}

BOOST_AUTO_TEST_CASE(an_authenticated_clients_senders_are_scoped_to_it) {
    // Two clients may both call their customer "c1": they are not one person.
    auto out = ApiChannel().parse(post(R"({"from":{"id":"c1"},"text":"x"})"),
                                  ccd::channels::ParseContext{kNowTime, "crm"});
    BOOST_REQUIRE(!out.rejection);
    BOOST_TEST(out.messages[0].from.id == "crm:c1");
    BOOST_TEST(out.messages[0].api_client == "crm");
}

BOOST_AUTO_TEST_CASE(the_answer_is_202_with_the_stored_ids) {
    ccd::channels::IntakeReceipt receipt;
    receipt.messages.push_back({41, 7, true, false, std::nullopt});
    auto r = ApiChannel().answer(receipt);
    BOOST_TEST(r.status == 202);
    BOOST_TEST(r.body == R"({"conversation_id":7,"duplicate":true,"message_id":41})");
}
