// The store's privacy operations on a real SQLite file: the audit log (append-only, filters,
// pagination, its own retention), erasure, export and the retention job's batches.
#include "daemon/store/sqlite/sqlite_store.hpp"

#define BOOST_TEST_MODULE sqlite_privacy_itest
#include <boost/test/unit_test.hpp>

#include <future>
#include <set>

#include "daemon/store/sqlite/sqlite_db.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
using store::StoreResult;
using store::sqlite::Connection;
using store::sqlite::SqliteStore;

namespace {

// Waits for a store callback's value; fails the test on a store error.
template <class T, class Call>
T sync(Call call) {
    std::promise<StoreResult<T>> p;
    call([&p](StoreResult<T> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    BOOST_REQUIRE_MESSAGE(r.value.has_value(), (r.error ? r.error->message : ""));
    return std::move(*r.value);
}

/// A store on a temp file, and a second connection of the test's own to look at it.
struct Fixture {
    Fixture() : store(store::sqlite::SqliteStoreOptions{dir.file("ccd.db")}, nullptr) {}
    ~Fixture() { store.close(); }

    Connection look() { return Connection(dir.file("ccd.db"), false); }
    long long count(const std::string& sql) {
        auto db = look();
        return std::stoll(db.queryText(sql).value_or("-1"));
    }
    std::string text(const std::string& sql) {
        auto db = look();
        return db.queryText(sql).value_or("<null>");
    }
    void exec(const std::string& sql) {
        auto db = look();
        db.exec(sql);
    }

    store::IngestResult ingest(const std::string& instance, const std::string& from,
                               const std::string& text,
                               std::vector<routing::Attachment> attachments = {}) {
        routing::InboundMessage m;
        m.channel = routing::ChannelKind::Api;
        m.channel_instance = instance;
        m.from.id = from;
        m.text = text;
        m.provider_id = "p-" + std::to_string(++seq);
        m.received_at = routing::Clock::now();
        m.attachments = std::move(attachments);
        return sync<store::IngestResult>([&](auto done) { store.ingest(m, done); });
    }
    std::int64_t reply(std::int64_t conversation, const std::string& text) {
        store::OutboundMessage o;
        o.conversation_id = conversation;
        o.author = "agent:alice";
        o.text = text;
        o.idempotency_key = "k-" + std::to_string(++seq);
        return sync<std::int64_t>([&](auto done) { store.appendOutbound(o, done); });
    }
    void close(std::int64_t conversation) {
        store::RoutingUpdate u;
        u.closed.push_back(conversation);
        sync<store::RoutingApplied>([&](auto done) { store.applyRouting(u, done); });
    }
    void putContact(const std::string& key, const std::string& address) {
        store::ContactUpdate u;
        u.key = key;
        u.name = "Zhang Wei";
        u.email = "zhang@example.com";
        u.phone = "+8613800000000";
        u.addresses = {{"api", address}};
        routing::Product p;
        p.sku = "P-1";
        p.serial = "SN-123";
        u.products = std::vector<routing::Product>{p};
        sync<store::ContactPutResult>([&](auto done) { store.putContact(u, done); });
    }
    void audit(std::vector<store::AuditRecord> entries) {
        sync<bool>([&](auto done) { store.appendAudit(std::move(entries), done); });
    }
    store::AuditPage query(store::AuditQuery q) {
        return sync<store::AuditPage>([&](auto done) { store.queryAudit(q, done); });
    }
    store::RetentionReport retain(store::RetentionRequest r) {
        return sync<store::RetentionReport>([&](auto done) { store.runRetention(r, done); });
    }

    testing::TempDir dir;
    SqliteStore store;
    int seq = 0;
};

store::AuditRecord entry(std::int64_t at, std::string actor, std::string action,
                         std::string object_id) {
    store::AuditRecord e;
    e.at_ms = at;
    e.actor_kind = "account";
    e.actor = std::move(actor);
    e.action = std::move(action);
    e.object_kind = "contact";
    e.object_id = std::move(object_id);
    e.remote = "127.0.0.1";
    return e;
}

routing::Attachment attachment(std::string kind, std::string id) {
    routing::Attachment a;
    a.kind = std::move(kind);
    a.provider_file_id = std::move(id);
    a.file_name = "scan.pdf";
    return a;
}

}  // namespace

BOOST_AUTO_TEST_CASE(audit_filters_and_pages_newest_first) {
    Fixture f;
    std::vector<store::AuditRecord> all;
    for (int i = 0; i < 25; ++i)
        all.push_back(entry(1000 + i, i % 2 ? "alice" : "bob",
                            i % 3 ? "contact.read" : "contact.erase", "C-" + std::to_string(i % 5)));
    f.audit(all);

    // Pages of 10 walk all 25 once, newest first.
    std::set<std::int64_t> seen;
    std::int64_t last = 1 << 30;
    store::AuditQuery q;
    q.limit = 10;
    int pages = 0;
    for (;;) {
        auto page = f.query(q);
        ++pages;
        for (const auto& e : page.entries) {
            BOOST_TEST(e.id < last);
            last = e.id;
            seen.insert(e.id);
        }
        if (!page.next_before_id) break;
        q.before_id = page.next_before_id;
    }
    BOOST_TEST(pages == 3);
    BOOST_TEST(seen.size() == 25u);

    store::AuditQuery by_actor;
    by_actor.actor = "alice";
    auto a = f.query(by_actor);
    BOOST_TEST(a.entries.size() == 12u);
    for (const auto& e : a.entries) BOOST_TEST(e.actor == "alice");

    store::AuditQuery prefix;
    prefix.action = "contact.";
    BOOST_TEST(f.query(prefix).entries.size() == 25u);
    store::AuditQuery exact;
    exact.action = "contact.erase";
    BOOST_TEST(f.query(exact).entries.size() == 9u);

    store::AuditQuery object;
    object.object_kind = "contact";
    object.object_id = "C-3";
    BOOST_TEST(f.query(object).entries.size() == 5u);

    store::AuditQuery range;
    range.since_ms = 1005;
    range.until_ms = 1010;
    auto r = f.query(range);
    BOOST_TEST(r.entries.size() == 5u);
    BOOST_TEST(r.entries.front().at_ms == 1009);
    BOOST_TEST(r.entries.back().remote == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(the_audit_log_is_append_only_but_for_its_own_retention) {
    Fixture f;
    f.audit({entry(1000, "alice", "contact.read", "C-1"), entry(5000, "bob", "contact.read", "C-2")});
    BOOST_CHECK_THROW(f.exec("UPDATE audit_log SET actor = 'mallory'"), store::sqlite::SqliteError);
    BOOST_CHECK_THROW(f.exec("DELETE FROM audit_log"), store::sqlite::SqliteError);
    BOOST_TEST(f.count("SELECT count(*) FROM audit_log") == 2);

    store::RetentionRequest dry;
    dry.audit = 2000;
    dry.dry_run = true;
    BOOST_TEST(f.retain(dry).audit == 1u);
    BOOST_TEST(f.count("SELECT count(*) FROM audit_log") == 2);

    store::RetentionRequest purge;
    purge.audit = 2000;
    purge.batch = 10;
    BOOST_TEST(f.retain(purge).audit == 1u);
    BOOST_TEST(f.text("SELECT group_concat(actor) FROM audit_log") == "bob");
    // The window the retention opened is closed again.
    BOOST_CHECK_THROW(f.exec("DELETE FROM audit_log"), store::sqlite::SqliteError);
}

BOOST_AUTO_TEST_CASE(erasure_removes_personal_data_and_keeps_the_skeleton) {
    Fixture f;
    auto in = f.ingest("api", "cust-1", "my phone is +86 138 0000 0000",
                       {attachment("document", "f-1"), attachment("voice", "v-1")});
    f.putContact("C-1", "cust-1");
    auto out = f.reply(in.conversation_id, "Dear Zhang Wei, we call you back");
    f.exec("UPDATE outbox SET status = 'sent'");
    sync<bool>([&](auto done) {
        f.store.appendEvents({{in.conversation_id, "note", R"({"agent":"alice","text":"VIP, lives at 5 Main St"})", 1}},
                             done);
    });
    f.exec("UPDATE conversations SET category = 'fault', priority = 2");
    auto other = f.ingest("api", "cust-2", "someone else");

    auto audit = entry(0, "root", "contact.erase", "C-1");
    audit.at_ms = 7000;
    auto r = sync<std::optional<store::ErasureResult>>(
        [&](auto done) { f.store.eraseContact("C-1", audit, done); });
    BOOST_REQUIRE(r);
    BOOST_TEST(!r->already_erased);
    BOOST_TEST(r->counts.contacts == 1u);
    BOOST_TEST(r->counts.messages == 2u);
    BOOST_TEST(r->counts.attachments == 2u);
    BOOST_TEST(r->counts.addresses >= 1u);
    BOOST_TEST(r->counts.products == 1u);
    BOOST_TEST(r->counts.outbox == 1u);
    BOOST_TEST(r->counts.events == 1u);

    BOOST_TEST(f.count("SELECT count(*) FROM contacts WHERE external_id = 'C-1' AND name IS NULL"
                       " AND email IS NULL AND phone IS NULL AND erased_at = 7000") == 1);
    BOOST_TEST(f.count("SELECT count(*) FROM contact_addresses WHERE address = 'cust-1'") == 0);
    BOOST_TEST(f.count("SELECT count(*) FROM contact_products") == 0);
    // Rows stay (reports count them), texts do not.
    BOOST_TEST(f.count("SELECT count(*) FROM messages WHERE conversation_id = " +
                       std::to_string(in.conversation_id)) == 2);
    BOOST_TEST(f.count("SELECT count(*) FROM messages WHERE body LIKE '%138%' OR body LIKE '%Zhang%'"
                       " OR sender = 'cust-1'") == 0);
    BOOST_TEST(f.text("SELECT body FROM messages WHERE id = " + std::to_string(out)) == "[erased]");
    BOOST_TEST(f.count("SELECT count(*) FROM messages WHERE attachments LIKE '%f-1%' OR attachments"
                       " LIKE '%scan.pdf%'") == 0);
    BOOST_TEST(f.count("SELECT count(*) FROM outbox WHERE payload LIKE '%Zhang%'") == 0);
    BOOST_TEST(f.count("SELECT count(*) FROM events WHERE data LIKE '%Main St%'") == 0);
    BOOST_TEST(f.text("SELECT category || ':' || priority FROM conversations WHERE id = " +
                      std::to_string(in.conversation_id)) == "fault:2");
    // Another customer is untouched; the erasure is in the audit log, without what was erased.
    BOOST_TEST(f.text("SELECT body FROM messages WHERE id = " + std::to_string(other.message_id)) ==
               "someone else");
    BOOST_TEST(f.count("SELECT count(*) FROM audit_log WHERE action = 'contact.erase' AND actor ="
                       " 'root' AND at = 7000 AND detail LIKE '%\"messages\":2%'") == 1);
    BOOST_TEST(f.count("SELECT count(*) FROM audit_log WHERE detail LIKE '%Zhang%'") == 0);

    // Again: nothing left to erase, answered the same way; an unknown key is not found.
    auto again = sync<std::optional<store::ErasureResult>>(
        [&](auto done) { f.store.eraseContact("C-1", audit, done); });
    BOOST_REQUIRE(again);
    BOOST_TEST(again->already_erased);
    auto unknown = sync<std::optional<store::ErasureResult>>(
        [&](auto done) { f.store.eraseContact("C-404", audit, done); });
    BOOST_TEST(!unknown);
}

BOOST_AUTO_TEST_CASE(export_holds_contact_conversations_events_and_outbox) {
    Fixture f;
    auto in = f.ingest("api", "cust-9", "hello, order 77 is late");
    f.putContact("C-9", "cust-9");
    f.reply(in.conversation_id, "looking into order 77");
    sync<bool>([&](auto done) {
        f.store.appendEvents({{in.conversation_id, "note", R"({"text":"called"})", 5}}, done);
    });
    auto x = sync<std::optional<store::ContactExport>>(
        [&](auto done) { f.store.exportContact("C-9", done); });
    BOOST_REQUIRE(x);
    BOOST_TEST(*x->contact.email == "zhang@example.com");
    BOOST_REQUIRE(x->conversations.size() == 1u);
    BOOST_TEST(x->conversations[0].messages.size() == 2u);
    BOOST_TEST(x->conversations[0].messages[0].text == "hello, order 77 is late");
    bool note = false;
    for (const auto& e : x->events) note = note || (e.type == "note" && e.data_json.find("called") != std::string::npos);
    BOOST_TEST(note);
    BOOST_REQUIRE(x->outbox.size() == 1u);
    BOOST_TEST(x->outbox[0].payload_json.find("order 77") != std::string::npos);
    BOOST_TEST(!x->erased_at_ms);
    auto none = sync<std::optional<store::ContactExport>>(
        [&](auto done) { f.store.exportContact("nobody", done); });
    BOOST_TEST(!none);
}

BOOST_AUTO_TEST_CASE(retention_removes_old_text_of_closed_conversations_in_batches) {
    Fixture f;
    // An old closed conversation, a new closed one, an old open one, and a mail instance with
    // a shorter period of its own.
    auto old_closed = f.ingest("api", "a", "old secret", {attachment("photo", "p-1"),
                                                          attachment("voice", "v-1")});
    auto new_closed = f.ingest("api", "b", "new text");
    auto old_open = f.ingest("api", "c", "old but open");
    auto mail = f.ingest("mail", "d", "mail text");
    f.close(old_closed.conversation_id);
    f.close(new_closed.conversation_id);
    f.close(mail.conversation_id);
    f.exec("UPDATE messages SET created_at = 1000 WHERE id IN (" +
           std::to_string(old_closed.message_id) + "," + std::to_string(old_open.message_id) + ")");
    f.exec("UPDATE messages SET created_at = 50000 WHERE id = " + std::to_string(new_closed.message_id));
    f.exec("UPDATE messages SET created_at = 20000 WHERE id = " + std::to_string(mail.message_id));

    store::RetentionRequest r;
    r.now_ms = 60000;
    r.defaults.message_text = 10000;  // older than this goes
    r.defaults.recordings = 10000;    // photos are kept (no attachments period)
    r.channels["mail"].message_text = 30000;
    r.batch = 1;  // one message per commit: the run must still reach every message
    r.dry_run = true;
    auto dry = f.retain(r);
    BOOST_TEST(dry.message_texts == 2u);
    BOOST_TEST(dry.recordings == 1u);
    BOOST_TEST(f.count("SELECT count(*) FROM messages WHERE redacted_at IS NOT NULL") == 0);

    r.dry_run = false;
    auto done = f.retain(r);
    BOOST_TEST(done.message_texts == 2u);
    BOOST_TEST(done.recordings == 1u);
    BOOST_TEST(done.attachments == 0u);
    BOOST_TEST(done.commits >= 4u);
    auto body = [&](std::int64_t id) {
        return f.text("SELECT body FROM messages WHERE id = " + std::to_string(id));
    };
    BOOST_TEST(body(old_closed.message_id) == "[expired]");
    BOOST_TEST(body(mail.message_id) == "[expired]");
    BOOST_TEST(body(new_closed.message_id) == "new text");
    BOOST_TEST(body(old_open.message_id) == "old but open");  // open: never purged
    auto atts = f.text("SELECT attachments FROM messages WHERE id = " +
                       std::to_string(old_closed.message_id));
    BOOST_TEST(atts.find("p-1") != std::string::npos);
    BOOST_TEST(atts.find("v-1") == std::string::npos);
    // A second run finds nothing more.
    auto again = f.retain(r);
    BOOST_TEST(again.message_texts == 0u);
    BOOST_TEST(again.recordings == 0u);
}

BOOST_AUTO_TEST_CASE(retention_erases_idle_contacts_without_open_conversations) {
    Fixture f;
    auto idle = f.ingest("api", "idle", "bye");
    f.putContact("C-idle", "idle");
    auto busy = f.ingest("api", "busy", "still talking");
    f.close(idle.conversation_id);
    f.exec("UPDATE contacts SET updated_at = 1000");
    f.exec("UPDATE conversations SET updated_at = 1000, closed_at = 1000, last_inbound_at = 1000");

    store::RetentionRequest r;
    r.now_ms = 100000;
    r.contacts = 50000;
    auto done = f.retain(r);
    BOOST_TEST(done.contacts == 1u);
    BOOST_TEST(f.count("SELECT count(*) FROM contacts WHERE erased_at IS NOT NULL AND id = " +
                       std::to_string(idle.contact_id)) == 1);
    BOOST_TEST(f.count("SELECT count(*) FROM contacts WHERE erased_at IS NULL AND id = " +
                       std::to_string(busy.contact_id)) == 1);
    BOOST_TEST(f.text("SELECT body FROM messages WHERE id = " + std::to_string(busy.message_id)) ==
               "still talking");
}

BOOST_AUTO_TEST_CASE(a_calls_recording_and_transcription_expire_and_erasure_clears_its_numbers) {
    Fixture f;
    auto call = f.ingest("pbx", "+8613800138000", "(new call)");
    auto conv = std::to_string(call.conversation_id);
    f.close(call.conversation_id);
    f.exec("INSERT INTO events (conversation_id, type, data, created_at) VALUES"
           " (" + conv + ", 'call.ringing', '{\"from\":\"013800138000\",\"customer\":"
           "\"+8613800138000\"}', 1000),"
           " (" + conv + ", 'call.recording', '{\"recording_url\":\"https://r/1\"}', 1000),"
           " (" + conv + ", 'call.transcription', '{\"text\":\"my printer\",\"recording_url\":"
           "\"https://r/1\"}', 1000),"
           " (" + conv + ", 'call.recording', '{\"recording_url\":\"https://r/2\"}', 50000),"
           " (" + conv + ", 'transfer', '{\"from\":\"alice\"}', 1000)");

    store::RetentionRequest r;
    r.now_ms = 60000;
    r.defaults.recordings = 10000;
    r.defaults.message_text = 10000;
    r.batch = 2;
    auto done = f.retain(r);
    BOOST_TEST(done.recordings == 2u);      // the old recording and the transcribed one
    BOOST_TEST(done.message_texts == 1u);   // the transcription (the call's message is new)
    BOOST_TEST(f.count("SELECT count(*) FROM events WHERE data LIKE '%https://r/1%'") == 0);
    BOOST_TEST(f.count("SELECT count(*) FROM events WHERE data LIKE '%https://r/2%'") == 1);
    BOOST_TEST(f.text("SELECT json_extract(data, '$.text') FROM events WHERE type ="
                      " 'call.transcription'") == "[expired]");
    auto again = f.retain(r);
    BOOST_TEST(again.recordings == 0u);
    BOOST_TEST(again.message_texts == 0u);

    // Erasure: the call steps lose the numbers; other events keep what is not personal; a web
    // chat session of the same person (by address) goes, another's stays.
    f.putContact("C-caller", "+8613800138000");
    f.exec("INSERT INTO channel_state (channel_instance, key, value, updated_at) VALUES"
           " ('web', 'session:a1', '{\"sender\":\"+8613800138000\",\"name\":\"Zhang\"}', 1),"
           " ('web', 'session:b2', '{\"sender\":\"wc_other\",\"name\":\"Li\"}', 1)");
    BOOST_TEST(f.text("SELECT json_extract(data, '$.customer') FROM events WHERE type ="
                      " 'call.ringing'") == "+8613800138000");
    auto erased = sync<std::optional<store::ErasureResult>>(
        [&](auto done) { f.store.eraseContact("C-caller", entry(2000, "root", "contact.erase", "C-caller"), done); });
    BOOST_REQUIRE(erased);
    BOOST_TEST(erased->counts.events == 3u);  // ringing, transcription, the newer recording
    BOOST_TEST(f.count("SELECT count(*) FROM events WHERE data LIKE '%13800138000%'") == 0);
    BOOST_TEST(f.text("SELECT json_extract(data, '$.from') FROM events WHERE type = 'transfer'") ==
               "alice");
    BOOST_TEST(f.text("SELECT group_concat(key) FROM channel_state") == "session:b2");
}
