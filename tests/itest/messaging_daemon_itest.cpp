// Messaging end to end: the real ccd binary (shipped rules and templates, SQLite) with a
// Telegram instance pointed at the stand-in Bot API, and an agent in the console. A customer's
// update comes in, is classified and acknowledged in the customer's language through the
// stand-in; the agent's reply goes out the same way and its delivery state comes back to the
// console; repeats, bad secrets, edits and typing behave as a bot owner expects.
#define BOOST_TEST_MODULE messaging_daemon_itest
#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <regex>
#include <thread>

#include "channels/common/crypto.hpp"
#include "tests/support/ccd_process.hpp"
#include "tests/support/console_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/standin_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_argument.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;
using ccd::testing::ConsoleClient;
using ccd::testing::argument;
using ccd::testing::readFile;
using ccd::testing::replaceLine;
using ccd::testing::writeFile;

namespace {

const std::string kPassword = "a console password";
const std::string kSecret = "tg-secret_token";
const std::string kAppSecret = "wa-app-secret";
const std::string kNumber = "106540352242922";
const std::string kWebhookSecret = "erp-webhook-secret-0123456789";

/// The real ccd with a Telegram bot named support-bot whose Bot API is the stand-in; alice
/// (agent) and sam (supervisor) logged in.
struct Messaging {
    Messaging() {
        try {
            configure();
            ccd.start();
            for (const char* name : {"alice", "sam"}) tokens[name] = login(name);
        } catch (...) {
            ccd.stop();
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
            throw;
        }
    }
    ~Messaging() {
        std::string problem = ccd.stop();
        if (!problem.empty() || boost::unit_test::results_collector
                                        .results(boost::unit_test::framework::current_test_case().p_id)
                                        .p_assertions_failed > 0)
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
        BOOST_CHECK_MESSAGE(problem.empty(), problem);
    }

    void configure() {
        auto root = fs::path(argument(2, CCD_SOURCE_DIR));
        std::string text = ccd::testing::shippedConfigForTest(root, dir.path());
        auto config = dir.path() / "config";
        auto ccd_yaml = config / "ccd.yaml";
        text = replaceLine(text, "channels:",
                           "channels:\n"
                           "  - name: support-bot\n"
                           "    type: telegram\n"
                           "    bot_token: \"123456:TEST\"\n"
                           "    secret_token: " + kSecret + "\n"
                           "    api_base: " + standin.baseUrl() + "\n"
                           "    retry: {initial: 200ms, max: 1s}\n"
                           "  - name: wa\n"
                           "    type: whatsapp\n"
                           "    app_secret: " + kAppSecret + "\n"
                           "    verify_token: verify-me\n"
                           "    access_token: EAAG-test\n"
                           "    phone_number_id: \"" + kNumber + "\"\n"
                           "    api_base: " + standin.baseUrl() + "\n"
                           "  - name: erp\n"
                           "    type: webhook\n"
                           "    secret: " + kWebhookSecret + "\n"
                           "    callback_url: " + standin.baseUrl() + "/callback/erp");
        writeFile(ccd_yaml, text);
        std::string accounts = "accounts:\n";
        for (const auto& [name, role] : {std::pair{"alice", "agent"}, std::pair{"sam", "supervisor"}}) {
            accounts += std::string("  - name: ") + name + "\n    role: " + role +
                        "\n    skills: [general, technical, billing, returns, supervisor]\n"
                        "    languages: [en, zh-Hans, zh-Hant]\n    password_hash: \"\"\n";
        }
        writeFile(config / "agents.yaml", accounts);
        for (const char* name : {"alice", "sam"}) {
            int rc = ccd::testing::runWithInput(
                {binary, "agent", "passwd", name, "--config", ccd_yaml.string()}, kPassword + "\n",
                ccd.logPath());
            if (rc != 0) throw std::runtime_error("ccd agent passwd failed:\n" + ccd.log());
        }
    }

    std::string login(const std::string& name) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/auth/login",
                                           json{{"name", name}, {"password", kPassword}}.dump());
        if (r.status != 200) throw std::runtime_error("login " + name + ": " + r.text);
        return r.body.at("token").get<std::string>();
    }

    /// POSTs an update to the bot's webhook with `secret`; the HTTP status.
    int update(const json& body, const std::string& secret = kSecret) {
        ccd::testing::HttpClient c(ccd.httpPort());
        auto r = c.postJson("/webhooks/telegram/support-bot", body.dump(),
                            {{"X-Telegram-Bot-Api-Secret-Token", secret}});
        last_body = r.body;
        return r.status;
    }

    /// POSTs a WhatsApp notification signed with the app secret (or `signature`).
    int notify(const std::string& body, std::string signature = {}) {
        if (signature.empty()) signature = "sha256=" + ccd::channels::hmacSha256Hex(kAppSecret, body);
        ccd::testing::HttpClient c(ccd.httpPort());
        auto r = c.postJson("/webhooks/whatsapp/wa", body, {{"X-Hub-Signature-256", signature}});
        last_body = r.body;
        return r.status;
    }

    /// POSTs a signed webhook request (timestamp `ts`, Unix seconds as text).
    ccd::testing::HttpReply webhook(const std::string& body, const std::string& ts) {
        ccd::testing::HttpClient c(ccd.httpPort());
        return c.postJson("/webhooks/webhook/erp", body,
                          {{"X-Signature-Timestamp", ts},
                           {"X-Signature-256", "sha256=" + ccd::channels::hmacSha256Hex(
                                                              kWebhookSecret, ts + "." + body)}});
    }

    json conversation(std::int64_t id) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "GET",
                                           "/v1/conversations/" + std::to_string(id), {},
                                           tokens.at("sam"));
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.text);
        return r.body;
    }

    ccd::testing::TempDir dir;
    ccd::testing::StandinProcess standin;
    std::string binary = argument(1, CCD_EXECUTABLE);
    ccd::testing::CcdProcess ccd{binary, (dir.path() / "config" / "ccd.yaml").string(),
                                 (dir.path() / "ccd.log").string()};
    std::map<std::string, std::string> tokens;
    std::string last_body;
};

json textUpdate(std::int64_t update_id, std::int64_t message_id, const std::string& text) {
    return {{"update_id", update_id},
            {"message",
             {{"message_id", message_id},
              {"date", 1733100000},
              {"chat", {{"id", 5550001}, {"type", "private"}, {"first_name", "李"}}},
              {"from", {{"id", 5550001}, {"is_bot", false}, {"first_name", "李"}, {"last_name", "雷"},
                        {"language_code", "zh-hans"}}},
              {"text", text}}}};
}

bool hasHan(const std::string& s) { return std::regex_search(s, std::regex("\xE4[\xB8-\xBF]|[\xE5-\xE9]")); }

}  // namespace

BOOST_AUTO_TEST_CASE(an_update_is_acknowledged_in_chinese_and_an_agents_reply_is_delivered) {
    Messaging m;
    auto alice = std::make_unique<ConsoleClient>(m.ccd.consolePort(), m.tokens.at("alice"));
    BOOST_REQUIRE(alice->open());
    alice->expect("hello");
    alice->ok({{"type", "presence"}, {"presence", "available"}});

    BOOST_TEST(m.update(textUpdate(900001, 11, "我的打印机坏了，开不了机，屏幕一直黑的")) == 200);

    // The acknowledgement reaches the customer's chat through the Bot API, in Chinese.
    auto acks = m.standin.waitForRequests(1, "sendMessage", 0, std::chrono::seconds(15));
    auto ack = json::parse(acks[0]["body"].get<std::string>());
    BOOST_TEST(acks[0]["target"] == "/bot123456:TEST/sendMessage");
    BOOST_TEST(ack["chat_id"] == 5550001);
    BOOST_TEST(hasHan(ack["text"].get<std::string>()), ack["text"]);

    auto offer = alice->expect("offer", 0, std::chrono::seconds(15));
    auto conv = offer["conversation_id"].get<std::int64_t>();
    BOOST_TEST(offer["channel"] == "telegram");
    BOOST_TEST(offer["channel_instance"] == "support-bot");
    BOOST_TEST(offer["language"] == "zh-Hans");
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});

    alice->ok({{"type", "typing"}, {"conversation_id", conv}});
    auto typing = m.standin.waitForRequests(1, "sendChatAction");
    BOOST_TEST(json::parse(typing[0]["body"].get<std::string>())["action"] == "typing");

    auto answer = alice->ok({{"type", "reply"},
                             {"conversation_id", conv},
                             {"id", "r1"},
                             {"text", "您好，请先长按电源键十秒钟再试一次。"}});
    auto reply_id = answer["message_id"].get<std::int64_t>();
    auto status = alice->take(
        [&](const json& f) { return f["type"] == "message_status" && f["message_id"] == reply_id; },
        std::chrono::seconds(15));
    BOOST_REQUIRE_MESSAGE(status, alice->pending());
    BOOST_TEST((*status)["status"] == "sent");
    auto sends = m.standin.requests(0, "sendMessage");
    BOOST_REQUIRE_EQUAL(sends.size(), 2u);
    BOOST_TEST(json::parse(sends[1]["body"].get<std::string>())["text"] ==
               "您好，请先长按电源键十秒钟再试一次。");

    auto c = m.conversation(conv);
    BOOST_TEST(c["channel_instance"] == "support-bot");
    int sent = 0;
    for (const auto& msg : c["messages"]) {
        if (msg["direction"] == "out") {
            BOOST_TEST(msg["delivery"]["state"] == "sent");
            ++sent;
        }
    }
    BOOST_TEST(sent == 2);
}

BOOST_AUTO_TEST_CASE(repeats_wrong_secrets_edits_and_files) {
    Messaging m;
    auto update = textUpdate(900100, 21, "my order has not arrived");
    BOOST_TEST(m.update(update) == 200);
    BOOST_TEST(m.update(update) == 200);  // Telegram's retry: answered, stored once
    BOOST_TEST(m.update(textUpdate(900101, 22, "hello?"), "wrong-secret") == 401);
    BOOST_TEST(m.last_body.find("unauthorized") != std::string::npos);

    json edit{{"update_id", 900102},
              {"edited_message",
               {{"message_id", 21},
                {"date", 1733100000},
                {"edit_date", 1733100060},
                {"chat", {{"id", 5550001}, {"type", "private"}}},
                {"from", {{"id", 5550001}, {"is_bot", false}, {"first_name", "李"}}},
                {"text", "my order #4411 has not arrived"}}}};
    BOOST_TEST(m.update(edit) == 200);
    json photo{{"update_id", 900103},
               {"message",
                {{"message_id", 23},
                 {"date", 1733100100},
                 {"chat", {{"id", 5550001}, {"type", "private"}}},
                 {"from", {{"id", 5550001}, {"is_bot", false}, {"first_name", "李"}}},
                 {"photo", {{{"file_id", "small"}, {"file_unique_id", "a"}, {"file_size", 900}},
                            {{"file_id", "AgACAgIAAxkBAAIB"}, {"file_unique_id", "b"}, {"file_size", 64000}}}},
                 {"caption", "the box was open"}}}};
    BOOST_TEST(m.update(photo) == 200);
    BOOST_TEST(m.update(json{{"update_id", "x"}}) == 400);

    m.standin.waitForRequests(1, "sendMessage", 0, std::chrono::seconds(15));
    // Every message of this customer went into one conversation (the first one's).
    auto r = ccd::testing::httpRequest(m.ccd.httpPort(), "GET", "/v1/conversations/1", {},
                                       m.tokens.at("sam"));
    BOOST_REQUIRE_EQUAL(r.status, 200);
    std::vector<json> in;
    for (const auto& msg : r.body["messages"]) {
        if (msg["direction"] == "in") in.push_back(msg);
    }
    BOOST_REQUIRE_EQUAL(in.size(), 2u);  // the repeat and the wrong secret stored nothing
    BOOST_TEST(in[0]["text"] == "my order #4411 has not arrived");
    BOOST_TEST(in[0]["original_text"] == "my order has not arrived");
    BOOST_TEST(in[0]["edited_at"].is_string());
    BOOST_TEST(in[1]["text"] == "the box was open");
    BOOST_TEST(in[1]["attachments"][0]["kind"] == "photo");
    BOOST_TEST(in[1]["attachments"][0]["file_id"] == "AgACAgIAAxkBAAIB");
    auto metrics = ccd::testing::httpRequest(m.ccd.httpPort(), "GET", "/metrics");
    BOOST_TEST(metrics.text.find("ccd_channel_rejected_total{instance=\"support-bot\"} 2") !=
               std::string::npos);
}

namespace {

std::string waNotification(const std::string& value) {
    return R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":")" +
           kNumber + R"("},)" + value + "}}]}]}";
}

std::string unixNow(int offset_seconds = 0) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() +
                          offset_seconds);
}

}  // namespace

BOOST_AUTO_TEST_CASE(whatsapp_statuses_move_a_replys_delivery_state) {
    Messaging m;
    // The subscription handshake.
    auto hs = ccd::testing::httpRequest(
        m.ccd.httpPort(), "GET",
        "/webhooks/whatsapp/wa?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me");
    BOOST_TEST(hs.status == 200);
    BOOST_TEST(hs.text == "1158201444");
    auto bad_hs = ccd::testing::httpRequest(
        m.ccd.httpPort(), "GET",
        "/webhooks/whatsapp/wa?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope");
    BOOST_TEST(bad_hs.status == 403);

    auto text = waNotification(
        R"("contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.IN1","timestamp":"1733100000","type":"text","text":{"body":"my fridge stopped cooling last night"}}])");
    BOOST_TEST(m.notify(text, "sha256=" + std::string(64, '0')) == 401);
    BOOST_TEST(m.notify(text) == 200);
    auto sends = m.standin.waitForRequests(1, "/messages", 0, std::chrono::seconds(15));
    BOOST_TEST(sends[0]["target"] == "/v21.0/" + kNumber + "/messages");
    auto body = json::parse(sends[0]["body"].get<std::string>());
    BOOST_TEST(body["to"] == "16505551234");
    BOOST_TEST(body["type"] == "text");

    // The acknowledgement went out; the stand-in's wamid is its provider id.
    std::string wamid;
    std::int64_t ack_id = 0;
    for (int i = 0; i < 100 && wamid.empty(); ++i) {
        auto c = m.conversation(1);
        for (const auto& msg : c["messages"]) {
            if (msg["direction"] == "out" && msg["delivery"]["state"] == "sent") {
                wamid = msg["delivery"]["provider_id"].get<std::string>();
                ack_id = msg["id"].get<std::int64_t>();
            }
        }
        if (wamid.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_REQUIRE_MESSAGE(!wamid.empty(), "the acknowledgement was not marked sent");
    BOOST_TEST(wamid.rfind("wamid.", 0) == 0u);

    // WhatsApp reports it delivered and read (out of order: read first): it ends read, and a
    // report creates no message.
    auto status = [&](const std::string& state) {
        return waNotification(R"("statuses":[{"id":")" + wamid + R"(","status":")" + state +
                              R"(","timestamp":"1733100100","recipient_id":"16505551234"}])");
    };
    BOOST_TEST(m.notify(status("read")) == 200);
    BOOST_TEST(m.notify(status("delivered")) == 200);
    auto c = m.conversation(1);
    std::size_t messages = c["messages"].size();
    for (const auto& msg : c["messages"]) {
        if (msg["id"] == ack_id) BOOST_TEST(msg["delivery"]["state"] == "read");
    }
    BOOST_TEST(messages == 2u);
    // A repeat of the customer's message (WhatsApp retries): stored once.
    BOOST_TEST(m.notify(text) == 200);
    BOOST_TEST(m.conversation(1)["messages"].size() == 2u);
}

BOOST_AUTO_TEST_CASE(signed_webhooks_refuse_replays_and_get_signed_replies) {
    Messaging m;
    std::string body = R"({"from":{"id":"erp-7","name":"Bo"},"text":"order 4411 arrived damaged","external_id":"erp-msg-1"})";
    auto ts = unixNow();
    auto first = m.webhook(body, ts);
    BOOST_TEST(first.status == 202);
    auto again = m.webhook(body, ts);  // the very same signed request
    BOOST_TEST(again.status == 409);
    BOOST_TEST(again.body.find("replayed") != std::string::npos);
    auto resent = m.webhook(body, unixNow(1));  // a new signature, the same message
    BOOST_TEST(resent.status == 202);
    BOOST_TEST(resent.body.find("\"duplicate\":true") != std::string::npos);
    auto stale = m.webhook(R"({"from":{"id":"erp-7"},"text":"hello"})", unixNow(-400));
    BOOST_TEST(stale.status == 401);

    // The acknowledgement is POSTed to the callback URL, signed, with an idempotency key.
    auto cb = m.standin.waitForRequests(1, "/callback/erp", 0, std::chrono::seconds(15));
    const auto& h = cb[0]["headers"];
    auto find = [&](const std::string& name) -> std::string {
        for (auto it = h.begin(); it != h.end(); ++it) {
            std::string k = it.key();
            std::transform(k.begin(), k.end(), k.begin(), ::tolower);
            if (k == name) return it.value().get<std::string>();
        }
        return {};
    };
    std::string cb_body = cb[0]["body"];
    BOOST_TEST(find("x-signature-256") ==
               "sha256=" + ccd::channels::hmacSha256Hex(kWebhookSecret,
                                                        find("x-signature-timestamp") + "." + cb_body));
    BOOST_TEST(!find("idempotency-key").empty());
    auto reply = json::parse(cb_body);
    BOOST_TEST(reply["to"] == "erp-7");
    BOOST_TEST(reply["author"] == "auto");
}
