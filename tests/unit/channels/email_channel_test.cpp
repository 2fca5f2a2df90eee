// The email channel's pure parts: its configuration (errors with line:column), reading a fetched
// message (threading keys, ticket tag, loop signals, bounces), building the SMTP upload
// (headers, UTF-8, threading, Auto-Submitted), reading the server's answer, and the IMAP UID /
// UIDVALIDITY bookkeeping.
#include "channels/email/email_channel.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

#include <fstream>
#include <iterator>
#include <map>

#include "channels/email/imap_protocol.hpp"
#include "channels/email/mime_parser.hpp"
#include "channels/registry.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"

using namespace ccd;
namespace email = ccd::channels::email;

namespace {

const auto kNow = routing::Clock::now();

config::EnvLookup env() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (name == "MAIL_PASSWORD") return std::string("pa55");
        return std::nullopt;
    };
}

std::vector<config::ConfigIssue> issuesOf(const std::string& yaml) {
    try {
        config::parseDaemonConfig(yaml, "/etc/ccd/ccd.yaml", env());
    } catch (const config::ConfigError& e) {
        return e.issues();
    }
    return {};
}

const std::string kGood = R"(channels:
  - name: support-mail
    type: email
    imap_url: imap://127.0.0.1:1143/INBOX
    smtp_url: smtp://127.0.0.1:1025
    username: support
    password: ${MAIL_PASSWORD}
    address: support@example.com
    display_name: 客户服务
    poll_interval: 2s
)";

email::EmailSettings settings() {
    email::EmailSettings s;
    s.name = "support-mail";
    s.type = "email";
    s.imap_url = "imap://127.0.0.1:1143/INBOX";
    s.smtp_url = "smtp://127.0.0.1:1025";
    s.username = "support";
    s.password = config::Secret("pa55", "inline");
    s.address = "support@example.com";
    s.display_name = "Support";
    return s;
}

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(CCD_SOURCE_DIR) + "/tests/data/email/" + name, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

channels::OutgoingMessage reply() {
    channels::OutgoingMessage m;
    m.message_id = 41;
    m.conversation_id = 1234;
    m.created_at_ms = 1700000000000;
    m.idempotency_key = "agent:alice:7";
    m.author = "agent:alice";
    m.to = "wang@example.cn";
    m.text = "您好，打印机的问题我们已经找到原因。";
    m.customer_message_id = "c2@example.cn";
    m.customer_refs = {"ccd.40.x@example.com"};
    m.customer_subject = "打印机卡纸 [#1234]";
    return m;
}

std::string header(const std::string& bytes, const std::string& name) {
    std::string lower_bytes = bytes, key = "\r\n" + name + ": ";
    for (auto* s : {&lower_bytes, &key})
        for (auto& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto at = lower_bytes.find(key);
    if (at == std::string::npos) return "";
    at += 4 + name.size();
    auto end = bytes.find("\r\n", at);
    std::string v = bytes.substr(at, end - at);
    // Unfold continuation lines.
    while (end + 2 < bytes.size() && (bytes[end + 2] == ' ' || bytes[end + 2] == '\t')) {
        auto next = bytes.find("\r\n", end + 2);
        v += bytes.substr(end + 2, next - end - 2);
        end = next;
    }
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(email_channel)

BOOST_AUTO_TEST_CASE(a_valid_instance_is_read_with_its_defaults) {
    auto cfg = config::parseDaemonConfig(kGood, "/etc/ccd/ccd.yaml", env());
    BOOST_REQUIRE_EQUAL(cfg->channels.size(), 1u);
    const auto& s = dynamic_cast<const email::EmailSettings&>(*cfg->channels[0]);
    BOOST_TEST(s.imap_url == "imap://127.0.0.1:1143/INBOX");
    BOOST_TEST(s.password.reveal() == "pa55");
    BOOST_TEST(s.poll_interval.count() == 2000);
    BOOST_TEST(!s.move_after_read);
    BOOST_TEST(s.ticket_tag == "[#{ticket}]");
    BOOST_TEST((s.kind == routing::ChannelKind::Email));
    auto set = channels::ChannelSet::build(cfg->channels);
    BOOST_REQUIRE(set->find("support-mail"));
    // Mail comes over IMAP: nothing is posted to an email instance.
    auto r = set->find("support-mail")->inbound->parse({}, {kNow, ""});
    BOOST_REQUIRE(r.rejection);
    BOOST_TEST(r.rejection->status == 404);
}

BOOST_AUTO_TEST_CASE(bad_configuration_is_reported_with_line_and_column) {
    struct Case {
        std::string replace, with;
        int line, column;
        std::string path, words;
    };
    std::vector<Case> cases{
        {"imap://127.0.0.1:1143/INBOX", "http://127.0.0.1/INBOX", 4, 15,
         "channels[0].imap_url", "imap://"},
        {"smtp://127.0.0.1:1025", "imap://127.0.0.1:1025", 5, 15, "channels[0].smtp_url",
         "smtp://"},
        {"support@example.com", "support.example.com", 8, 14, "channels[0].address",
         "email address"},
        {"poll_interval: 2s", "poll_interval: 200ms", 10, 20, "channels[0].poll_interval",
         "at least 1s"},
        {"poll_interval: 2s", "poll_interval: 2s\n    after_read: move", 11, 17,
         "channels[0].after_read", "move_to"},
        {"poll_interval: 2s", "poll_interval: 2s\n    after_read: delete", 11, 17,
         "channels[0].after_read", "seen, move"},
        {"poll_interval: 2s", "poll_interval: 2s\n    ticket_tag: \"[#]\"", 11, 17,
         "channels[0].ticket_tag", "{ticket}"},
        {"poll_interval: 2s", "poll_interval: 2s\n    charset_fallbacks: [GB18030, no-such-cs]", 11,
         24, "channels[0].charset_fallbacks", "no-such-cs"},
        {"poll_interval: 2s", "poll_interval: 2s\n    imap_idle: true", 11, 5,
         "channels[0].imap_idle", "unknown key"},
        {"${MAIL_PASSWORD}", "${NO_SUCH_VAR}", 7, 15, "channels[0].password", "NO_SUCH_VAR"},
    };
    for (const auto& c : cases) {
        std::string yaml = kGood;
        yaml.replace(yaml.find(c.replace), c.replace.size(), c.with);
        auto issues = issuesOf(yaml);
        BOOST_TEST_CONTEXT(c.with) {
            BOOST_REQUIRE_EQUAL(issues.size(), 1u);
            BOOST_TEST(issues[0].line == c.line);
            BOOST_TEST(issues[0].column == c.column);
            BOOST_TEST(issues[0].path == c.path);
            BOOST_TEST(issues[0].message.find(c.words) != std::string::npos, issues[0].message);
        }
    }
    std::string missing = kGood;
    missing.erase(missing.find("    smtp_url"), std::string("    smtp_url: smtp://127.0.0.1:1025\n").size());
    auto issues = issuesOf(missing);
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].message.find("smtp_url") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ticket_tags_follow_the_configured_format) {
    email::TicketTag plain;
    BOOST_TEST(plain.render(1234) == "[#1234]");
    BOOST_TEST((plain.find("Re: 打印机卡纸 [#1234] [#7] [#1234]") == std::vector<std::uint64_t>{1234, 7}));
    BOOST_TEST(plain.find("[#] [#x1] #12").empty());
    BOOST_TEST(plain.tagged("Re: help [#12]", 12) == "Re: help [#12]");
    BOOST_TEST(plain.tagged("Re: help", 12) == "Re: help [#12]");
    BOOST_TEST(plain.tagged("", 12) == "[#12]");
    email::TicketTag custom("[Case {ticket}]");
    BOOST_TEST(custom.render(5) == "[Case 5]");
    BOOST_TEST((custom.find("Re: x [Case 5] [#6]") == std::vector<std::uint64_t>{5}));
    BOOST_TEST(email::replySubject("打印机卡纸") == "Re: 打印机卡纸");
    BOOST_TEST(email::replySubject("RE: 打印机卡纸") == "RE: 打印机卡纸");
    BOOST_TEST(email::replySubject("回复：打印机卡纸") == "回复：打印机卡纸");
}

BOOST_AUTO_TEST_CASE(a_customer_mail_becomes_a_message_with_its_thread_keys) {
    email::EmailInbound in(settings());
    const std::string raw =
        "From: =?UTF-8?B?546L5bCP5piO?= <Wang@Example.CN>\r\n"
        "To: support@example.com\r\n"
        "Subject: =?UTF-8?B?UmU6IOaJk+WNsOacuuWNoee6uA==?= [#1234]\r\n"
        "Message-ID: <c2@example.cn>\r\n"
        "In-Reply-To: <ccd.40.x@example.com>\r\n"
        "References: <c1@example.cn> <ccd.40.x@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "还是卡纸。\r\n"
        "\r\n"
        "> 您好，您的工单 #1234 已受理\r\n";
    auto out = in.readMail(raw, kNow);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    const auto& m = out.messages[0];
    BOOST_TEST((m.channel == routing::ChannelKind::Email));
    BOOST_TEST(m.provider_id == "c2@example.cn");
    BOOST_TEST(m.from.id == "wang@example.cn");
    BOOST_TEST(*m.from.name == "王小明");
    BOOST_TEST(*m.subject == "Re: 打印机卡纸 [#1234]");
    BOOST_TEST((m.thread_refs == std::vector<std::string>{"c1@example.cn", "ccd.40.x@example.com"}));
    BOOST_TEST(*m.ticket == 1234);
    BOOST_TEST(!m.auto_submitted);
    // The whole text is stored; the quoted history is not classified.
    BOOST_TEST(m.text.find("您的工单") != std::string::npos);
    BOOST_REQUIRE(m.classify_text);
    BOOST_TEST(m.classify_text->find("您的工单") == std::string::npos);
    BOOST_TEST(m.classify_text->find("还是卡纸") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(attachments_are_kept_up_to_the_limit_and_described_beyond_it) {
    auto s = settings();
    s.max_attachment_bytes = 10;
    const std::string raw =
        "From: wang@example.cn\r\nMessage-ID: <f1@example.cn>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nphoto attached\r\n"
        "--B\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png\r\n"
        "\r\nsmall\r\n"
        "--B\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename=big.pdf\r\n\r\n"
        "far more than ten bytes\r\n--B--\r\n";
    auto out = email::EmailInbound(s).readMail(raw, kNow);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    const auto& a = out.messages[0].attachments;
    BOOST_REQUIRE_EQUAL(a.size(), 2u);
    BOOST_TEST(a[0].stored);
    BOOST_TEST(!a[1].stored);
    BOOST_TEST(*a[1].size == 23);  // "far more than ten bytes"
    BOOST_REQUIRE_EQUAL(out.attachment_contents.size(), 1u);
    BOOST_TEST(out.attachment_contents[0].message == 0u);
    BOOST_TEST(out.attachment_contents[0].position == 1u);
    BOOST_TEST(out.attachment_contents[0].bytes == "small");
    const auto& w = out.messages[0].warnings;
    BOOST_TEST(std::any_of(w.begin(), w.end(), [](const std::string& x) {
        return x.find("big.pdf") != std::string::npos && x.find("not kept") != std::string::npos;
    }));
}

BOOST_AUTO_TEST_CASE(a_gbk_mail_is_read_as_utf8) {
    email::EmailInbound in(settings());
    auto out = in.readMail(fixture("gbk_labelled_gb2312.eml"), kNow);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    auto ref = email::parseEmail(fixture("gbk_labelled_gb2312.eml"));
    BOOST_TEST(out.messages[0].text == ref.text);
    BOOST_TEST(*out.messages[0].subject == ref.subject);
    BOOST_TEST(!ref.subject.empty());
}

BOOST_AUTO_TEST_CASE(machine_mail_is_kept_but_marked_and_bounces_fail_our_message) {
    email::EmailInbound in(settings());
    auto autoreply = in.readMail(fixture("auto_reply.eml"), kNow);
    BOOST_REQUIRE_EQUAL(autoreply.messages.size(), 1u);
    BOOST_TEST(autoreply.messages[0].auto_submitted);

    auto dsn = email::parseEmail(fixture("dsn_bounce.eml"));
    BOOST_REQUIRE(dsn.bounce);
    auto bounce = in.readMail(fixture("dsn_bounce.eml"), kNow);
    BOOST_TEST(bounce.messages.empty());
    BOOST_REQUIRE_EQUAL(bounce.reports.size(), 1u);
    BOOST_TEST(bounce.reports[0].provider_message_id == dsn.bounce->original_message_id);
    BOOST_TEST((bounce.reports[0].state == routing::DeliveryState::Failed));
    BOOST_TEST(bounce.reports[0].reason.find(dsn.bounce->status) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(broken_mime_is_kept_with_its_warnings) {
    email::EmailInbound in(settings());
    auto out = in.readMail(fixture("broken_mime.eml"), kNow);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    BOOST_TEST(!out.messages[0].warnings.empty());
    auto none = in.readMail("just some text without headers", kNow);
    BOOST_REQUIRE_EQUAL(none.messages.size(), 1u);
    BOOST_TEST(none.messages[0].provider_id.rfind("sha256:", 0) == 0);
    // The same bytes get the same id: fetched twice, stored once.
    BOOST_TEST(in.readMail("just some text without headers", kNow).messages[0].provider_id ==
               none.messages[0].provider_id);
}

BOOST_AUTO_TEST_CASE(a_reply_is_built_with_threading_headers_and_the_ticket_tag) {
    email::EmailOutbound out(settings());
    auto m = reply();
    auto built = out.build(m, nullptr, kNow);
    BOOST_REQUIRE(!built.outcome);
    BOOST_REQUIRE(built.call);
    const auto& call = *built.call;
    BOOST_TEST(call.url == "smtp://127.0.0.1:1025");
    BOOST_REQUIRE(call.mail);
    BOOST_TEST(call.mail->mail_from == "support@example.com");
    BOOST_TEST((call.mail->recipients == std::vector<std::string>{"wang@example.cn"}));
    BOOST_TEST(call.mail->username == "support");
    BOOST_TEST(call.mail->password == "pa55");
    BOOST_TEST(header(call.body, "Message-ID") == "<" + out.messageId(m) + ">");
    BOOST_TEST(header(call.body, "In-Reply-To") == "<c2@example.cn>");
    BOOST_TEST(header(call.body, "References") == "<ccd.40.x@example.com> <c2@example.cn>");
    BOOST_TEST(header(call.body, "Auto-Submitted").empty());
    // Read back with the parser: UTF-8 subject with the tag once, the text intact.
    auto parsed = email::parseEmail(call.body);
    BOOST_TEST(parsed.subject == "Re: 打印机卡纸 [#1234]");
    BOOST_TEST(parsed.text.find("打印机的问题") != std::string::npos);
    BOOST_TEST(parsed.from.address == "support@example.com");
    BOOST_TEST(parsed.in_reply_to == "c2@example.cn");
    // The Message-ID is the same on every try and differs between messages.
    BOOST_TEST(out.messageId(m) == out.messageId(reply()));
    auto other = reply();
    other.message_id = 42;
    BOOST_TEST(out.messageId(other) != out.messageId(m));
    BOOST_TEST(out.messageId(m).find("@example.com") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_automatic_reply_is_marked_and_uses_the_template_subject_and_html) {
    email::EmailOutbound out(settings());
    auto m = reply();
    m.author = "auto";
    m.subject = "您的工单 #1234 已受理";
    m.html = "<p>您好</p>";
    m.customer_refs.clear();
    m.customer_message_id = "sha256:abc";  // a mail without a Message-ID: nothing to answer
    auto built = out.build(m, nullptr, kNow);
    BOOST_REQUIRE(built.call);
    const auto& body = built.call->body;
    BOOST_TEST(header(body, "Auto-Submitted") == "auto-replied");
    BOOST_TEST(header(body, "In-Reply-To").empty());
    BOOST_TEST(body.find("multipart/alternative") != std::string::npos);
    auto parsed = email::parseEmail(body);
    BOOST_TEST(parsed.subject == "您的工单 #1234 已受理 [#1234]");
    BOOST_TEST(parsed.html.find("您好") != std::string::npos);
    BOOST_TEST(parsed.auto_submitted);
}

BOOST_AUTO_TEST_CASE(a_message_that_cannot_be_built_fails_without_a_call) {
    email::EmailOutbound out(settings());
    auto m = reply();
    m.to = "not an address";
    auto built = out.build(m, nullptr, kNow);
    BOOST_TEST(!built.call);
    BOOST_REQUIRE(built.outcome);
    BOOST_TEST((built.outcome->kind == channels::SendOutcome::Kind::Failed));
    m = reply();
    m.text.clear();
    BOOST_TEST((out.build(m, nullptr, kNow).outcome->kind == channels::SendOutcome::Kind::Failed));
}

BOOST_AUTO_TEST_CASE(smtp_answers_are_classified) {
    email::EmailOutbound out(settings());
    auto m = reply();
    channels::HttpAnswer ok;
    ok.status = 250;
    ok.server_lines = "220 mail ESMTP\r\n250 OK\r\n";
    auto sent = out.classify(m, ok);
    BOOST_TEST((sent.kind == channels::SendOutcome::Kind::Sent));
    BOOST_TEST(sent.provider_message_id == out.messageId(m));

    channels::HttpAnswer refused;
    refused.status = 550;
    refused.transport_error = "Failed sending data to the peer: RCPT failed: 550";
    refused.server_lines = "220 mail\r\n250 OK\r\n550 5.1.1 <wang@example.cn>: no such user\r\n";
    auto failed = out.classify(m, refused);
    BOOST_TEST((failed.kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST(failed.reason == "SMTP 550 5.1.1 <wang@example.cn>: no such user");

    channels::HttpAnswer busy;
    busy.status = 451;
    busy.transport_error = "RCPT failed: 451";
    busy.server_lines = "451 4.3.0 try again later\r\n";
    BOOST_TEST((out.classify(m, busy).kind == channels::SendOutcome::Kind::Retry));

    channels::HttpAnswer down;
    down.transport_error = "Couldn't connect to server";
    auto retry = out.classify(m, down);
    BOOST_TEST((retry.kind == channels::SendOutcome::Kind::Retry));
    BOOST_TEST(retry.reason.find("Couldn't connect") != std::string::npos);

    channels::HttpAnswer login;
    login.status = 535;
    login.transport_error = "Login denied";
    BOOST_TEST((out.classify(m, login).kind == channels::SendOutcome::Kind::Retry));
}

BOOST_AUTO_TEST_CASE(imap_answers_are_read) {
    auto st = email::parseStatus("* STATUS \"INBOX\" (UIDVALIDITY 1700000001 UIDNEXT 12)\r\n");
    BOOST_REQUIRE(st);
    BOOST_TEST(st->uidvalidity == 1700000001u);
    BOOST_TEST(st->uidnext == 12u);
    BOOST_TEST(!email::parseStatus("* OK nothing here\r\n"));
    BOOST_TEST((email::parseSearch("* SEARCH 9 3 7\r\n") == std::vector<std::uint64_t>{3, 7, 9}));
    BOOST_TEST(email::parseSearch("* SEARCH\r\n").empty());
    auto f = email::parseFetch("* 2 FETCH (UID 7 RFC822.SIZE 11 BODY[]<0> {11}\r\nHi\r\nthere\r\n)\r\n");
    BOOST_REQUIRE(f);
    BOOST_TEST(f->uid == 7u);
    BOOST_TEST(f->size == 11u);
    BOOST_TEST(f->raw == "Hi\r\nthere\r\n");
    BOOST_TEST(!email::parseFetch(""));
    // The transcript has the server's other lines, an unasked flag change among them.
    auto noisy = email::parseFetch(
        "* OK [UIDVALIDITY 3] UIDs valid\r\nA003 OK [READ-WRITE] Select completed\r\n"
        "* 1 FETCH (FLAGS (\\Seen))\r\n* 2 FETCH (UID 9 RFC822.SIZE 3 BODY[]<0> {3}\r\n"
        "abc)\r\nA004 OK Fetch completed\r\n");
    BOOST_REQUIRE(noisy);
    BOOST_TEST(noisy->uid == 9u);
    BOOST_TEST(noisy->raw == "abc");
    auto late = email::parseFetch("* 2 FETCH (BODY[]<0> {2}\r\nHi UID 8)\r\n");
    BOOST_REQUIRE(late);
    BOOST_TEST(late->uid == 8u);
    BOOST_TEST(email::fetchCommand(7, 1024) == "UID FETCH 7 (UID RFC822.SIZE BODY.PEEK[]<0.1024>)");
    BOOST_TEST(email::markSeenCommand(7) == "UID STORE 7 +FLAGS.SILENT (\\Seen)");
    BOOST_TEST(email::moveCommand(7, "Done") == "UID MOVE 7 \"Done\"");
    // Moving without MOVE: copy, flag, expunge only that UID (UIDPLUS) or the flagged ones.
    auto caps = email::parseCapabilities(
        "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE UIDPLUS\r\nA1 OK done\r\n");
    BOOST_TEST(!caps.move);
    BOOST_TEST(caps.uidplus);
    BOOST_TEST(email::parseCapabilities("* CAPABILITY IMAP4rev1 move\r\n").move);
    BOOST_TEST(!email::parseCapabilities("* CAPABILITY IMAP4rev1 MOVEX XUIDPLUS\r\n").move);
    BOOST_TEST(!email::parseCapabilities("* OK MOVE UIDPLUS\r\n").uidplus);
    using Cmds = std::vector<std::string>;
    BOOST_TEST((email::markCommands(7, false, "", caps) == Cmds{email::markSeenCommand(7)}));
    BOOST_TEST((email::markCommands(7, true, "Done", {true, true}) ==
                Cmds{"UID MOVE 7 \"Done\""}));
    BOOST_TEST((email::markCommands(7, true, "Done", caps) ==
                Cmds{"UID COPY 7 \"Done\"", "UID STORE 7 +FLAGS.SILENT (\\Deleted)",
                     "UID EXPUNGE 7"}));
    BOOST_TEST(email::markCommands(7, true, "已处理", {false, false}).back() == "EXPUNGE");
    BOOST_TEST(email::markCommands(7, true, "已处理", {false, false}).front() ==
               "UID COPY 7 \"&XfJZBHQG-\"");
    BOOST_TEST(email::mailboxUtf7("已处理") == "&XfJZBHQG-");
    BOOST_TEST(email::mailboxUtf7("A&B") == "A&-B");
    auto url = email::parseImapUrl("imaps://mail.example.com:993/Support%20Mail");
    BOOST_REQUIRE(url);
    BOOST_TEST(url->server == "imaps://mail.example.com:993/");
    BOOST_TEST(url->mailbox == "Support Mail");
    BOOST_TEST(email::parseImapUrl("imap://h/")->mailbox == "INBOX");
    BOOST_TEST(!email::parseImapUrl("imap://user@h/INBOX"));
    BOOST_TEST(!email::parseImapUrl("http://h/INBOX"));
}

BOOST_AUTO_TEST_CASE(uid_and_uidvalidity_decide_what_is_fetched) {
    email::MailboxStatus st{100, 8};
    // First start: nothing saved, a full read of what is unseen (or everything, with move).
    auto first = email::planPoll(std::nullopt, st, false);
    BOOST_TEST(first.resync);
    BOOST_TEST(first.search == "UID SEARCH UNSEEN");
    BOOST_TEST(first.base.uidvalidity == 100u);
    BOOST_TEST(email::planPoll(std::nullopt, st, true).search == "UID SEARCH ALL");
    // Steady state: after the last UID taken; "n:*" also returns the highest, older UID.
    email::MailboxCursor saved{100, 5};
    auto next = email::planPoll(saved, st, false);
    BOOST_TEST(!next.resync);
    BOOST_TEST(next.search == "UID SEARCH UID 6:*");
    BOOST_TEST((email::uidsToFetch({5, 6, 7}, next) == std::vector<std::uint64_t>{6, 7}));
    BOOST_TEST(email::uidsToFetch({5}, next).empty());
    // Nothing arrived: UIDNEXT is right after the last UID.
    BOOST_TEST(email::planPoll(email::MailboxCursor{100, 7}, st, false).nothing_new);
    // UIDVALIDITY changed: the old UIDs mean nothing; read again from the start.
    auto again = email::planPoll(saved, email::MailboxStatus{101, 3}, false);
    BOOST_TEST(again.resync);
    BOOST_TEST(again.base.last_uid == 0u);
    BOOST_TEST((email::uidsToFetch({1, 2}, again) == std::vector<std::uint64_t>{1, 2}));
    // The cursor round-trips through the store's key/value state.
    auto state = email::cursorState(email::MailboxCursor{100, 5});
    std::map<std::string, std::string> kv(state.begin(), state.end());
    auto back = email::cursorFromState(kv);
    BOOST_REQUIRE(back);
    BOOST_TEST(back->uidvalidity == 100u);
    BOOST_TEST(back->last_uid == 5u);
    kv[std::string(email::kLastUidKey)] = "x";
    BOOST_TEST(!email::cursorFromState(kv));
    BOOST_TEST(!email::cursorFromState({}));
}

BOOST_AUTO_TEST_SUITE_END()
