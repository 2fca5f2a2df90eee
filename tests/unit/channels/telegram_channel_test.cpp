#include "channels/telegram/telegram_channel.hpp"

#include <boost/test/unit_test.hpp>

#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;
using channels::telegram::parseUpdate;

namespace {

const auto kNow = routing::Clock::now();

channels::telegram::TelegramSettings settings() {
    channels::telegram::TelegramSettings s;
    s.name = "support-bot";
    s.bot_token = config::Secret("123456:ABC-DEF", "inline");
    s.secret_token = config::Secret("s3cret_token-1", "inline");
    s.api_base = "http://127.0.0.1:9";
    return s;
}

// An Update as the Bot API documents it (https://core.telegram.org/bots/api#update).
const char* kText = R"({"update_id":10000,"message":{"date":1441645532,
  "chat":{"last_name":"Test Lastname","id":1111111,"first_name":"Test","username":"Test","type":"private"},
  "message_id":1365,"from":{"last_name":"Test Lastname","id":1111111,"is_bot":false,"first_name":"Test",
  "username":"Test","language_code":"zh-hans"},"text":"/start 打印机坏了"}})";

}  // namespace

BOOST_AUTO_TEST_SUITE(telegram)

BOOST_AUTO_TEST_CASE(a_text_message_is_read) {
    auto out = parseUpdate(kText, kNow);
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    const auto& m = out.messages[0];
    BOOST_TEST(m.provider_id == "10000");
    BOOST_TEST(m.from.id == "1111111");
    BOOST_TEST(*m.from.name == "Test Test Lastname");
    BOOST_TEST(m.text == "/start 打印机坏了");
    BOOST_TEST(*m.locale == "zh-hans");
    BOOST_TEST(*m.reply_address == "1111111");
    BOOST_TEST(*m.provider_ref == "1111111:1365");
    BOOST_TEST((m.channel == routing::ChannelKind::Telegram));
}

BOOST_AUTO_TEST_CASE(the_secret_token_is_checked_before_anything_is_read) {
    channels::telegram::TelegramInbound in(settings());
    auto ok = in.parse(testing::request("POST", "/webhooks/telegram/support-bot", kText,
                                        {{"X-Telegram-Bot-Api-Secret-Token", "s3cret_token-1"}}),
                       {kNow, ""});
    BOOST_TEST(!ok.rejection);
    BOOST_TEST(ok.messages.size() == 1u);
    for (const char* wrong : {"", "s3cret_token-2", "s3cret_token-1 ", "S3CRET_TOKEN-1"}) {
        auto bad = in.parse(testing::request("POST", "/webhooks/telegram/support-bot", kText,
                                             {{"X-Telegram-Bot-Api-Secret-Token", wrong}}),
                            {kNow, ""});
        BOOST_REQUIRE(bad.rejection);
        BOOST_TEST(bad.rejection->status == 401);
        BOOST_TEST(bad.messages.empty());
    }
    auto none = in.parse(testing::request("POST", "/x", kText), {kNow, ""});
    BOOST_REQUIRE(none.rejection);
    BOOST_TEST(none.rejection->status == 401);
}

BOOST_AUTO_TEST_CASE(a_photo_keeps_its_largest_size_and_its_caption_is_the_text) {
    auto out = parseUpdate(R"({"update_id":7,"message":{"message_id":5,"date":1,
      "chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Ann"},
      "photo":[{"file_id":"small","file_unique_id":"a","file_size":1200,"width":90,"height":60},
               {"file_id":"big","file_unique_id":"b","file_size":56000,"width":1280,"height":853},
               {"file_id":"mid","file_unique_id":"c","file_size":20000,"width":320,"height":213}],
      "caption":"the screen is cracked"}})",
                           kNow);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    const auto& m = out.messages[0];
    BOOST_TEST(m.text == "the screen is cracked");
    BOOST_REQUIRE_EQUAL(m.attachments.size(), 1u);
    BOOST_TEST(m.attachments[0].kind == "photo");
    BOOST_TEST(m.attachments[0].provider_file_id == "big");
    BOOST_TEST(*m.attachments[0].size == 56000);
    BOOST_TEST(*m.attachments[0].caption == "the screen is cracked");
}

BOOST_AUTO_TEST_CASE(documents_and_voice_are_kept_as_references) {
    auto out = parseUpdate(R"({"update_id":8,"message":{"message_id":6,"date":1,
      "chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Ann"},
      "document":{"file_name":"receipt.pdf","mime_type":"application/pdf","file_id":"doc1",
                  "file_unique_id":"u1","file_size":30435}}})",
                           kNow);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    BOOST_TEST(out.messages[0].text.empty());
    const auto& a = out.messages[0].attachments.at(0);
    BOOST_TEST(a.kind == "document");
    BOOST_TEST(*a.file_name == "receipt.pdf");
    BOOST_TEST(*a.mime_type == "application/pdf");
    auto voice = parseUpdate(R"({"update_id":9,"message":{"message_id":7,"date":1,
      "chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Ann"},
      "voice":{"duration":3,"mime_type":"audio/ogg","file_id":"v1","file_unique_id":"u2","file_size":8000}}})",
                             kNow);
    BOOST_TEST(voice.messages.at(0).attachments.at(0).kind == "voice");
}

BOOST_AUTO_TEST_CASE(an_edit_is_recorded_on_the_original_message) {
    auto out = parseUpdate(R"({"update_id":11,"edited_message":{"message_id":1365,"date":1,
      "edit_date":2,"chat":{"id":1111111,"type":"private"},
      "from":{"id":1111111,"is_bot":false,"first_name":"Test"},"text":"my printer is broken"}})",
                           kNow);
    BOOST_REQUIRE(!out.rejection);
    BOOST_TEST(out.messages.empty());
    BOOST_REQUIRE_EQUAL(out.edits.size(), 1u);
    BOOST_TEST(out.edits[0].provider_id == "11");
    BOOST_TEST(out.edits[0].provider_ref == "1111111:1365");
    BOOST_TEST(out.edits[0].sender == "1111111");
    BOOST_TEST((out.edits[0].channel == routing::ChannelKind::Telegram));
    BOOST_TEST(out.edits[0].text == "my printer is broken");
}

BOOST_AUTO_TEST_CASE(a_group_message_is_answered_in_the_group) {
    auto out = parseUpdate(R"({"update_id":12,"message":{"message_id":3,"date":1,
      "chat":{"id":-100123,"type":"supergroup","title":"Owners"},
      "from":{"id":555,"is_bot":false,"first_name":"Bo"},"text":"where is my order"}})",
                           kNow);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    BOOST_TEST(out.messages[0].from.id == "555");
    BOOST_TEST(*out.messages[0].reply_address == "-100123");
}

BOOST_AUTO_TEST_CASE(updates_without_a_customer_message_are_acknowledged_and_ignored) {
    for (const char* body : {
             R"({"update_id":13,"callback_query":{"id":"4382","from":{"id":1,"is_bot":false,"first_name":"A"},"data":"x"}})",
             R"({"update_id":14,"my_chat_member":{"chat":{"id":1,"type":"private"},"date":1}})",
             R"({"update_id":15,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"group"},"from":{"id":1,"is_bot":false,"first_name":"A"},"new_chat_members":[{"id":2,"is_bot":false,"first_name":"B"}]}})",
             R"({"update_id":16,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"group"},"from":{"id":9,"is_bot":true,"first_name":"OtherBot"},"text":"hi"}})",
         }) {
        BOOST_TEST_CONTEXT(body) {
            auto out = parseUpdate(body, kNow);
            BOOST_TEST(!out.rejection);
            BOOST_TEST(out.empty());
            BOOST_TEST(out.ignored == 1u);
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_updates_are_400_with_a_reason) {
    for (const char* body : {"", "{", "[]", R"({"message":{}})",
                             R"({"update_id":1,"message":{"message_id":1}})",
                             R"({"update_id":1,"message":{"chat":{"id":1}}})"}) {
        auto out = parseUpdate(std::string_view(body), kNow);
        BOOST_TEST_CONTEXT(body) {
            BOOST_REQUIRE(out.rejection);
            BOOST_TEST(out.rejection->status == 400);
            BOOST_TEST(!out.rejection->reason.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(a_nul_byte_is_refused) {
    std::string body = R"({"update_id":1})";
    body.push_back('\0');
    body += "junk";
    auto out = parseUpdate(body, kNow);
    BOOST_REQUIRE(out.rejection);
    BOOST_TEST(out.rejection->code == "invalid_json");
}

BOOST_AUTO_TEST_CASE(send_message_is_built_as_the_bot_api_expects) {
    channels::telegram::TelegramOutbound out(settings());
    channels::OutgoingMessage m;
    m.to = "1111111";
    m.text = "您好，我们已收到您的请求。";
    auto built = out.build(m, nullptr, kNow);
    BOOST_REQUIRE(built.call);
    BOOST_TEST(built.call->url == "http://127.0.0.1:9/bot123456:ABC-DEF/sendMessage");
    BOOST_TEST(built.call->body == R"({"chat_id":1111111,"text":"您好，我们已收到您的请求。"})");
    m.to = "-100123";
    BOOST_TEST(out.build(m, nullptr, kNow).call->body.find(R"("chat_id":-100123)") !=
               std::string::npos);
    m.text = std::string(4097, 'x');
    auto too_long = out.build(m, nullptr, kNow);
    BOOST_REQUIRE(too_long.outcome);
    BOOST_TEST((too_long.outcome->kind == channels::SendOutcome::Kind::Failed));
    auto typing = out.typing("42", nullptr);
    BOOST_REQUIRE(typing);
    BOOST_TEST(typing->url == "http://127.0.0.1:9/bot123456:ABC-DEF/sendChatAction");
    BOOST_TEST(typing->body == R"({"action":"typing","chat_id":42})");
}

BOOST_AUTO_TEST_CASE(answers_are_read_as_sent_retry_or_failed) {
    channels::telegram::TelegramOutbound out(settings());
    channels::OutgoingMessage m;
    m.to = "42";
    auto answer = [](int status, std::string body) {
        channels::HttpAnswer a;
        a.status = status;
        a.body = std::move(body);
        return a;
    };
    auto ok = out.classify(m, answer(200, R"({"ok":true,"result":{"message_id":77,"date":1,"chat":{"id":42,"type":"private"},"text":"hi"}})"));
    BOOST_TEST((ok.kind == channels::SendOutcome::Kind::Sent));
    BOOST_TEST(ok.provider_message_id == "42:77");
    auto throttled = out.classify(m, answer(429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})"));
    BOOST_TEST((throttled.kind == channels::SendOutcome::Kind::Retry));
    BOOST_REQUIRE(throttled.retry_after);
    BOOST_TEST(throttled.retry_after->count() == 7000);
    BOOST_TEST(throttled.pause_instance);
    auto blocked = out.classify(m, answer(403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"})"));
    BOOST_TEST((blocked.kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST(blocked.reason == "Telegram 403: Forbidden: bot was blocked by the user");
    auto down = out.classify(m, answer(502, "<html>Bad Gateway</html>"));
    BOOST_TEST((down.kind == channels::SendOutcome::Kind::Retry));
    channels::HttpAnswer refused;
    refused.transport_error = "Couldn't connect to server";
    BOOST_TEST((out.classify(m, refused).kind == channels::SendOutcome::Kind::Retry));
}

BOOST_AUTO_TEST_SUITE_END()
