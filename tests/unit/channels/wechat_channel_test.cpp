#include "channels/wechat/wechat_channel.hpp"

#include <boost/test/unit_test.hpp>

#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;
using channels::wechat::parseXmlMessage;

using testing::answer;

namespace {

const auto kNow = routing::Clock::now();

channels::wechat::WeChatSettings settings() {
    channels::wechat::WeChatSettings s;
    s.name = "oa";
    s.app_id = "wx1234567890abcdef";
    s.app_secret = config::Secret("app-secret", "inline");
    s.token = config::Secret("test", "inline");
    s.api_base = "http://127.0.0.1:9";
    return s;
}

// The text message example of WeChat's "Receiving standard messages" page.
const char* kText = R"(<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[text]]></MsgType>
  <Content><![CDATA[我的打印机坏了]]></Content>
  <MsgId>1234567890123456</MsgId>
</xml>)";

std::string signedTarget(const std::string& extra) {
    // sha1 of the sorted "1410685589", "test", "test" (checked against sha1sum).
    return "/webhooks/wechat/oa?signature=f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"
           "&timestamp=1410685589&nonce=test" +
           extra;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wechat)

BOOST_AUTO_TEST_CASE(the_signature_is_sha1_of_the_sorted_token_timestamp_and_nonce) {
    BOOST_TEST(channels::wechat::signature("test", "1410685589", "test") ==
               "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff");
    channels::wechat::WeChatInbound in(settings());
    auto ok = in.parse(testing::request("GET", signedTarget("&echostr=5837397520665436492"), ""),
                       {kNow, ""});
    BOOST_REQUIRE(ok.immediate);
    BOOST_TEST(ok.immediate->body == "5837397520665436492");
    auto bad = in.parse(
        testing::request("GET",
                         "/webhooks/wechat/oa?signature=0000&timestamp=1410685589&nonce=test"
                         "&echostr=1",
                         ""),
        {kNow, ""});
    BOOST_REQUIRE(bad.rejection);
    BOOST_TEST(bad.rejection->status == 403);
    auto post_ok = in.parse(testing::request("POST", signedTarget(""), kText), {kNow, ""});
    BOOST_REQUIRE(!post_ok.rejection);
    BOOST_TEST(post_ok.messages.size() == 1u);
    auto post_bad = in.parse(testing::request("POST", "/webhooks/wechat/oa", kText), {kNow, ""});
    BOOST_REQUIRE(post_bad.rejection);
    BOOST_TEST(post_bad.rejection->status == 401);
    BOOST_TEST(in.answer({}).body == "success");
}

BOOST_AUTO_TEST_CASE(a_text_message_is_read) {
    auto out = parseXmlMessage(kText, kNow);
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    const auto& m = out.messages[0];
    BOOST_TEST(m.provider_id == "1234567890123456");
    BOOST_TEST(m.from.id == "fromUser");
    BOOST_TEST(*m.reply_address == "fromUser");
    BOOST_TEST(m.text == "我的打印机坏了");
    BOOST_TEST((m.channel == routing::ChannelKind::WeChat));
}

BOOST_AUTO_TEST_CASE(image_voice_and_events_are_read) {
    auto image = parseXmlMessage(R"(<xml><ToUserName><![CDATA[toUser]]></ToUserName>
      <FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1348831860</CreateTime>
      <MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/x.jpg]]></PicUrl>
      <MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123457</MsgId></xml>)",
                                 kNow);
    BOOST_REQUIRE_EQUAL(image.messages.size(), 1u);
    BOOST_TEST(image.messages[0].attachments.at(0).kind == "image");
    BOOST_TEST(image.messages[0].attachments.at(0).provider_file_id == "media_id");
    BOOST_TEST(*image.messages[0].attachments.at(0).url == "http://mmbiz.qpic.cn/x.jpg");

    auto voice = parseXmlMessage(R"(<xml><ToUserName><![CDATA[toUser]]></ToUserName>
      <FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1357290913</CreateTime>
      <MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId>
      <Format><![CDATA[Format]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition>
      <MsgId>1234567890123458</MsgId></xml>)",
                                 kNow);
    BOOST_REQUIRE_EQUAL(voice.messages.size(), 1u);
    BOOST_TEST(voice.messages[0].text == "腾讯微信团队");  // classified like text
    BOOST_TEST(voice.messages[0].attachments.at(0).kind == "voice");

    auto subscribe = parseXmlMessage(R"(<xml><ToUserName><![CDATA[toUser]]></ToUserName>
      <FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime>
      <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>)",
                                     kNow);
    BOOST_TEST(subscribe.messages.empty());
    BOOST_REQUIRE_EQUAL(subscribe.contact_events.size(), 1u);
    BOOST_TEST(subscribe.contact_events[0].type == "subscribe");
    BOOST_TEST(subscribe.contact_events[0].provider_id == "FromUser:123456789:subscribe");

    auto click = parseXmlMessage(R"(<xml><ToUserName><![CDATA[toUser]]></ToUserName>
      <FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime>
      <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>
      <EventKey><![CDATA[EVENTKEY]]></EventKey></xml>)",
                                 kNow);
    BOOST_TEST(click.empty());
    BOOST_TEST(click.ignored == 1u);
}

BOOST_AUTO_TEST_CASE(a_dtd_or_an_entity_is_refused) {
    for (const char* body : {
             R"(<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>)",
             R"(<!doctype lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml/>)",
             R"(<xml><!ENTITY a "b"><FromUserName>b</FromUserName></xml>)",
         }) {
        auto out = parseXmlMessage(body, kNow);
        BOOST_TEST_CONTEXT(body) {
            BOOST_REQUIRE(out.rejection);
            BOOST_TEST(out.rejection->status == 400);
            BOOST_TEST(out.messages.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_xml_is_400) {
    for (const char* body : {"", "<xml>", "not xml", "<other/>",
                             "<xml><MsgType>text</MsgType></xml>",
                             "<xml><FromUserName>a</FromUserName></xml>"}) {
        auto out = parseXmlMessage(body, kNow);
        BOOST_TEST_CONTEXT(body) {
            BOOST_REQUIRE(out.rejection);
            BOOST_TEST(out.rejection->status == 400);
        }
    }
}

BOOST_AUTO_TEST_CASE(sends_carry_the_access_token_and_respect_the_48_hour_window) {
    channels::wechat::WeChatOutbound out(settings());
    auto token_call = out.tokenRequest();
    BOOST_REQUIRE(token_call);
    BOOST_TEST(token_call->method == "GET");
    BOOST_TEST(token_call->url == "http://127.0.0.1:9/cgi-bin/token?grant_type=client_credential"
                                  "&appid=wx1234567890abcdef&secret=app-secret");
    std::string error;
    auto token = out.parseToken(answer(200, R"({"access_token":"ACCESS_TOKEN","expires_in":7200})"),
                                kNow, error);
    BOOST_REQUIRE(token);
    BOOST_TEST(token->value == "ACCESS_TOKEN");
    BOOST_TEST((token->expires_at > kNow + std::chrono::minutes(110)));
    BOOST_TEST((token->expires_at < kNow + std::chrono::minutes(120)));
    BOOST_TEST(!out.parseToken(answer(200, R"({"errcode":40013,"errmsg":"invalid appid"})"), kNow,
                               error));
    BOOST_TEST(error.find("40013") != std::string::npos);

    channels::OutgoingMessage m;
    m.to = "fromUser";
    m.text = "您好！";
    m.last_inbound_at = kNow - std::chrono::hours(47);
    auto built = out.build(m, &*token, kNow);
    BOOST_REQUIRE(built.call);
    BOOST_TEST(built.call->url ==
               "http://127.0.0.1:9/cgi-bin/message/custom/send?access_token=ACCESS_TOKEN");
    BOOST_TEST(built.call->body == R"({"msgtype":"text","text":{"content":"您好！"},"touser":"fromUser"})");
    m.last_inbound_at = kNow - std::chrono::hours(49);
    auto late = out.build(m, &*token, kNow);
    BOOST_REQUIRE(late.outcome);
    BOOST_TEST((late.outcome->kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST(late.outcome->reason.find("48-hour") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(errcodes_are_read) {
    channels::wechat::WeChatOutbound out(settings());
    channels::OutgoingMessage m;
    BOOST_TEST((out.classify(m, answer(200, R"({"errcode":0,"errmsg":"ok"})")).kind ==
                channels::SendOutcome::Kind::Sent));
    for (const char* expired : {R"({"errcode":40001,"errmsg":"invalid credential"})",
                                R"({"errcode":42001,"errmsg":"access_token expired"})"}) {
        auto o = out.classify(m, answer(200, expired));
        BOOST_TEST((o.kind == channels::SendOutcome::Kind::Retry));
        BOOST_TEST(o.refresh_token);
    }
    BOOST_TEST((out.classify(m, answer(200, R"({"errcode":-1,"errmsg":"system error"})")).kind ==
                channels::SendOutcome::Kind::Retry));
    auto window = out.classify(m, answer(200, R"({"errcode":45015,"errmsg":"response out of time limit"})"));
    BOOST_TEST((window.kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST((out.classify(m, answer(200, R"({"errcode":45047,"errmsg":"out of response count limit"})")).kind ==
                channels::SendOutcome::Kind::Failed));
    BOOST_TEST((out.classify(m, answer(200, "<html>")).kind == channels::SendOutcome::Kind::Retry));
    BOOST_TEST((out.classify(m, answer(502, "")).kind == channels::SendOutcome::Kind::Retry));
}

BOOST_AUTO_TEST_SUITE_END()
