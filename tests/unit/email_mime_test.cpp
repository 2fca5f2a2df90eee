// The email channel's MIME layer: parsing real-world shaped fixtures (tests/data/email, see
// SOURCES.md there), the charset rules, header decoding, quote stripping, loop signals,
// bounces, and building outgoing mail (round trip in Chinese).
#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "channels/email/mime_parser.hpp"

#define BOOST_TEST_MODULE email_mime_test
#include <boost/test/unit_test.hpp>

#include "channels/email/charset.hpp"
#include "channels/email/email_json.hpp"
#include "channels/email/header_params.hpp"
#include "channels/email/header_text.hpp"
#include "channels/email/html_to_text.hpp"
#include "channels/email/loop_signals.hpp"
#include "channels/email/mime_builder.hpp"
#include "channels/email/quote_strip.hpp"

namespace email = ccd::channels::email;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(CCD_SOURCE_DIR) + "/tests/data/email/" + name, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "missing fixture " << name);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

bool anyWarning(const email::ParsedEmail& e, const std::string& part) {
    return std::any_of(e.warnings.begin(), e.warnings.end(),
                       [&](const std::string& w) { return contains(w, part); });
}

std::string warningsOf(const email::ParsedEmail& e) {
    std::string all;
    for (const auto& w : e.warnings) all += "[" + w + "] ";
    return all;
}

std::vector<std::string> noNotes;
const std::vector<std::string> kFallbacks = {"GB18030", "Big5"};

}  // namespace

BOOST_AUTO_TEST_SUITE(charsets)

BOOST_AUTO_TEST_CASE(gb2312_label_reads_gbk_characters) {
    // 镕 (0xE946 in GBK) is not in GB2312; the label must not make it a replacement character.
    auto d = email::decodeText("\xD6\xEC\xE9\x46", "gb2312", kFallbacks);
    BOOST_TEST(d.utf8 == "朱镕");
    BOOST_TEST(d.note.empty());
    BOOST_TEST(email::canonicalCharset("GB2312") == "GB18030");
    BOOST_TEST(email::canonicalCharset("x-gbk") == "GB18030");
}

BOOST_AUTO_TEST_CASE(utf8_label_on_gbk_falls_back_with_a_note) {
    auto d = email::decodeText("\xC4\xE3\xBA\xC3", "utf-8", kFallbacks);  // 你好 in GBK
    BOOST_TEST(d.utf8 == "你好");
    BOOST_TEST(d.charset == "GB18030");
    BOOST_TEST(contains(d.note, "read as GB18030"));
}

BOOST_AUTO_TEST_CASE(latin1_label_on_utf8_text_is_read_as_utf8) {
    auto d = email::decodeText(
        "Gr\xC3\xBC\xC3\x9F"
        "e",
        "iso-8859-1", kFallbacks);
    BOOST_TEST(d.utf8 == "Grüße");
    BOOST_TEST(!d.note.empty());
    auto latin = email::decodeText(
        "Gr\xFC\xDF"
        "e",
        "iso-8859-1", kFallbacks);
    BOOST_TEST(latin.utf8 == "Grüße");
    BOOST_TEST(latin.note.empty());
}

BOOST_AUTO_TEST_CASE(big5_shift_jis_and_unknown_labels) {
    BOOST_TEST(email::decodeText("\xA7\x41\xA6\x6E", "big5", kFallbacks).utf8 == "你好");
    BOOST_TEST(email::decodeText("\x82\xB1\x82\xF1", "Shift_JIS", kFallbacks).utf8 == "こん");
    BOOST_TEST(email::decodeText("\x1B$B$3$s\x1B(B", "iso-2022-jp", kFallbacks).utf8 == "こん");
    auto unknown = email::decodeText("\xC4\xE3\xBA\xC3", "x-no-such-charset", kFallbacks);
    BOOST_TEST(unknown.utf8 == "你好");
    BOOST_TEST(contains(unknown.note, "unknown charset"));
}

BOOST_AUTO_TEST_CASE(undecodable_bytes_become_replacement_characters) {
    // 0x80 and 0xFF are not valid in UTF-8, GB18030 or Big5.
    auto d = email::decodeText("ok \x80\xFF", "utf-8", kFallbacks);
    BOOST_TEST(email::isValidUtf8(d.utf8));
    BOOST_TEST(contains(d.utf8, "ok "));
    BOOST_TEST(contains(d.utf8, "\xEF\xBF\xBD"));
    BOOST_TEST(contains(d.note, "replacement"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(headers)

BOOST_AUTO_TEST_CASE(encoded_words_b_and_q) {
    BOOST_TEST(email::decodeHeaderText("=?UTF-8?Q?caf=C3=A9_au_lait?=", kFallbacks, noNotes) ==
               "café au lait");
    BOOST_TEST(email::decodeHeaderText("=?utf-8?b?5L2g5aW9?=", kFallbacks, noNotes) == "你好");
    // Plain text around words keeps its spaces; space between two words is dropped.
    BOOST_TEST(email::decodeHeaderText("Re: =?UTF-8?B?5L2g?= =?UTF-8?B?5aW9?= [#12]", kFallbacks,
                                       noNotes) == "Re: 你好 [#12]");
}

BOOST_AUTO_TEST_CASE(adjacent_words_split_inside_a_character) {
    // 你 = E4 BD A0: the first word ends after E4 BD, the second starts with A0.
    BOOST_TEST(email::decodeHeaderText("=?UTF-8?B?5L0=?=\r\n =?UTF-8?B?oOWlvQ==?=", kFallbacks,
                                       noNotes) == "你好");
    // Same in GBK, Q encoding, split between the two bytes of 你 (C4 E3).
    BOOST_TEST(email::decodeHeaderText("=?gbk?Q?=C4?= =?GBK?Q?=E3=BA=C3?=", kFallbacks, noNotes) ==
               "你好");
}

BOOST_AUTO_TEST_CASE(raw_8bit_header_in_gbk) {
    std::vector<std::string> notes;
    BOOST_TEST(email::decodeHeaderText("\xCA\xDB\xBA\xF3", kFallbacks, notes) == "售后");
    BOOST_TEST(!notes.empty());
}

BOOST_AUTO_TEST_CASE(rfc2231_filenames) {
    const std::string continued =
        "attachment;\r\n filename*0*=UTF-8''%E5%8F%91%E7%A5%A8; filename*1=\".pdf\"";
    BOOST_TEST(email::headerParameter(continued, "filename", kFallbacks, noNotes) == "发票.pdf");
    BOOST_TEST(email::headerParameter("attachment; filename*=gb2312'zh'%D6%EC%E9%46.txt",
                                      "filename", kFallbacks, noNotes) == "朱镕.txt");
    BOOST_TEST(email::headerParameter("inline; FileName=\"a \\\"b\\\".txt\"", "filename",
                                      kFallbacks, noNotes) == "a \"b\".txt");
    BOOST_TEST(email::headerMainValue(" Attachment ; x=1") == "attachment");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(html_to_readable_text) {
    auto t = email::htmlToText(
        "<html><head><style>p{}</style><title>x</title></head><body><script>bad()</script>"
        "<p>Hello&nbsp;<b>world</b> &amp; you</p><ul><li>one</li><li>two</li></ul>"
        "<p>See <a href=\"https://x.example/a?b=1&amp;c=2\">the order</a>.<br>Bye &#20320;</p>"
        "</body></html>");
    BOOST_TEST(t ==
               "Hello world & you\n\n- one\n- two\n\nSee the order (https://x.example/a?b=1&c=2)."
               "\nBye 你");
}

BOOST_AUTO_TEST_CASE(html_blockquote_is_marked_as_quote) {
    auto t = email::htmlToText("<div>Yes.</div><blockquote>old<br>text</blockquote>");
    BOOST_TEST(t == "Yes.\n> old\n> text");
}

BOOST_AUTO_TEST_CASE(quoted_history_and_signatures) {
    BOOST_TEST(email::stripQuotedHistory("New.\n\nOn Mon, 4 Mar 2024, Bob <b@x> wrote:\n> old") ==
               "New.");
    BOOST_TEST(email::stripQuotedHistory("New.\n> quoted\nMore.") == "New.\nMore.");
    BOOST_TEST(email::stripQuotedHistory("Text\n\n________________________________\nFrom: A <a@x>\n"
                                         "Sent: Monday\nTo: B\nSubject: s\n\nold") == "Text");
    BOOST_TEST(
        email::stripQuotedHistory("收到，谢谢。\n\n在 2024年3月5日 10:15，客服 <s@x> 写道：\n"
                                  "> 您好") == "收到，谢谢。");
    BOOST_TEST(email::stripQuotedHistory(
                   "好的\n\n发件人: 客服中心\n发送时间: 2024年3月5日\n主题: x") == "好的");
    BOOST_TEST(email::stripQuotedHistory("Body\n-- \nJane\nACME") == "Body");
    BOOST_TEST(email::stripQuotedHistory("Body\n\nSent from my iPhone") == "Body");
}

BOOST_AUTO_TEST_CASE(ticket_tags_and_machine_senders) {
    BOOST_TEST((email::ticketTags("Re: [#12] x [#0034] [#12] [#] [#x1]") ==
                std::vector<std::uint64_t>{12, 34}));
    BOOST_TEST(email::isMachineSender("MAILER-DAEMON@mx.example"));
    BOOST_TEST(email::isMachineSender("no-reply@shop.example"));
    BOOST_TEST(email::isMachineSender("noreply.alerts@shop.example"));
    BOOST_TEST(!email::isMachineSender("nora@example.com"));
}

BOOST_AUTO_TEST_CASE(auto_submitted_signals) {
    using HF = email::HeaderField;
    BOOST_TEST(email::automaticReason({HF{"Auto-Submitted", "no"}}, "a@x").empty());
    BOOST_TEST(!email::automaticReason({HF{"auto-submitted", "auto-generated"}}, "a@x").empty());
    BOOST_TEST(!email::automaticReason({HF{"Precedence", "bulk"}}, "a@x").empty());
    BOOST_TEST(!email::automaticReason({HF{"Precedence", "list"}}, "a@x").empty());
    BOOST_TEST(email::automaticReason({HF{"Precedence", "first-class"}}, "a@x").empty());
    BOOST_TEST(!email::automaticReason({HF{"X-Autoreply", "yes"}}, "a@x").empty());
    BOOST_TEST(!email::automaticReason({HF{"X-Autorespond", "yes"}}, "a@x").empty());
    BOOST_TEST(!email::automaticReason({HF{"X-Auto-Response-Suppress", "All"}}, "a@x").empty());
    BOOST_TEST(!email::automaticReason({}, "postmaster@x.example").empty());
    BOOST_TEST(email::automaticReason({}, "customer@x.example").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fixtures)

BOOST_AUTO_TEST_CASE(big5_outlook) {
    auto e = email::parseEmail(fixture("big5_outlook.eml"));
    BOOST_TEST(e.subject == "印表機無法列印，請協助處理");
    BOOST_TEST(e.from.name == "陳小明");
    BOOST_TEST(e.from.address == "xiaoming.chen@example.com.tw");
    BOOST_TEST(e.to.at(0).name == "客服中心");
    // text/plain is preferred over its HTML alternative: the text appears once.
    BOOST_TEST(e.text ==
               "您好：\n\n我上週購買的印表機（型號 LP-2200）無法列印，面板顯示錯誤代碼 E05。\n"
               "請問要如何處理？保固卡序號是 TW-88231。\n\n陳小明\n0912-345-678");
    BOOST_TEST(contains(e.html, "<p>您好：</p>"));
    BOOST_TEST(e.message_id == "000001da6e9b$4c2f1a20$e48d4e60$@example.com.tw");
    BOOST_TEST(!e.auto_submitted);
    BOOST_TEST(e.warnings.empty(), warningsOf(e));
    BOOST_REQUIRE(e.date_time.has_value());
    BOOST_TEST(std::chrono::system_clock::to_time_t(*e.date_time) == 1709601153);
}

BOOST_AUTO_TEST_CASE(gbk_labelled_gb2312) {
    auto e = email::parseEmail(fixture("gbk_labelled_gb2312.eml"));
    BOOST_TEST(e.subject == "关于订单 [#1234] 的退货申请 — 王喆");
    BOOST_TEST((e.ticket_tags == std::vector<std::uint64_t>{1234}));
    BOOST_TEST(e.from.name == "朱镕");  // raw 8-bit GBK in the header
    BOOST_TEST(contains(e.text, "我是王喆"));
    BOOST_TEST(contains(e.text, "堃和路"));
    BOOST_TEST(!contains(e.text, "\xEF\xBF\xBD"));
    // The gb2312 label is read as GB18030 by rule, not as a fallback.
    BOOST_TEST(!anyWarning(e, "body text/plain"), warningsOf(e));
}

BOOST_AUTO_TEST_CASE(wrong_charset_label) {
    auto e = email::parseEmail(fixture("wrong_charset_label.eml"));
    BOOST_TEST(e.subject == "发票抬头写错了");
    BOOST_TEST(e.from.name == "张伟");
    BOOST_TEST(contains(e.text, "上海某某科技有限公司"));
    BOOST_TEST(anyWarning(e, "read as GB18030"), warningsOf(e));
}

BOOST_AUTO_TEST_CASE(nested_multiparts_and_attachment_names) {
    auto e = email::parseEmail(fixture("nested_attachments.eml"));
    BOOST_TEST(e.subject == "Rechnung für发票和照片 attached");
    BOOST_TEST(e.from.name == "Müller, Jürgen");
    BOOST_TEST(e.to.size() == 2u);
    BOOST_TEST(e.to.at(1).name == "Sales Team");
    BOOST_TEST(e.cc.at(0).name == "李四");
    // format=flowed joins the soft-broken line; text/plain wins over the related HTML.
    BOOST_TEST(contains(e.text, "Das Gerät lässt sich nicht mehr einschalten."));
    BOOST_TEST(contains(e.text, "Forwarded message"));
    BOOST_TEST(contains(e.text, "Vielen Dank für Ihre Bestellung 4711."));
    BOOST_TEST(!contains(e.text_for_classification, "Bestellung 4711"));
    BOOST_REQUIRE_EQUAL(e.attachments.size(), 4u);
    const auto& png = e.attachments[0];
    BOOST_TEST(png.filename == "photo.png");
    BOOST_TEST(png.content_type == "image/png");
    BOOST_TEST(png.is_inline);
    BOOST_TEST(png.content_id == "part1.photo@example.de");
    BOOST_TEST(png.data.substr(1, 3) == "PNG");
    const auto& pdf = e.attachments[1];
    BOOST_TEST(pdf.filename == "发票_2024-03.pdf");  // RFC 2231 continuation
    BOOST_TEST(!pdf.is_inline);
    BOOST_TEST(pdf.data.rfind("%PDF-1.4", 0) == 0u);
    BOOST_TEST(pdf.size == pdf.data.size());
    BOOST_TEST(e.attachments[2].filename == "说明书_镕.docx");  // RFC 2047, gb2312 label, GBK
    BOOST_TEST(e.attachments[3].content_type == "message/rfc822");
    BOOST_TEST(e.attachments[3].filename == "Bestellbestätigung 4711.eml");
    BOOST_TEST(e.warnings.empty(), warningsOf(e));
}

BOOST_AUTO_TEST_CASE(attachment_size_limit) {
    email::ParseOptions options;
    options.max_attachment_bytes = 10;
    auto e = email::parseEmail(fixture("nested_attachments.eml"), options);
    const auto& pdf = e.attachments.at(1);
    BOOST_TEST(pdf.truncated);
    BOOST_TEST(pdf.data.size() == 10u);
    BOOST_TEST(pdf.size > 10u);
    BOOST_TEST(anyWarning(e, "truncated"));
}

BOOST_AUTO_TEST_CASE(html_only) {
    auto e = email::parseEmail(fixture("html_only.eml"));
    BOOST_TEST(e.subject == "新的留言");
    BOOST_TEST(!e.html.empty());
    BOOST_TEST(contains(e.text, "新的留言\n\n顾客 王芳 & 家人写道："), e.text);
    BOOST_TEST(contains(e.text, "- 蓝牙耳机 × 1\n- 充电线 你好"), e.text);
    BOOST_TEST(contains(e.text, "订单详情 (https://shop.example/orders/1234?a=1&b=2)"), e.text);
    BOOST_TEST(!contains(e.text, "alert"));
    BOOST_TEST(!contains(e.text, "color"));
    BOOST_TEST(!contains(e.text, "Contact form"));
    BOOST_TEST(!contains(e.text, "tracking"));
    BOOST_TEST(e.auto_submitted);  // a no-reply sender
}

BOOST_AUTO_TEST_CASE(gmail_reply) {
    auto e = email::parseEmail(fixture("gmail_reply.eml"));
    BOOST_TEST(e.in_reply_to == "ccd.3333cccc4444dddd@example.com");
    BOOST_TEST((e.references == std::vector<std::string>{"ccd.1111aaaa2222bbbb@example.com",
                                                         "ccd.3333cccc4444dddd@example.com"}));
    BOOST_TEST((e.ticket_tags == std::vector<std::uint64_t>{1234}));
    BOOST_TEST(contains(e.text, "> we have sent you a replacement unit today."));
    BOOST_TEST(e.text_for_classification ==
               "The replacement works now, thank you!\n\nOnly the power cable is still missing "
               "from the box.");
}

BOOST_AUTO_TEST_CASE(outlook_reply) {
    auto e = email::parseEmail(fixture("outlook_reply.eml"));
    BOOST_TEST(e.subject == "RE: [#1234] Printer jams on every page");
    BOOST_TEST(e.text.find('\r') == std::string::npos);
    BOOST_TEST(contains(e.text, "please clean the rollers"));
    BOOST_TEST(e.text_for_classification ==
               "Hi,\n\nI tried the cleaning steps but the paper still jams after the first page.\n"
               "Can someone come on site this week?\n\nThanks,\nJohn");
}

BOOST_AUTO_TEST_CASE(qqmail_reply_gb18030) {
    auto e = email::parseEmail(fixture("qqmail_reply_gb18030.eml"));
    BOOST_TEST(e.subject == "回复：洗衣机不脱水 [#5678]");
    BOOST_TEST(e.from.name == "李雷");
    BOOST_TEST((e.ticket_tags == std::vector<std::uint64_t>{5678}));
    BOOST_TEST(contains(e.text, "原始邮件"));
    BOOST_TEST(e.text_for_classification == "好的，我明天下午在家，可以安排上门维修。");
}

BOOST_AUTO_TEST_CASE(dsn_bounce) {
    auto e = email::parseEmail(fixture("dsn_bounce.eml"));
    BOOST_REQUIRE(e.bounce.has_value());
    BOOST_TEST(e.bounce->recipient == "nobody@example.net");
    BOOST_TEST(e.bounce->status == "5.1.1");
    BOOST_TEST(contains(e.bounce->diagnostic, "550 5.1.1"));
    BOOST_TEST(contains(e.bounce->diagnostic, "User unknown"));
    BOOST_TEST(e.bounce->original_message_id == "ccd.0123456789abcdef@example.com");
    BOOST_TEST(e.auto_submitted);
    BOOST_TEST(contains(e.text, "could not\nbe delivered"));
    BOOST_TEST(!contains(e.text, "我们已收到"));  // the returned message is not body text
}

BOOST_AUTO_TEST_CASE(qmail_text_bounce) {
    auto e = email::parseEmail(fixture("qmail_bounce.eml"));
    BOOST_REQUIRE(e.bounce.has_value());
    BOOST_TEST(e.bounce->recipient == "ghost@example.org");
    BOOST_TEST(e.bounce->status == "5.1.1");
    BOOST_TEST(e.bounce->original_message_id == "ccd.feedfacecafebeef@example.com");
    BOOST_TEST(e.auto_submitted);
}

BOOST_AUTO_TEST_CASE(auto_reply) {
    auto e = email::parseEmail(fixture("auto_reply.eml"));
    BOOST_TEST(e.auto_submitted);
    BOOST_TEST(contains(e.auto_submitted_reason, "Auto-Submitted: auto-replied"));
    BOOST_TEST(!e.bounce.has_value());
    BOOST_TEST(e.subject == "自动回复: 我们已收到您的请求 [#4321]");
    BOOST_TEST(e.in_reply_to == "ccd.0123456789abcdef@example.com");
}

BOOST_AUTO_TEST_CASE(broken_mime_is_kept_with_warnings) {
    const std::string raw = fixture("broken_mime.eml");
    auto e = email::parseEmail(raw);
    BOOST_TEST(e.subject == "售后问题，急！");
    BOOST_TEST(contains(e.text, "我的手机屏幕碎了"), e.text);
    BOOST_REQUIRE_EQUAL(e.attachments.size(), 1u);
    BOOST_TEST(e.attachments[0].filename == "screen.jpg");
    BOOST_TEST(anyWarning(e, "invalid base64"), warningsOf(e));
    BOOST_TEST(anyWarning(e, "closing boundary missing"), warningsOf(e));
    BOOST_TEST(anyWarning(e, "no charset declared"), warningsOf(e));
    // No Message-ID: a stable hash of the bytes.
    BOOST_TEST(e.message_id_generated);
    BOOST_TEST(e.message_id.rfind("sha256:", 0) == 0u);
    BOOST_TEST(e.message_id.size() == 7u + 64u);
    BOOST_TEST(email::parseEmail(raw).message_id == e.message_id);
}

BOOST_AUTO_TEST_CASE(empty_text_alternative_falls_back_to_html) {
    const std::string raw =
        "From: a@example.com\nMIME-Version: 1.0\n"
        "Content-Type: multipart/alternative; boundary=b\n\n"
        "--b\nContent-Type: text/plain; charset=utf-8\n\n \n"
        "--b\nContent-Type: text/html; charset=utf-8\n\n<p>Only <i>here</i></p>\n--b--\n";
    auto e = email::parseEmail(raw);
    BOOST_TEST(e.text == "Only here");
    BOOST_TEST(e.html == "<p>Only <i>here</i></p>");  // the line break belongs to the boundary
}

BOOST_AUTO_TEST_CASE(unlabelled_8bit_headers_follow_the_body_charset) {
    // Old Outlook and Netscape wrote Latin-1 headers unencoded beside a Latin-1 body; read with
    // the Chinese fallbacks first, "Frösche" would become "Fr鰏che".
    const std::string raw =
        "From: J\xFCrgen <j@example.de>\nSubject: Die Hasen und die Fr\xF6sche\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n\nGr\xFC\xDF"
        "e\n";
    auto e = email::parseEmail(raw);
    BOOST_TEST(e.subject == "Die Hasen und die Frösche");
    BOOST_TEST(e.from.name == "Jürgen");
    BOOST_TEST(e.text == "Grüße");
}

BOOST_AUTO_TEST_CASE(every_fixture_gives_valid_utf8_json) {
    for (const char* name :
         {"auto_reply.eml", "big5_outlook.eml", "broken_mime.eml", "dsn_bounce.eml",
          "gbk_labelled_gb2312.eml", "gmail_reply.eml", "html_only.eml", "nested_attachments.eml",
          "outlook_reply.eml", "qmail_bounce.eml", "qqmail_reply_gb18030.eml",
          "wrong_charset_label.eml"}) {
        auto e = email::parseEmail(fixture(name));
        BOOST_TEST_CONTEXT(name) {
            BOOST_CHECK_NO_THROW(email::toJson(e).dump());
            BOOST_TEST(!e.message_id.empty());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hostile_and_odd_input)

BOOST_AUTO_TEST_CASE(empty_and_headerless_input) {
    auto empty = email::parseEmail("");
    BOOST_TEST(empty.text.empty());
    BOOST_TEST(empty.message_id_generated);
    auto plain = email::parseEmail("just some words\nand more\n");
    BOOST_TEST(contains(plain.text, "just some words"));
}

BOOST_AUTO_TEST_CASE(warnings_quote_8bit_charset_labels_as_utf8) {
    // Found by the fuzzer: an encoded word whose charset label has a byte 0xD9 in it.
    auto e = email::parseEmail("From: =?UT\xD9-8?B?5L2g?= <a@example.cn>\n\nx\n");
    for (const auto& w : e.warnings) BOOST_TEST(email::isValidUtf8(w));
    BOOST_CHECK_NO_THROW(email::toJson(e).dump());
}

BOOST_AUTO_TEST_CASE(odd_header_bytes_and_far_dates) {
    // Found by the fuzzer: 8-bit bytes in Auto-Submitted reached the reason unconverted, and a
    // Date in year 9999 overflowed the clock.
    auto e = email::parseEmail(
        "From: a@example.cn\nAuto-Submitted: \xD9\xFFo-replied\n"
        "Date: Fri, 31 Dec 9999 23:59:59 +0000\n\nx\n");
    BOOST_TEST(e.auto_submitted);
    BOOST_TEST(email::isValidUtf8(e.auto_submitted_reason));
    BOOST_TEST(!e.date_time.has_value());
    BOOST_TEST(e.date == "Fri, 31 Dec 9999 23:59:59 +0000");
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_cut_with_a_warning) {
    std::string raw = "From: a@x\nSubject: deep\nMIME-Version: 1.0\n";
    const int depth = 60;
    for (int i = 0; i < depth; ++i)
        raw += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
               std::to_string(i) + "\n";
    raw += "Content-Type: text/plain\n\ninnermost\n";
    for (int i = depth - 1; i >= 0; --i) raw += "--b" + std::to_string(i) + "--\n";
    email::ParseOptions options;
    options.max_depth = 10;
    auto e = email::parseEmail(raw, options);
    BOOST_TEST(e.subject == "deep");
    BOOST_TEST(anyWarning(e, "nesting"), warningsOf(e));
}

BOOST_AUTO_TEST_CASE(part_count_limit) {
    std::string raw = "From: a@x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n";
    for (int i = 0; i < 50; ++i)
        raw += "--B\nContent-Type: text/plain\n\npart " + std::to_string(i) + "\n";
    raw += "--B--\n";
    email::ParseOptions options;
    options.max_parts = 10;
    auto e = email::parseEmail(raw, options);
    BOOST_TEST(anyWarning(e, "more than 10 MIME parts"), warningsOf(e));
    BOOST_TEST(contains(e.text, "part 0"));
    BOOST_TEST(!contains(e.text, "part 40"));
}

BOOST_AUTO_TEST_CASE(parses_concurrently) {
    const std::string raw = fixture("nested_attachments.eml");
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i)
                if (email::parseEmail(raw).attachments.size() == 4) ++ok[t];
        });
    for (auto& th : threads) th.join();
    for (int n : ok) BOOST_TEST(n == 50);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(builder)

BOOST_AUTO_TEST_CASE(round_trip_in_chinese) {
    email::OutgoingEmail out;
    out.from = {"客服中心", "support@example.com"};
    out.to = {{"王喆", "wangzhe@example.cn"}};
    out.subject = "回复：关于订单的退货申请";
    out.ticket = 1234;
    out.text =
        "王先生您好：\n\n我们已收到您的退货申请，工单号 1234。\n工程师会在 24 小时内联系您。\n";
    out.html = "<p>王先生您好：</p><p>我们已收到您的退货申请，工单号 1234。</p>";
    out.in_reply_to = "202403061030123456789@example.cn";
    out.references = {"first@example.cn", "202403061030123456789@example.cn"};
    out.automatic = true;
    out.date = std::chrono::system_clock::from_time_t(1709692800);
    auto built = email::buildEmail(out);
    BOOST_REQUIRE(built.error.empty());
    BOOST_TEST(built.message_id.rfind("ccd.", 0) == 0u);
    BOOST_TEST(contains(built.message_id, "@example.com"));
    // 7-bit clean for any SMTP server, CRLF line ends, no bare LF.
    BOOST_TEST(std::all_of(built.bytes.begin(), built.bytes.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
    for (std::size_t i = 0; i < built.bytes.size(); ++i)
        if (built.bytes[i] == '\n') BOOST_REQUIRE(i > 0 && built.bytes[i - 1] == '\r');
    BOOST_TEST(contains(built.bytes, "Auto-Submitted: auto-replied"));
    BOOST_TEST(contains(built.bytes, "multipart/alternative"));
    BOOST_TEST((contains(built.bytes, "=?UTF-8?") || contains(built.bytes, "=?utf-8?")));

    auto e = email::parseEmail(built.bytes);
    BOOST_TEST(e.subject == "回复：关于订单的退货申请 [#1234]");
    BOOST_TEST((e.ticket_tags == std::vector<std::uint64_t>{1234}));
    BOOST_TEST(
        e.text ==
        "王先生您好：\n\n我们已收到您的退货申请，工单号 1234。\n工程师会在 24 小时内联系您。");
    BOOST_TEST(contains(e.html, "工单号 1234"));
    BOOST_TEST(e.message_id == built.message_id);
    BOOST_TEST(e.in_reply_to == out.in_reply_to);
    BOOST_TEST(e.references == out.references);
    BOOST_TEST(e.from.name == "客服中心");
    BOOST_TEST(e.from.address == "support@example.com");
    BOOST_TEST(e.to.at(0).name == "王喆");
    BOOST_TEST(e.auto_submitted);
    BOOST_REQUIRE(e.date_time.has_value());
    BOOST_TEST(std::chrono::system_clock::to_time_t(*e.date_time) == 1709692800);
    BOOST_TEST(e.warnings.empty(), warningsOf(e));
}

BOOST_AUTO_TEST_CASE(text_only_keeps_given_id_and_existing_tag) {
    email::OutgoingEmail out;
    out.from = {"", "support@example.com"};
    out.to = {{"", "a@example.org"}};
    out.subject = "Re: [#77] broken\r\nBcc: evil@example.org";  // no header injection
    out.ticket = 77;
    out.text = "Plain ASCII.";
    out.message_id = "<given.1@example.com>";
    auto built = email::buildEmail(out);
    BOOST_REQUIRE(built.error.empty());
    BOOST_TEST(built.message_id == "given.1@example.com");
    BOOST_TEST(!contains(built.bytes, "multipart"));
    BOOST_TEST(!contains(built.bytes, "Auto-Submitted"));
    BOOST_TEST(!contains(built.bytes, "\r\nBcc:"));
    auto e = email::parseEmail(built.bytes);
    BOOST_TEST(e.subject == "Re: [#77] broken Bcc: evil@example.org");
    BOOST_TEST((e.ticket_tags == std::vector<std::uint64_t>{77}));
    BOOST_TEST(e.text == "Plain ASCII.");
    BOOST_TEST(!e.auto_submitted);
}

BOOST_AUTO_TEST_CASE(missing_sender_or_recipient_is_an_error) {
    email::OutgoingEmail out;
    out.to = {{"", "a@example.org"}};
    BOOST_TEST(!email::buildEmail(out).error.empty());
    out.from = {"", "s@example.com"};
    out.to.clear();
    BOOST_TEST(!email::buildEmail(out).error.empty());
    BOOST_TEST(email::subjectWithTicket("", 5) == "[#5]");
    BOOST_TEST(email::subjectWithTicket("Hi [#5]", 5) == "Hi [#5]");
    BOOST_TEST(email::generateMessageId("") != email::generateMessageId(""));
}

BOOST_AUTO_TEST_CASE(the_base64_check_agrees_with_the_lenient_decoder) {
    for (std::string in : {"SGVsbG8=", "SGVs\r\nbG8=", "SGVsbG8", "SGV*sbG8=", "SGVsbG8=QQ==",
                           "S", "", "  \t", "SGVsbG8=\r\n", "SGVsbG8==", "4pyTIMOgIGxh\r\n"}) {
        bool clean = true;
        email::decodeBase64Lenient(in, &clean);
        BOOST_TEST(email::base64IsClean(in) == clean, in);
    }
}

BOOST_AUTO_TEST_SUITE_END()
