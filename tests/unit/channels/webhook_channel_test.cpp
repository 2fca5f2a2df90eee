#include "channels/webhook/webhook_channel.hpp"

#include <boost/test/unit_test.hpp>

#include "channels/common/crypto.hpp"
#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;

namespace {

const auto kNow = routing::Clock::now();
const std::string kSecret = "a-shared-secret-of-32-characters";

channels::webhook::WebhookSettings settings() {
    channels::webhook::WebhookSettings s;
    s.name = "erp";
    s.secret = config::Secret(kSecret, "inline");
    s.callback_url = "http://127.0.0.1:9/callback/erp";
    return s;
}

std::string unix(routing::TimePoint t) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

channels::WebRequest signedPost(const std::string& body, const std::string& ts) {
    return testing::request("POST", "/webhooks/webhook/erp", body,
                            {{"Content-Type", "application/json"},
                             {"X-Signature-Timestamp", ts},
                             {"X-Signature-256", channels::webhook::sign(kSecret, ts, body)}});
}

const std::string kBody = R"({"from":{"id":"c1","name":"Ann"},"text":"my printer is broken","external_id":"erp-1"})";

}  // namespace

BOOST_AUTO_TEST_SUITE(webhook)

BOOST_AUTO_TEST_CASE(the_signature_covers_the_timestamp_and_the_body) {
    // Checked with: printf '1700000000.{}' | openssl dgst -sha256 -hmac a-shared-secret-of-32-characters
    BOOST_TEST(channels::webhook::sign(kSecret, "1700000000", "{}") ==
               "sha256=" + channels::hmacSha256Hex(kSecret, "1700000000.{}"));
    channels::webhook::WebhookInbound in(settings());
    auto ok = in.parse(signedPost(kBody, unix(kNow)), {kNow, ""});
    BOOST_REQUIRE(!ok.rejection);
    BOOST_REQUIRE_EQUAL(ok.messages.size(), 1u);
    BOOST_TEST(ok.messages[0].provider_id == "erp-1");
    BOOST_TEST((ok.messages[0].channel == routing::ChannelKind::Webhook));
    BOOST_TEST(!ok.replay_key.empty());
    BOOST_TEST(in.answer({}).status == 202);

    auto req = signedPost(kBody, unix(kNow));
    req.body += " ";  // the body changed after signing
    BOOST_TEST(in.parse(req, {kNow, ""}).rejection->status == 401);
    auto unsigned_req = testing::request("POST", "/x", kBody, {{"Content-Type", "application/json"}});
    BOOST_TEST(in.parse(unsigned_req, {kNow, ""}).rejection->status == 401);
}

BOOST_AUTO_TEST_CASE(a_timestamp_older_than_five_minutes_is_refused) {
    channels::webhook::WebhookInbound in(settings());
    auto old = in.parse(signedPost(kBody, unix(kNow - std::chrono::minutes(6))), {kNow, ""});
    BOOST_REQUIRE(old.rejection);
    BOOST_TEST(old.rejection->status == 401);
    BOOST_TEST(old.rejection->code == "stale_signature");
    auto future = in.parse(signedPost(kBody, unix(kNow + std::chrono::minutes(6))), {kNow, ""});
    BOOST_REQUIRE(future.rejection);
    auto recent = in.parse(signedPost(kBody, unix(kNow - std::chrono::minutes(4))), {kNow, ""});
    BOOST_TEST(!recent.rejection);
    auto junk = in.parse(signedPost(kBody, "yesterday"), {kNow, ""});
    BOOST_REQUIRE(junk.rejection);
    // Far in the future: refused, without overflowing the clock (found by the fuzzer).
    auto far = in.parse(signedPost(kBody, "999999999999"), {kNow, ""});
    BOOST_REQUIRE(far.rejection);
    BOOST_TEST(far.rejection->code == "stale_signature");
}

BOOST_AUTO_TEST_CASE(a_signed_but_malformed_body_gets_the_api_channels_errors) {
    channels::webhook::WebhookInbound in(settings());
    auto out = in.parse(signedPost(R"({"from":{"id":"c1"}})", unix(kNow)), {kNow, ""});
    BOOST_REQUIRE(out.rejection);
    BOOST_TEST(out.rejection->status == 422);
    BOOST_TEST(out.rejection->field == "text");
}

BOOST_AUTO_TEST_CASE(replies_are_posted_signed_with_an_idempotency_key) {
    channels::webhook::WebhookOutbound out(settings());
    channels::OutgoingMessage m;
    m.conversation_id = 7;
    m.message_id = 41;
    m.to = "c1";
    m.author = "agent:alice";
    m.text = "A technician will call you today.";
    m.idempotency_key = "agent:alice:12";
    auto built = out.build(m, nullptr, kNow);
    BOOST_REQUIRE(built.call);
    BOOST_TEST(built.call->url == "http://127.0.0.1:9/callback/erp");
    std::string ts, sig, key;
    for (const auto& [k, v] : built.call->headers) {
        if (k == "X-Signature-Timestamp") ts = v;
        if (k == "X-Signature-256") sig = v;
        if (k == "Idempotency-Key") key = v;
    }
    BOOST_TEST(ts == unix(kNow));
    BOOST_TEST(sig == channels::webhook::sign(kSecret, ts, built.call->body));
    BOOST_TEST(key == "agent:alice:12");
    BOOST_TEST(built.call->body ==
               R"({"author":"agent:alice","conversation_id":7,"message_id":41,"text":"A technician will call you today.","to":"c1","type":"message"})");
    channels::HttpAnswer a;
    a.status = 200;
    a.body = R"({"id":"cb-9"})";
    auto sent = out.classify(m, a);
    BOOST_TEST((sent.kind == channels::SendOutcome::Kind::Sent));
    BOOST_TEST(sent.provider_message_id == "cb-9");
    a.status = 410;
    BOOST_TEST((out.classify(m, a).kind == channels::SendOutcome::Kind::Failed));
}

BOOST_AUTO_TEST_SUITE_END()
