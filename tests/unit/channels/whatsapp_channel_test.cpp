#include "channels/whatsapp/whatsapp_channel.hpp"

#include <boost/test/unit_test.hpp>

#include "channels/common/crypto.hpp"
#include "channels/reply_policy.hpp"
#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;
using channels::whatsapp::parseNotification;

using testing::answer;

namespace {

const auto kNow = routing::Clock::now();
const std::string kNumber = "106540352242922";

channels::whatsapp::WhatsAppSettings settings(bool with_template = true) {
    channels::whatsapp::WhatsAppSettings s;
    s.name = "wa";
    s.app_secret = config::Secret("It's a Secret to Everybody", "inline");
    s.verify_token = config::Secret("verify-me", "inline");
    s.access_token = config::Secret("EAAG-token", "inline");
    s.phone_number_id = kNumber;
    s.api_base = "http://127.0.0.1:9";
    if (with_template) s.window_template = channels::whatsapp::WindowTemplate{"follow_up", "en_US", true};
    return s;
}

// The shape of Meta's webhook payload examples (Cloud API, "Received messages").
std::string notification(const std::string& value) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":)" +
           value + R"(,"field":"messages"}]}]})";
}

std::string valueWith(const std::string& messages_or_statuses) {
    return R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":")" +
           kNumber + R"("},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],)" +
           messages_or_statuses + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(whatsapp)

BOOST_AUTO_TEST_CASE(the_signature_is_hmac_sha256_of_the_body_with_the_app_secret) {
    // GitHub's published webhook vector uses the same construction as X-Hub-Signature-256.
    BOOST_TEST(channels::hmacSha256Hex("It's a Secret to Everybody", "Hello, World!") ==
               "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    channels::whatsapp::WhatsAppInbound in(settings());
    auto body = notification(valueWith(
        R"("messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Hello"}}])"));
    auto sig = "sha256=" + channels::hmacSha256Hex("It's a Secret to Everybody", body);
    auto ok = in.parse(testing::request("POST", "/webhooks/whatsapp/wa", body,
                                        {{"X-Hub-Signature-256", sig}}),
                       {kNow, ""});
    BOOST_REQUIRE(!ok.rejection);
    BOOST_TEST(ok.messages.size() == 1u);
    for (std::string wrong : {std::string(), sig.substr(7), "sha256=" + std::string(64, '0'),
                              "sha1=" + sig.substr(7), sig + "0"}) {
        auto bad = in.parse(testing::request("POST", "/webhooks/whatsapp/wa", body,
                                             {{"X-Hub-Signature-256", wrong}}),
                            {kNow, ""});
        BOOST_REQUIRE(bad.rejection);
        BOOST_TEST(bad.rejection->status == 401);
    }
    // The signature covers the raw bytes: a re-serialized body does not match.
    auto tampered = body;
    tampered[tampered.find("Hello")] = 'J';
    auto bad = in.parse(testing::request("POST", "/webhooks/whatsapp/wa", tampered,
                                         {{"X-Hub-Signature-256", sig}}),
                        {kNow, ""});
    BOOST_REQUIRE(bad.rejection);
}

BOOST_AUTO_TEST_CASE(the_verification_handshake_echoes_the_challenge) {
    channels::whatsapp::WhatsAppInbound in(settings());
    auto ok = in.parse(testing::request("GET",
                                        "/webhooks/whatsapp/wa?hub.mode=subscribe&hub.challenge="
                                        "1158201444&hub.verify_token=verify-me",
                                        ""),
                       {kNow, ""});
    BOOST_REQUIRE(ok.immediate);
    BOOST_TEST(ok.immediate->status == 200);
    BOOST_TEST(ok.immediate->body == "1158201444");
    auto wrong = in.parse(testing::request("GET",
                                           "/webhooks/whatsapp/wa?hub.mode=subscribe&hub.challenge="
                                           "1&hub.verify_token=nope",
                                           ""),
                          {kNow, ""});
    BOOST_REQUIRE(wrong.rejection);
    BOOST_TEST(wrong.rejection->status == 403);
    auto missing = in.parse(testing::request("GET", "/webhooks/whatsapp/wa", ""), {kNow, ""});
    BOOST_REQUIRE(missing.rejection);
    BOOST_TEST(missing.rejection->status == 400);
}

BOOST_AUTO_TEST_CASE(every_message_of_every_entry_and_change_is_read) {
    std::string value1 = valueWith(
        R"("messages":[{"from":"16505551234","id":"wamid.A","timestamp":"1","type":"text","text":{"body":"my order is late"}},
                       {"from":"16505551234","id":"wamid.B","timestamp":"2","type":"image","image":{"caption":"the box arrived broken","mime_type":"image/jpeg","sha256":"x","id":"1003383421387256"}}])");
    std::string value2 = valueWith(
        R"("messages":[{"from":"8613800000000","id":"wamid.C","timestamp":"3","type":"document","document":{"filename":"invoice.pdf","mime_type":"application/pdf","sha256":"y","id":"2"}}])");
    std::string body = R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":)" +
                       value1 + R"(,"field":"messages"},{"value":)" + value2 +
                       R"(,"field":"messages"}]},{"id":"2","changes":[{"value":)" + value1 +
                       R"(,"field":"messages"}]}]})";
    auto out = parseNotification(body, kNumber, kNow);
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 5u);
    BOOST_TEST(out.messages[0].text == "my order is late");
    BOOST_TEST(*out.messages[0].from.name == "Sheena Nelson");
    BOOST_TEST(*out.messages[0].from.phone == "+16505551234");
    BOOST_TEST(out.messages[1].text == "the box arrived broken");
    BOOST_TEST(out.messages[1].attachments.at(0).kind == "image");
    BOOST_TEST(out.messages[1].attachments.at(0).provider_file_id == "1003383421387256");
    BOOST_TEST(*out.messages[2].attachments.at(0).file_name == "invoice.pdf");
    BOOST_TEST(out.messages[2].from.id == "8613800000000");
    BOOST_TEST(out.messages[4].provider_id == "wamid.B");  // a repeat: intake dedups it
}

BOOST_AUTO_TEST_CASE(statuses_update_our_messages_and_create_none) {
    auto body = notification(valueWith(
        R"("statuses":[{"id":"wamid.OUT1","status":"sent","timestamp":"1750263773","recipient_id":"16505551234"},
                       {"id":"wamid.OUT1","status":"delivered","timestamp":"1750263774","recipient_id":"16505551234"},
                       {"id":"wamid.OUT1","status":"read","timestamp":"1750263775","recipient_id":"16505551234"},
                       {"id":"wamid.OUT2","status":"failed","timestamp":"1750263776","recipient_id":"16505551234",
                        "errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message",
                                   "error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}]}])"));
    auto out = parseNotification(body, kNumber, kNow);
    BOOST_TEST(out.messages.empty());
    BOOST_REQUIRE_EQUAL(out.reports.size(), 4u);
    BOOST_TEST((out.reports[1].state == routing::DeliveryState::Delivered));
    BOOST_TEST((out.reports[2].state == routing::DeliveryState::Read));
    BOOST_TEST((out.reports[3].state == routing::DeliveryState::Failed));
    BOOST_TEST(out.reports[3].reason.find("131047") != std::string::npos);
    BOOST_TEST(routing::unixMillis(out.reports[0].at) == 1750263773000);
    // A timestamp beyond what a time point holds is replaced by the time of receipt (fuzzer).
    auto far = parseNotification(
        notification(valueWith(R"("statuses":[{"id":"wamid.F","status":"read","timestamp":"99999999999"}])")),
        kNumber, kNow);
    BOOST_REQUIRE_EQUAL(far.reports.size(), 1u);
    BOOST_TEST((far.reports[0].at == kNow));
}

BOOST_AUTO_TEST_CASE(another_numbers_changes_and_reactions_are_ignored) {
    auto other = notification(
        R"({"messaging_product":"whatsapp","metadata":{"phone_number_id":"999"},"messages":[{"from":"1","id":"wamid.X","timestamp":"1","type":"text","text":{"body":"hi"}}]})");
    auto out = parseNotification(other, kNumber, kNow);
    BOOST_TEST(out.empty());
    BOOST_TEST(out.ignored == 1u);
    auto reaction = notification(valueWith(
        R"("messages":[{"from":"16505551234","id":"wamid.R","timestamp":"1","type":"reaction","reaction":{"message_id":"wamid.OUT1","emoji":"👍"}}])"));
    BOOST_TEST(parseNotification(reaction, kNumber, kNow).empty());
}

BOOST_AUTO_TEST_CASE(malformed_notifications_are_400) {
    for (const char* body : {"", "not json", "{}", R"({"object":"whatsapp_business_account"})"}) {
        auto out = parseNotification(body, kNumber, kNow);
        BOOST_TEST_CONTEXT(body) {
            BOOST_REQUIRE(out.rejection);
            BOOST_TEST(out.rejection->status == 400);
        }
    }
}

BOOST_AUTO_TEST_CASE(text_goes_out_within_the_window_and_the_template_outside_it) {
    channels::whatsapp::WhatsAppOutbound out(settings());
    channels::OutgoingMessage m;
    m.to = "16505551234";
    m.text = "Your replacement\nships today.";
    m.last_inbound_at = kNow - std::chrono::hours(2);
    auto inside = out.build(m, nullptr, kNow);
    BOOST_REQUIRE(inside.call);
    BOOST_TEST(inside.call->url == "http://127.0.0.1:9/v21.0/106540352242922/messages");
    BOOST_TEST(inside.call->body ==
               R"({"messaging_product":"whatsapp","recipient_type":"individual","text":{"body":"Your replacement\nships today.","preview_url":false},"to":"16505551234","type":"text"})");
    bool bearer = false;
    for (const auto& [k, v] : inside.call->headers) bearer = bearer || (k == "Authorization" && v == "Bearer EAAG-token");
    BOOST_TEST(bearer);

    m.last_inbound_at = kNow - std::chrono::hours(25);
    auto outside = out.build(m, nullptr, kNow);
    BOOST_REQUIRE(outside.call);
    BOOST_TEST(outside.call->body ==
               R"({"messaging_product":"whatsapp","recipient_type":"individual","template":{"components":[{"parameters":[{"text":"Your replacement ships today.","type":"text"}],"type":"body"}],"language":{"code":"en_US"},"name":"follow_up"},"to":"16505551234","type":"template"})");

    channels::whatsapp::WhatsAppOutbound no_template(settings(false));
    auto refused = no_template.build(m, nullptr, kNow);
    BOOST_REQUIRE(refused.outcome);
    BOOST_TEST((refused.outcome->kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST(refused.outcome->reason.find("24-hour") != std::string::npos);
    BOOST_TEST((no_template.replyWindow()->length == std::chrono::hours(24)));
    BOOST_TEST(!no_template.replyWindow()->has_template);
}

BOOST_AUTO_TEST_CASE(graph_answers_are_read) {
    channels::whatsapp::WhatsAppOutbound out(settings());
    channels::OutgoingMessage m;
    auto ok = out.classify(m, answer(200, R"({"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]})"));
    BOOST_TEST((ok.kind == channels::SendOutcome::Kind::Sent));
    BOOST_TEST(ok.provider_message_id == "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
    auto window = out.classify(m, answer(400, R"({"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"A"}})"));
    BOOST_TEST((window.kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST(window.reason.find("131047") != std::string::npos);
    auto throttled = out.classify(m, answer(400, R"({"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"B"}})"));
    BOOST_TEST((throttled.kind == channels::SendOutcome::Kind::Retry));
    BOOST_TEST(throttled.pause_instance);
    auto undeliverable = out.classify(m, answer(400, R"({"error":{"message":"(#131026) Message Undeliverable","type":"OAuthException","code":131026,"fbtrace_id":"C"}})"));
    BOOST_TEST((undeliverable.kind == channels::SendOutcome::Kind::Failed));
    auto expired = out.classify(m, answer(401, R"({"error":{"message":"Error validating access token","type":"OAuthException","code":190,"fbtrace_id":"D"}})"));
    BOOST_TEST((expired.kind == channels::SendOutcome::Kind::Retry));
    BOOST_TEST((out.classify(m, answer(503, "")).kind == channels::SendOutcome::Kind::Retry));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reply_policy)

BOOST_AUTO_TEST_CASE(replies_outside_the_window_or_too_long_are_refused_with_what_to_do) {
    using channels::checkReply;
    channels::whatsapp::WhatsAppOutbound with(settings(true));
    channels::whatsapp::WhatsAppOutbound without(settings(false));
    auto recent = std::optional<routing::TimePoint>(kNow - std::chrono::hours(3));
    auto old = std::optional<routing::TimePoint>(kNow - std::chrono::hours(30));
    BOOST_TEST(!checkReply(with, "whatsapp", "wa", "hello", false, recent, kNow));
    BOOST_TEST(!checkReply(with, "whatsapp", "wa", "hello", false, std::nullopt, kNow));
    auto late = checkReply(with, "whatsapp", "wa", "hello", false, old, kNow);
    BOOST_REQUIRE(late);
    BOOST_TEST(late->code == "outside_window");
    BOOST_TEST(late->reason.find("last wrote 30 h ago") != std::string::npos, late->reason);
    BOOST_TEST(late->reason.find("window_template") != std::string::npos);
    BOOST_TEST(!checkReply(with, "whatsapp", "wa", "hello", true, old, kNow));
    auto late_no_template = checkReply(without, "whatsapp", "wa", "hello", false, old, kNow);
    BOOST_REQUIRE(late_no_template);
    BOOST_TEST(late_no_template->reason.find("wait for the customer") != std::string::npos);
    BOOST_TEST(checkReply(without, "whatsapp", "wa", "hello", true, old, kNow)->code ==
               "no_window_template");
    auto long_text = checkReply(with, "whatsapp", "wa", std::string(4097, 'x'), false, recent, kNow);
    BOOST_REQUIRE(long_text);
    BOOST_TEST(long_text->code == "too_long");
    // 4,096 Chinese characters are 4,096 UTF-16 units (12 KiB of UTF-8): allowed.
    std::string han;
    for (int i = 0; i < 4096; ++i) han += "好";
    BOOST_TEST(!checkReply(with, "whatsapp", "wa", han, false, recent, kNow));
}

BOOST_AUTO_TEST_SUITE_END()
