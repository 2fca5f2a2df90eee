// The outbox sender against the stand-in provider APIs (a real HTTP server on loopback) and a
// real SQLite store in a temp folder: replies delivered once, retries with backoff and the
// provider's Retry-After, permanent failures with the provider's reason, order per
// conversation, a provider down for 30 s, WeChat's access token, and the resume after a crash.
#include "daemon/outbox/outbox_sender.hpp"

#define BOOST_TEST_MODULE outbox_itest
#include <boost/test/unit_test.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "channels/telegram/telegram_channel.hpp"
#include "channels/wechat/wechat_channel.hpp"
#include "daemon/metrics.hpp"
#include "daemon/outbox/http_client.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "tests/support/standin_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
namespace asio = boost::asio;
using nlohmann::json;

namespace {

template <class T>
T wait(std::function<void(std::function<void(T)>)> call) {
    std::promise<T> p;
    call([&p](T v) { p.set_value(std::move(v)); });
    return p.get_future().get();
}

/// A store, the stand-in, an io_context with two threads, the sender and what it reported.
struct World {
    explicit World(testing::StandinOptions standin_options = {}, bool start_sender = true)
        : standin(standin_options),
          store(store::sqlite::SqliteStoreOptions{dir.file("ccd.db")}, &metrics),
          work(asio::make_work_guard(ioc)) {
        channels::telegram::TelegramSettings tg;
        tg.name = "bot";
        tg.type = "telegram";
        tg.kind = routing::ChannelKind::Telegram;
        tg.bot_token = config::Secret("123:abc", "inline");
        tg.secret_token = config::Secret("s", "inline");
        tg.api_base = standin.baseUrl();
        tg.max_in_flight = 16;
        tg.send_timeout = std::chrono::milliseconds(2000);
        tg.retry.initial = std::chrono::milliseconds(200);
        tg.retry.max = std::chrono::seconds(4);
        tg.retry.max_attempts = 60;
        channels::wechat::WeChatSettings wx;
        wx.name = "oa";
        wx.type = "wechat";
        wx.kind = routing::ChannelKind::WeChat;
        wx.app_id = "wx1234567890";
        wx.app_secret = config::Secret("secret", "inline");
        wx.token = config::Secret("token", "inline");
        wx.api_base = standin.baseUrl();
        wx.retry = tg.retry;
        set = channels::ChannelSet::build({std::make_shared<channels::telegram::TelegramSettings>(tg),
                                           std::make_shared<channels::wechat::WeChatSettings>(wx)});
        sender = std::make_unique<daemon::outbox::OutboxSender>(
            ioc, store, metrics, http, [this] { return set; },
            daemon::outbox::SenderOptions{64, std::chrono::milliseconds(200)},
            [this](std::vector<store::DeliveryChange> changes) {
                std::lock_guard lock(mutex);
                for (auto& c : changes) deliveries.push_back(std::move(c));
                cv.notify_all();
            });
        store.setOutboxListener([this] { sender->poke(); });
        for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
        if (start_sender) sender->start();
    }
    ~World() {
        sender->stop(std::chrono::seconds(2));
        store.close();
        http.stop();
        work.reset();
        ioc.stop();
        for (auto& t : threads) t.join();
    }

    /// A customer's message on `instance`, opening its conversation; returns the conversation.
    std::int64_t conversation(const std::string& instance, const std::string& address) {
        routing::InboundMessage m;
        m.channel = instance == "oa" ? routing::ChannelKind::WeChat : routing::ChannelKind::Telegram;
        m.channel_instance = instance;
        m.from.id = address;
        m.text = "hello";
        m.received_at = routing::Clock::now();
        auto r = wait<store::StoreResult<store::IngestResult>>(
            [&](auto done) { store.ingest(m, done); });
        BOOST_REQUIRE(r);
        return r.value->conversation_id;
    }

    std::int64_t reply(std::int64_t conversation, const std::string& text) {
        store::OutboundMessage m;
        m.conversation_id = conversation;
        m.author = "agent:alice";
        m.text = text;
        m.idempotency_key = "test:" + text;
        auto r = wait<store::StoreResult<std::int64_t>>(
            [&](auto done) { store.appendOutbound(m, done); });
        BOOST_REQUIRE(r);
        return *r.value;
    }

    /// Waits until `n` delivery changes were reported.
    std::vector<store::DeliveryChange> waitDeliveries(std::size_t n, std::chrono::seconds timeout) {
        std::unique_lock lock(mutex);
        if (!cv.wait_for(lock, timeout, [&] { return deliveries.size() >= n; }))
            BOOST_FAIL("only " << deliveries.size() << " of " << n << " deliveries reported");
        return deliveries;
    }

    std::optional<store::ConversationRecord> read(std::int64_t id) {
        auto r = wait<store::StoreResult<std::optional<store::ConversationRecord>>>(
            [&](auto done) { store.getConversation(id, done); });
        BOOST_REQUIRE(r);
        return *r.value;
    }

    testing::TempDir dir;
    testing::StandinProcess standin;
    daemon::Metrics metrics;
    store::sqlite::SqliteStore store;
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    daemon::outbox::HttpClient http;
    channels::ChannelSetPtr set;
    std::unique_ptr<daemon::outbox::OutboxSender> sender;
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<store::DeliveryChange> deliveries;
};

std::string textOf(const json& request) { return json::parse(request["body"].get<std::string>())["text"]; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_reply_is_delivered_once_and_its_state_stored) {
    World w;
    auto conv = w.conversation("bot", "1111111");
    auto id = w.reply(conv, "您好，我们已收到您的请求。");
    auto changes = w.waitDeliveries(1, std::chrono::seconds(10));
    BOOST_TEST(changes[0].message_id == id);
    BOOST_TEST((changes[0].state == routing::DeliveryState::Sent));
    BOOST_TEST(changes[0].author == "agent:alice");
    auto sent = w.standin.requests(0, "sendMessage");
    BOOST_REQUIRE_EQUAL(sent.size(), 1u);
    BOOST_TEST(sent[0]["target"] == "/bot123:abc/sendMessage");
    auto body = json::parse(sent[0]["body"].get<std::string>());
    BOOST_TEST(body["chat_id"] == 1111111);
    BOOST_TEST(body["text"] == "您好，我们已收到您的请求。");
    auto c = w.read(conv);
    const auto& out = c->messages.back();
    BOOST_TEST(*out.delivery == "sent");
    BOOST_TEST(out.channel_instance == "bot");
    BOOST_TEST(w.metrics.render().find("ccd_outbox_sent_total{instance=\"bot\"} 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(throttling_and_server_errors_are_tried_again_until_delivered) {
    World w;
    w.standin.script({{"rules",
                       {{{"match", "sendMessage"},
                         {"answers",
                          {{{"status", 429}, {"retry_after", 1}, {"times", 1}},
                           {{"status", 500}, {"times", 2}},
                           {{"drop", true}, {"times", 1}}}}}}}});
    auto conv = w.conversation("bot", "42");
    auto started = std::chrono::steady_clock::now();
    w.reply(conv, "first");
    auto changes = w.waitDeliveries(1, std::chrono::seconds(20));
    BOOST_TEST((changes[0].state == routing::DeliveryState::Sent));
    auto tries = w.standin.requests(0, "sendMessage");
    BOOST_TEST(tries.size() == 5u);  // 429, 500, 500, dropped, 200
    // Telegram's retry_after (1 s) was honoured before the second try.
    BOOST_TEST(tries[1]["at_ms"].get<std::int64_t>() - tries[0]["at_ms"].get<std::int64_t>() >= 950);
    BOOST_TEST(((std::chrono::steady_clock::now() - started) >= std::chrono::seconds(1)));
    // 429, 500, 500 are retries of ccd's; libcurl itself sends a request again once when a
    // kept-alive connection dies before any answer (the dropped one), so 3 or 4.
    auto text = w.metrics.render();
    auto at = text.find("ccd_outbox_retries_total{instance=\"bot\"} ");
    BOOST_REQUIRE(at != std::string::npos);
    int retries = std::stoi(text.substr(at + 41));
    BOOST_TEST((retries == 3 || retries == 4), retries);
}

BOOST_AUTO_TEST_CASE(a_permanent_refusal_fails_with_the_providers_reason) {
    World w;
    w.standin.script({{"rules",
                       {{{"match", "sendMessage"},
                         {"answers",
                          {{{"status", 403},
                            {"description", "Forbidden: bot was blocked by the user"}}}}}}}});
    auto conv = w.conversation("bot", "42");
    w.reply(conv, "are you there?");
    auto changes = w.waitDeliveries(1, std::chrono::seconds(10));
    BOOST_TEST((changes[0].state == routing::DeliveryState::Failed));
    BOOST_TEST(changes[0].reason == "Telegram 403: Forbidden: bot was blocked by the user");
    BOOST_TEST(w.standin.requests(0, "sendMessage").size() == 1u);
    auto out = w.read(conv)->messages.back();
    BOOST_TEST(*out.delivery == "failed");
    BOOST_TEST(*out.delivery_reason == "Telegram 403: Forbidden: bot was blocked by the user");
}

BOOST_AUTO_TEST_CASE(one_conversations_replies_arrive_in_order) {
    World w;
    w.standin.script({{"rules", {{{"match", "sendMessage"}, {"answers", {{{"status", 500}}}}}}}});
    auto conv = w.conversation("bot", "7");
    for (const char* t : {"one", "two", "three"}) w.reply(conv, t);
    w.waitDeliveries(3, std::chrono::seconds(15));
    std::vector<std::string> texts;
    for (const auto& r : w.standin.requests(0, "sendMessage")) {
        if (r["status"] == 200) texts.push_back(textOf(r));
    }
    BOOST_TEST(texts == (std::vector<std::string>{"one", "two", "three"}));
}

BOOST_AUTO_TEST_CASE(a_provider_down_for_30_seconds_gets_every_reply_exactly_once) {
    World w;
    std::vector<std::int64_t> conversations;
    for (int i = 0; i < 20; ++i) conversations.push_back(w.conversation("bot", std::to_string(1000 + i)));
    w.standin.down(30);
    for (int i = 0; i < 20; ++i) {
        for (int j = 0; j < 5; ++j)
            w.reply(conversations[i], "reply " + std::to_string(i) + "." + std::to_string(j));
    }
    BOOST_REQUIRE(w.standin.waitUntilUp(std::chrono::seconds(40)));
    auto changes = w.waitDeliveries(100, std::chrono::seconds(60));
    BOOST_TEST(changes.size() == 100u);
    std::multiset<std::string> texts;
    for (const auto& r : w.standin.requests(0, "sendMessage")) texts.insert(textOf(r));
    std::size_t twice = 0;
    for (const auto& t : texts) twice += texts.count(t) > 1;
    BOOST_TEST(texts.size() == 100u);
    BOOST_TEST(twice == 0u);
    for (const auto& c : changes) BOOST_TEST((c.state == routing::DeliveryState::Sent));
}

BOOST_AUTO_TEST_CASE(wechat_fetches_an_access_token_and_renews_it_when_refused) {
    World w;
    auto conv = w.conversation("oa", "oOpenId123");
    w.reply(conv, "您好！");
    w.waitDeliveries(1, std::chrono::seconds(10));
    BOOST_TEST(w.standin.requests(0, "/cgi-bin/token").size() == 1u);
    w.standin.expireTokens();
    w.reply(conv, "还有问题吗？");
    auto changes = w.waitDeliveries(2, std::chrono::seconds(10));
    BOOST_TEST((changes[1].state == routing::DeliveryState::Sent));
    BOOST_TEST(w.standin.requests(0, "/cgi-bin/token").size() == 2u);
    auto sends = w.standin.requests(0, "message/custom/send");
    BOOST_REQUIRE_EQUAL(sends.size(), 3u);  // sent; refused with 40001; sent with the new token
    auto body = json::parse(sends[2]["body"].get<std::string>());
    BOOST_TEST(body["touser"] == "oOpenId123");
    BOOST_TEST(body["text"]["content"] == "还有问题吗？");
}

BOOST_AUTO_TEST_CASE(sends_in_flight_at_a_crash_are_resumed_and_counted) {
    World w({}, /*start_sender=*/false);
    auto conv = w.conversation("bot", "55");
    w.reply(conv, "resumed");
    // What a crash leaves: the message taken and marked sending, with no outcome stored.
    auto claim = wait<store::StoreResult<store::OutboxClaim>>([&](auto done) {
        w.store.claimOutbox("bot", 10, routing::unixMillis(routing::Clock::now()), done);
    });
    BOOST_REQUIRE_EQUAL(claim.value->items.size(), 1u);
    w.sender->start();
    auto changes = w.waitDeliveries(1, std::chrono::seconds(10));
    BOOST_TEST((changes[0].state == routing::DeliveryState::Sent));
    BOOST_TEST(w.metrics.render().find(
                   "ccd_outbox_possible_duplicates_total{cause=\"in_flight_at_start\"} 1") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(typing_is_relayed_where_the_channel_has_it) {
    World w;
    auto conv = w.conversation("bot", "77");
    w.sender->typing(conv);
    auto typing = w.standin.waitForRequests(1, "sendChatAction");
    auto body = json::parse(typing[0]["body"].get<std::string>());
    BOOST_TEST(body["action"] == "typing");
    BOOST_TEST(body["chat_id"] == 77);
}
