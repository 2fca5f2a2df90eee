// The providers' own examples (tests/data/providers/SOURCES.md says where each comes from) and
// the published signature vectors, through the adapters.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "channels/common/crypto.hpp"
#include "channels/telegram/telegram_channel.hpp"
#include "channels/webhook/webhook_channel.hpp"
#include "channels/wechat/wechat_channel.hpp"
#include "channels/whatsapp/whatsapp_channel.hpp"
#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;
using nlohmann::json;
using testing::fixture;

using testing::answer;

namespace {

const auto kNow = routing::Clock::now();

// The phone_number_id of a notification's first change, as its own instance would have it.
std::string numberOf(const std::string& body) {
    return json::parse(body)["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(provider_fixtures)

BOOST_AUTO_TEST_CASE(telegram_updates) {
    auto text = channels::telegram::parseUpdate(fixture("telegram", "text_message.json"), kNow);
    BOOST_REQUIRE_EQUAL(text.messages.size(), 1u);
    BOOST_TEST(text.messages[0].provider_id == "10000");
    BOOST_TEST(text.messages[0].text == "/start");
    BOOST_TEST(*text.messages[0].provider_ref == "1111111:1365");

    auto lang = channels::telegram::parseUpdate(fixture("telegram", "text_message_language_code.json"), kNow);
    BOOST_REQUIRE_EQUAL(lang.messages.size(), 1u);
    BOOST_TEST(*lang.messages[0].locale == "en");
    BOOST_TEST(*lang.messages[0].from.name == "Waffle");

    auto doc = channels::telegram::parseUpdate(fixture("telegram", "document_message.json"), kNow);
    BOOST_REQUIRE_EQUAL(doc.messages.size(), 1u);
    BOOST_TEST(doc.messages[0].attachments.at(0).kind == "document");

    auto voice = channels::telegram::parseUpdate(fixture("telegram", "voice_message.json"), kNow);
    BOOST_TEST(voice.messages.at(0).attachments.at(0).kind == "voice");

    auto edit = channels::telegram::parseUpdate(fixture("telegram", "edited_message.json"), kNow);
    BOOST_REQUIRE_EQUAL(edit.edits.size(), 1u);
    BOOST_TEST(edit.edits[0].text == "Edited text");
    BOOST_TEST(edit.edits[0].provider_ref == "1111111:1365");

    auto group = channels::telegram::parseUpdate(fixture("telegram", "group_message.json"), kNow);
    BOOST_REQUIRE_EQUAL(group.messages.size(), 1u);
    BOOST_TEST(*group.messages[0].reply_address == "-1001293752024");
    BOOST_TEST(group.messages[0].from.id == "5964236329");

    // A Message object as Telegram sends it inside an Update.
    auto photo = channels::telegram::parseUpdate(
        R"({"update_id":5,"message":)" + fixture("telegram", "photo_caption_message.json") + "}", kNow);
    BOOST_REQUIRE_EQUAL(photo.messages.size(), 1u);
    BOOST_TEST(!photo.messages[0].text.empty());
    BOOST_TEST(photo.messages[0].attachments.at(0).kind == "photo");

    for (const char* none : {"callback_query.json", "my_chat_member_blocked.json"}) {
        auto out = channels::telegram::parseUpdate(fixture("telegram", none), kNow);
        BOOST_TEST(!out.rejection);
        BOOST_TEST(out.empty());
    }
}

BOOST_AUTO_TEST_CASE(telegram_answers) {
    channels::telegram::TelegramSettings s;
    s.bot_token = config::Secret("1:x", "inline");
    channels::telegram::TelegramOutbound out(s);
    channels::OutgoingMessage m;
    m.to = "1";
    BOOST_TEST((out.classify(m, answer(200, fixture("telegram", "send_message_ok.json"))).kind ==
                channels::SendOutcome::Kind::Sent));
    auto throttled = out.classify(m, answer(429, fixture("telegram", "error_429_retry_after.json")));
    BOOST_TEST((throttled.kind == channels::SendOutcome::Kind::Retry));
    BOOST_REQUIRE(throttled.retry_after);
    auto blocked = out.classify(m, answer(403, fixture("telegram", "error_403_bot_blocked.json")));
    BOOST_TEST((blocked.kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST(blocked.reason.find("blocked") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(whatsapp_notifications) {
    for (const char* file : {"text_message.json", "document_message.json", "image_caption_message.json"}) {
        auto body = fixture("whatsapp", file);
        auto out = channels::whatsapp::parseNotification(body, numberOf(body), kNow);
        BOOST_TEST_CONTEXT(file) {
            BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
            BOOST_TEST(!out.messages[0].provider_id.empty());
            BOOST_TEST(!out.messages[0].from.id.empty());
        }
    }
    auto image = fixture("whatsapp", "image_caption_message.json");
    BOOST_TEST(channels::whatsapp::parseNotification(image, numberOf(image), kNow)
                   .messages[0].attachments.at(0).kind == "image");
    auto multi = fixture("whatsapp", "multiple_changes_text.json");
    BOOST_TEST(channels::whatsapp::parseNotification(multi, numberOf(multi), kNow).messages.size() == 2u);
    for (const auto& [file, state] :
         std::vector<std::pair<const char*, routing::DeliveryState>>{
             {"status_sent.json", routing::DeliveryState::Sent},
             {"status_delivered.json", routing::DeliveryState::Delivered},
             {"status_read.json", routing::DeliveryState::Read},
             {"status_failed.json", routing::DeliveryState::Failed},
             {"status_failed_131026.json", routing::DeliveryState::Failed}}) {
        auto body = fixture("whatsapp", file);
        auto out = channels::whatsapp::parseNotification(body, numberOf(body), kNow);
        BOOST_TEST_CONTEXT(file) {
            BOOST_TEST(out.messages.empty());
            BOOST_REQUIRE_EQUAL(out.reports.size(), 1u);
            BOOST_TEST((out.reports[0].state == state));
        }
    }
}

BOOST_AUTO_TEST_CASE(whatsapp_answers) {
    channels::whatsapp::WhatsAppSettings s;
    s.phone_number_id = "1";
    channels::whatsapp::WhatsAppOutbound out(s);
    channels::OutgoingMessage m;
    auto sent = out.classify(m, answer(200, fixture("whatsapp", "send_ok.json")));
    BOOST_TEST((sent.kind == channels::SendOutcome::Kind::Sent));
    BOOST_TEST(sent.provider_message_id.rfind("wamid.", 0) == 0u);
    BOOST_TEST((out.classify(m, answer(200, fixture("whatsapp", "send_template_ok.json"))).kind ==
                channels::SendOutcome::Kind::Sent));
    BOOST_TEST((out.classify(m, answer(400, fixture("whatsapp", "error_130429_rate_limit.json"))).kind ==
                channels::SendOutcome::Kind::Retry));
    BOOST_TEST((out.classify(m, answer(400, fixture("whatsapp", "error_131026_undeliverable.json"))).kind ==
                channels::SendOutcome::Kind::Failed));
    // These two are the inner error objects; the Graph API wraps them in {"error": ...}.
    auto wrapped = [](const std::string& inner) { return R"({"error":)" + inner + "}"; };
    BOOST_TEST((out.classify(m, answer(400, wrapped(fixture("whatsapp", "error_131047_reengagement.json"))))
                    .kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST((out.classify(m, answer(401, wrapped(fixture("whatsapp", "error_190_expired_token.json"))))
                    .kind == channels::SendOutcome::Kind::Retry));
}

BOOST_AUTO_TEST_CASE(wechat_messages_and_answers) {
    auto text = channels::wechat::parseXmlMessage(fixture("wechat", "text_message.xml"), kNow);
    BOOST_REQUIRE_EQUAL(text.messages.size(), 1u);
    BOOST_TEST(!text.messages[0].text.empty());
    auto image = channels::wechat::parseXmlMessage(fixture("wechat", "image_message.xml"), kNow);
    BOOST_TEST(image.messages.at(0).attachments.at(0).kind == "image");
    auto voice = channels::wechat::parseXmlMessage(fixture("wechat", "voice_recognition_message.xml"), kNow);
    BOOST_TEST(voice.messages.at(0).text == "腾讯微信团队");
    for (const char* event : {"subscribe_event.xml", "unsubscribe_event.xml"}) {
        auto out = channels::wechat::parseXmlMessage(fixture("wechat", event), kNow);
        BOOST_TEST(out.contact_events.size() == 1u);
    }
    for (const char* hostile : {"hostile_external_entity.xml", "hostile_entity_expansion.xml"}) {
        auto out = channels::wechat::parseXmlMessage(fixture("wechat", hostile), kNow);
        BOOST_REQUIRE(out.rejection);
        BOOST_TEST(out.rejection->status == 400);
    }

    channels::wechat::WeChatSettings s;
    s.app_id = "wx1";
    channels::wechat::WeChatOutbound out(s);
    std::string error;
    BOOST_TEST(out.parseToken(answer(200, fixture("wechat", "access_token.json")), kNow, error).has_value());
    BOOST_TEST(!out.parseToken(answer(200, fixture("wechat", "error_40013_invalid_appid.json")), kNow, error));
    channels::OutgoingMessage m;
    BOOST_TEST((out.classify(m, answer(200, fixture("wechat", "custom_send_ok.json"))).kind ==
                channels::SendOutcome::Kind::Sent));
    for (const char* refresh : {"error_40001_invalid_credential.json", "error_42001_access_token_expired.json"})
        BOOST_TEST(out.classify(m, answer(200, fixture("wechat", refresh))).refresh_token);
    BOOST_TEST((out.classify(m, answer(200, fixture("wechat", "error_minus1_system_error.json"))).kind ==
                channels::SendOutcome::Kind::Retry));
    for (const char* fail : {"error_45015_response_out_of_time_limit.json",
                             "error_45047_out_of_response_count_limit.json"})
        BOOST_TEST((out.classify(m, answer(200, fixture("wechat", fail))).kind ==
                    channels::SendOutcome::Kind::Failed));
}

BOOST_AUTO_TEST_CASE(published_signature_vectors) {
    auto vectors = json::parse(fixture(".", "signature_vectors.json"))["vectors"];
    std::size_t checked = 0;
    for (const auto& v : vectors) {
        std::string name = v["name"];
        const auto& in = v["inputs"];
        const auto& expected = v["expected"];
        BOOST_TEST_CONTEXT(name) {
            if (name.rfind("wechat_get_verification", 0) == 0) {
                channels::wechat::WeChatSettings s;
                s.token = config::Secret(in["token"], "inline");
                channels::wechat::WeChatInbound inbound(s);
                std::string target = "/w?signature=" + expected["signature"].get<std::string>() +
                                     "&timestamp=" + in["timestamp"].get<std::string>() +
                                     "&nonce=" + in["nonce"].get<std::string>() + "&echostr=ok";
                auto out = inbound.parse(testing::request("GET", target, ""), {kNow, ""});
                BOOST_TEST(out.immediate.has_value() == expected["valid"].get<bool>());
                ++checked;
            } else if (name == "whatsapp_x_hub_signature_256") {
                channels::whatsapp::WhatsAppSettings s;
                s.app_secret = config::Secret(in["app_secret"], "inline");
                std::string body = in["body"];
                s.phone_number_id = numberOf(body);
                channels::whatsapp::WhatsAppInbound inbound(s);
                auto out = inbound.parse(testing::request("POST", "/w", body,
                                                          {{"X-Hub-Signature-256", expected["header"]}}),
                                         {kNow, ""});
                BOOST_TEST(!out.rejection);
                BOOST_TEST(out.messages.size() == 1u);
                ++checked;
            } else if (name == "github_x_hub_signature_256") {
                BOOST_TEST("sha256=" + channels::hmacSha256Hex(in["secret"].get<std::string>(),
                                                               in["body"].get<std::string>()) ==
                           expected["header"].get<std::string>());
                ++checked;
            } else if (name == "ccd_webhook_x_signature_256") {
                BOOST_TEST(channels::webhook::sign(in["secret"].get<std::string>(),
                                                   in["timestamp"].get<std::string>(),
                                                   fixture("webhook", "message_minimal.json")) ==
                           expected["header"].get<std::string>());
                ++checked;
            }
        }
    }
    BOOST_TEST(checked >= 5u);
}

BOOST_AUTO_TEST_CASE(webhook_bodies) {
    channels::webhook::WebhookSettings s;
    s.secret = config::Secret("ccd-webhook-test-secret", "inline");
    channels::webhook::WebhookInbound in(s);
    auto post = [&](const std::string& body) {
        auto ts = std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(kNow.time_since_epoch()).count());
        return in.parse(testing::request("POST", "/w", body,
                                         {{"Content-Type", "application/json"},
                                          {"X-Signature-Timestamp", ts},
                                          {"X-Signature-256", channels::webhook::sign("ccd-webhook-test-secret", ts, body)}}),
                        {kNow, ""});
    };
    for (const char* ok : {"message_minimal.json", "message_full.json", "message_zh_hans.json"})
        BOOST_TEST(post(fixture("webhook", ok)).messages.size() == 1u);
    auto unknown = post(fixture("webhook", "message_unknown_field.json"));
    BOOST_REQUIRE(unknown.rejection);
    BOOST_TEST(unknown.rejection->code == "unknown_field");
}

BOOST_AUTO_TEST_SUITE_END()
