// The masker of personal data (daemon/privacy/pii_mask.hpp): contact fields, and free text in
// ASCII, CJK, full-width digits and mixed, with what must stay readable (dates, short numbers,
// codes glued to letters) staying as it is.

#include "daemon/privacy/pii_mask.hpp"

#define BOOST_TEST_MODULE pii_mask_test
#include <boost/test/unit_test.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "daemon/privacy/masking_formatter.hpp"
#include "daemon/privacy/pii_json.hpp"

using namespace ccd::daemon::privacy;

BOOST_AUTO_TEST_CASE(phone_fields) {
    BOOST_TEST(maskPhone("13812345678") == "138****5678");
    BOOST_TEST(maskPhone("+86 138 1234 5678") == "+86 1** **** 5678");
    BOOST_TEST(maskPhone("62123456") == "62****56");
    BOOST_TEST(maskPhone("１３８１２３４５６７８") == "１３８****５６７８");
    BOOST_TEST(maskPhone("12345") == "****5");
    BOOST_TEST(maskPhone("") == "");
}

BOOST_AUTO_TEST_CASE(email_fields) {
    BOOST_TEST(maskEmail("john@example.com") == "j***@example.com");
    BOOST_TEST(maskEmail("john.doe+ccd@example.com") == "j***@example.com");
    BOOST_TEST(maskEmail("张三@例子.中国") == "张***@例子.中国");
    BOOST_TEST(maskEmail("a＠example.com") == "a***＠example.com");
    BOOST_TEST(maskEmail("no at sign 13812345678") == "no at sign 138****5678");
}

BOOST_AUTO_TEST_CASE(address_fields) {
    BOOST_TEST(maskAddress("北京市朝阳区建国路88号") == "北京市朝****");
    BOOST_TEST(maskAddress("221B Baker Street, London NW1 6XE") == "221B B****");
    BOOST_TEST(maskAddress("ab") == "****");
    BOOST_TEST(maskAddress("") == "");
}

BOOST_AUTO_TEST_CASE(phone_numbers_in_text) {
    BOOST_TEST(maskText("call me at 13812345678 please") == "call me at 138****5678 please");
    BOOST_TEST(maskText("我的电话是13812345678，谢谢") == "我的电话是138****5678，谢谢");
    BOOST_TEST(maskText("电话：１３８１２３４５６７８") == "电话：１３８****５６７８");
    BOOST_TEST(maskText("tel 138-1234-5678") == "tel 138-****-5678");
    BOOST_TEST(maskText("tel +86 138 1234 5678.") == "tel +86 1** **** 5678.");
    BOOST_TEST(maskText("座机 010-62123456") == "座机 010-****3456");
}

BOOST_AUTO_TEST_CASE(ids_and_cards_in_text) {
    BOOST_TEST(maskText("身份证 11010519491231002X 已提交") == "身份证 110***********002X 已提交");
    BOOST_TEST(maskText("ID 110105194912310021") == "ID 110***********0021");
    BOOST_TEST(maskText("card 4111 1111 1111 1111 exp") == "card **** **** **** 1111 exp");
    BOOST_TEST(maskText("卡号6222021234567890123") == "卡号***************0123");
}

BOOST_AUTO_TEST_CASE(emails_in_text) {
    BOOST_TEST(maskText("write to john.doe@example.com.") == "write to j***@example.com.");
    BOOST_TEST(maskText("邮箱：13812345678@qq.com 谢谢") == "邮箱：1***@qq.com 谢谢");
    BOOST_TEST(maskText("a @ b") == "a @ b");
    BOOST_TEST(maskText("user@localhost") == "user@localhost");
}

BOOST_AUTO_TEST_CASE(addresses_in_text) {
    BOOST_TEST(maskText("寄到北京市朝阳区建国路88号三楼") == "寄到北京市朝阳区******三楼");
    BOOST_TEST(maskText("ship to 221 Baker Street, London") == "ship to *** ***** Street, London");
}

BOOST_AUTO_TEST_CASE(what_is_not_personal_stays) {
    for (const char* s : {"order 12345 arrived", "on 2024-05-01 at 10:30", "conversation 42",
                          "SKU ABC1234567890", "127.0.0.1:8080", "打印机型号LX-350坏了",
                          "token 1a2b3c4d5e", ""}) {
        BOOST_TEST(maskText(s) == s);
    }
    // Invalid UTF-8 is kept byte for byte.
    std::string bad = "x\xff\xfe 13812345678";
    BOOST_TEST(maskText(bad) == "x\xff\xfe 138****5678");
}

BOOST_AUTO_TEST_CASE(log_lines_are_masked_at_every_level) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("masked", sink);
    logger.set_formatter(std::make_unique<MaskingFormatter>("%l %v"));
    logger.set_level(spdlog::level::trace);
    logger.warn("outbox: whatsapp: send to {} failed: {}", "8613812345678",
                "recipient john@example.com unknown");
    logger.debug("text: 寄到北京市朝阳区建国路88号");
    BOOST_TEST(out.str() ==
               "warning outbox: whatsapp: send to *********5678 failed: recipient "
               "j***@example.com unknown\n"
               "debug text: 寄到北京市朝阳区******\n");
}

BOOST_AUTO_TEST_CASE(json_answers_and_frames) {
    auto j = nlohmann::json::parse(R"({
        "type": "message", "conversation_id": 12345678,
        "contact": {"name": "Ann", "phone": "13812345678", "email": "ann@example.com",
                    "attributes": {"address": "北京市朝阳区建国路88号", "vip": "yes"}},
        "addresses": {"whatsapp": ["8613812345678"]},
        "messages": [{"id": 7, "text": "我的电话是13812345678", "created_at": "2024-05-01T10:00:00Z"}]
    })");
    ccd::daemon::privacy::maskJson(j);
    BOOST_TEST(j["conversation_id"] == 12345678);  // ids are not personal data
    BOOST_TEST(j["contact"]["name"] == "Ann");
    BOOST_TEST(j["contact"]["phone"] == "138****5678");
    BOOST_TEST(j["contact"]["email"] == "a***@example.com");
    BOOST_TEST(j["contact"]["attributes"]["address"] == "北京市朝阳区******");
    BOOST_TEST(j["addresses"]["whatsapp"][0] == "*********5678");
    BOOST_TEST(j["messages"][0]["text"] == "我的电话是138****5678");
    BOOST_TEST(j["messages"][0]["created_at"] == "2024-05-01T10:00:00Z");
    BOOST_TEST(ccd::daemon::privacy::maskFrame(R"({"type":"ack","text":"13812345678"})") ==
               R"({"text":"138****5678","type":"ack"})");
    BOOST_TEST(ccd::daemon::privacy::maskFrame("not json 13812345678") == "not json 138****5678");
}
