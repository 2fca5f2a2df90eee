// A web chat carried on by email (daemon/webchat/chat_mail.hpp) against a real SQLite store and
// the shipped templates: the confirmation and every later reply are queued on the email
// instance to the address the customer left, threaded to each other; the customer's answer by
// mail joins the chat's conversation and contact; back in the chat, replies go there again; the
// transcript goes by email once per state of the conversation; erasure forgets the address.
#include "daemon/webchat/chat_mail.hpp"

#define BOOST_TEST_MODULE chat_by_email_itest
#include <boost/test/unit_test.hpp>

#include <future>

#include "config/template_catalog_parser.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
using daemon::webchat::ChatMail;
using daemon::webchat::EmailTemplates;

namespace {

template <class T>
T wait(const std::function<void(std::function<void(T)>)>& call) {
    auto p = std::make_shared<std::promise<T>>();
    call([p](T v) { p->set_value(std::move(v)); });
    return p->get_future().get();
}

struct World {
    testing::TempDir dir;
    store::sqlite::SqliteStore store{store::sqlite::SqliteStoreOptions{dir.file("ccd.db")},
                                     nullptr};
    std::shared_ptr<const templates::Catalog> catalog =
        config::loadTemplateCatalog(CCD_SOURCE_DIR "/templates/default", "en");
    ChatMail mail{"support-mail", store, [this](std::function<void(EmailTemplates)> use) {
                      use(EmailTemplates{catalog, "Asia/Shanghai"});
                  }};

    store::IngestResult ingest(routing::InboundMessage m) {
        auto r = wait<store::StoreResult<store::IngestResult>>(
            [&](auto done) { store.ingest(std::move(m), done); });
        BOOST_REQUIRE_MESSAGE(r.value.has_value(), (r.error ? r.error->message : ""));
        return *r.value;
    }
    store::IngestResult chat(const std::string& text, const std::string& id) {
        routing::InboundMessage m;
        m.channel = routing::ChannelKind::Webchat;
        m.channel_instance = "web";
        m.from.id = "wc_0123456789ab";
        m.from.name = "Ann Lee";
        m.provider_id = "wc_0123456789ab:" + id;
        m.text = text;
        m.received_at = routing::Clock::now();
        return ingest(std::move(m));
    }
    std::string call(const std::function<void(std::function<void(std::string)>)>& f) {
        return wait<std::string>(f);
    }
    std::int64_t reply(std::int64_t conversation, const std::string& text, const std::string& key) {
        store::OutboundMessage m;
        m.conversation_id = conversation;
        m.author = "agent:alice";
        m.text = text;
        m.idempotency_key = key;
        auto r = wait<store::StoreResult<std::int64_t>>(
            [&](auto done) { store.appendOutbound(std::move(m), done); });
        BOOST_REQUIRE(r.value.has_value());
        return *r.value;
    }
    std::vector<store::OutboxItem> claim(const std::string& instance) {
        auto r = wait<store::StoreResult<store::OutboxClaim>>([&](auto done) {
            store.claimOutbox(instance, 100, std::numeric_limits<std::int64_t>::max() / 2, done);
        });
        BOOST_REQUIRE(r.value.has_value());
        return r.value->items;
    }
    void sent(const store::OutboxItem& item, const std::string& provider_id) {
        store::OutboxResult r;
        r.outbox_id = item.outbox_id;
        r.provider_message_id = provider_id;
        auto done = wait<store::StoreResult<std::vector<store::DeliveryChange>>>(
            [&](auto d) { store.completeOutbox({r}, d); });
        BOOST_REQUIRE(done.value.has_value());
    }
    store::ConversationRecord conversation(std::int64_t id) {
        auto r = wait<store::StoreResult<std::optional<store::ConversationRecord>>>(
            [&](auto done) { store.getConversation(id, done); });
        BOOST_REQUIRE(r.value.has_value() && r.value->has_value());
        return **r.value;
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_chat_continues_by_email_threaded_and_comes_back_to_the_chat) {
    World w;
    auto first = w.chat("My printer jams on every page", "m1");
    auto conv = first.conversation_id;
    BOOST_TEST(w.call([&](auto done) {
                   w.mail.start(conv, "Ann@Example.CN", "zh-Hans", std::string("Ann Lee"), done);
               }) == "");
    // The confirmation: on the email instance, to the address (lower case), in Chinese.
    auto items = w.claim("support-mail");
    BOOST_REQUIRE_EQUAL(items.size(), 1u);
    BOOST_TEST(items[0].to == "ann@example.cn");
    BOOST_TEST(*items[0].template_id == "chat_by_email");
    BOOST_TEST(items[0].subject->find("请求 #" + std::to_string(conv)) != std::string::npos,
               *items[0].subject);
    BOOST_TEST(!items[0].customer_message_id);  // nothing to answer yet: the chat is not mail
    BOOST_TEST(w.claim("web").empty());
    w.sent(items[0], "ccd.1.abc@example.com");
    BOOST_TEST(*w.conversation(conv).continues_via == "support-mail");

    // The agent's reply goes the same way, threaded to the confirmation.
    w.reply(conv, "Please check the paper tray.", "agent:alice:r1");
    items = w.claim("support-mail");
    BOOST_REQUIRE_EQUAL(items.size(), 1u);
    BOOST_TEST(items[0].to == "ann@example.cn");
    BOOST_TEST(*items[0].customer_message_id == "ccd.1.abc@example.com");
    BOOST_TEST(items[0].customer_subject.has_value());
    w.sent(items[0], "ccd.2.def@example.com");
    BOOST_TEST(w.claim("web").empty());

    // The customer answers by mail (In-Reply-To our reply): the same conversation and contact.
    routing::InboundMessage mail;
    mail.channel = routing::ChannelKind::Email;
    mail.channel_instance = "support-mail";
    mail.from.id = "ann@example.cn";
    mail.from.email = "ann@example.cn";
    mail.provider_id = "reply-1@example.cn";
    mail.text = "The tray is locked, it still jams.";
    mail.thread_refs = {"ccd.2.def@example.com"};
    mail.received_at = routing::Clock::now();
    auto answered = w.ingest(mail);
    BOOST_TEST(answered.conversation_id == conv);
    BOOST_TEST(answered.contact_id == first.contact_id);
    // A mail naming the ticket in its subject joins it too (the sender is its contact).
    mail.provider_id = "reply-2@example.cn";
    mail.thread_refs.clear();
    mail.ticket = conv;
    BOOST_TEST(w.ingest(mail).conversation_id == conv);

    // The next reply answers the customer's mail.
    w.reply(conv, "An engineer will call you.", "agent:alice:r2");
    items = w.claim("support-mail");
    BOOST_REQUIRE_EQUAL(items.size(), 1u);
    BOOST_TEST(*items[0].customer_message_id == "reply-2@example.cn");
    w.sent(items[0], "ccd.3.ghi@example.com");

    // Back in the chat: replies go to the chat again.
    w.chat("I am back", "m2");
    BOOST_TEST(w.call([&](auto done) { w.mail.stop(conv, done); }) == "");
    w.reply(conv, "Welcome back.", "agent:alice:r3");
    BOOST_TEST(w.claim("support-mail").empty());
    BOOST_REQUIRE_EQUAL(w.claim("web").size(), 1u);
    auto c = w.conversation(conv);
    BOOST_TEST(!c.continues_via);
    BOOST_TEST(c.messages.back().channel == "webchat");
    BOOST_TEST(c.messages[1].channel == "email");  // the confirmation
    BOOST_TEST(c.messages[1].provider_ref.value_or("") == "ccd.1.abc@example.com");
}

BOOST_AUTO_TEST_CASE(the_transcript_is_emailed_once_per_state_of_the_conversation) {
    World w;
    auto conv = w.chat("My printer jams on every page", "m1").conversation_id;
    w.reply(conv, "Is the paper tray locked?", "agent:alice:r1");
    auto chat = w.claim("web");
    BOOST_REQUIRE_EQUAL(chat.size(), 1u);
    w.sent(chat[0], "");
    auto ask = [&](const std::string& to) {
        return w.call([&](auto done) {
            w.mail.transcript(conv, to, "en", std::string("Ann Lee"), done);
        });
    };
    BOOST_TEST(ask("ann@example.cn") == "");
    BOOST_TEST(ask("ann@example.cn") == "");  // the same again: not sent twice
    auto items = w.claim("support-mail");
    BOOST_REQUIRE_EQUAL(items.size(), 1u);
    const auto& t = items[0];
    BOOST_TEST(t.to == "ann@example.cn");
    BOOST_TEST(*t.template_id == "chat_transcript");
    BOOST_TEST(*t.subject == "Transcript of your chat: request #" + std::to_string(conv));
    // Each message with its time (Asia/Shanghai), author and text; the transcript's own text is
    // not in it, and it does not change the conversation's route.
    BOOST_TEST(t.text.find("  Ann Lee\nMy printer jams on every page\n") != std::string::npos, t.text);
    BOOST_TEST(t.text.find("  alice\nIs the paper tray locked?\n") != std::string::npos, t.text);
    BOOST_TEST(t.html->find("Ann Lee") != std::string::npos);
    BOOST_TEST(!w.conversation(conv).continues_via);
    w.sent(t, "ccd.t1@example.com");
    w.reply(conv, "Thanks for waiting.", "agent:alice:r2");
    BOOST_TEST(w.claim("web").size() == 1u);
    // Something new: a second transcript goes, with it.
    BOOST_TEST(ask("ann@example.cn") == "");
    items = w.claim("support-mail");
    BOOST_REQUIRE_EQUAL(items.size(), 1u);
    BOOST_TEST(items[0].text.find("Thanks for waiting.") != std::string::npos);
    BOOST_TEST(items[0].text.find("Transcript of your chat") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(transcript_text_shows_times_in_the_zone_authors_and_files) {
    store::ConversationRecord c;
    store::MessageRecord in;
    in.direction = "in";
    in.text = "Here is the receipt";
    in.created_at_ms = 1795427400000;  // 2026-11-23 09:50 UTC
    routing::Attachment a;
    a.kind = "photo";
    a.file_name = "receipt.jpg";
    in.attachments.push_back(a);
    store::MessageRecord out;
    out.direction = "out";
    out.author = "auto";
    out.text = "Thank you";
    out.created_at_ms = 1795427460000;
    store::MessageRecord old = out;
    old.template_id = daemon::webchat::kTranscriptTemplate;
    c.messages = {in, out, old};
    auto text = daemon::webchat::formatTranscript(c, "王小明", "客服", "Asia/Shanghai");
    BOOST_TEST(text == "2026-11-23 17:50  王小明\nHere is the receipt\n[file] receipt.jpg\n\n"
                       "2026-11-23 17:51  客服\nThank you\n");
    // An unknown zone falls back to UTC.
    BOOST_TEST(daemon::webchat::formatTranscript(c, "A", "S", "Nowhere/Else").find("09:50") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_an_email_instance_nothing_is_queued) {
    World w;
    ChatMail none("", w.store, nullptr);
    auto conv = w.chat("hello", "m1").conversation_id;
    BOOST_TEST(!none.enabled());
    BOOST_TEST(w.call([&](auto done) { none.start(conv, "a@b.cn", "en", std::nullopt, done); }) ==
               "unavailable");
    BOOST_TEST(w.call([&](auto done) { none.transcript(conv, "a@b.cn", "en", std::nullopt, done); }) ==
               "unavailable");
    BOOST_TEST(w.claim("support-mail").empty());
    // A conversation that does not exist: no transcript.
    BOOST_TEST(w.call([&](auto done) {
                   w.mail.transcript(conv + 100, "a@b.cn", "en", std::nullopt, done);
               }) == "no_conversation");
}
