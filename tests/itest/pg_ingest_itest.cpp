#include "daemon/store/postgres/pg_ingest.hpp"

#define BOOST_TEST_MODULE pg_ingest_itest
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <string>

#include "daemon/attachment_json.hpp"
#include "daemon/store/inbound_rows.hpp"
#include "tests/support/ingest_drivers.hpp"

// One suite, both stores: every expectation runs on SQLite's ingest and on PostgreSQL's, each
// on a fresh database; what only PostgreSQL has (round trips, one transaction's xmin, text it
// cannot store) is checked on its driver alone.

using namespace ccd;
using routing::InboundMessage;
using store::IngestResult;
using testing::IngestDriver;
using testing::message;
using testing::PgIngestDriver;
using testing::Row;

namespace {

std::vector<routing::Attachment> oddAttachments() {
    routing::Attachment a;
    a.kind = "document";
    a.provider_file_id = "BQAC\x01\x1f-\"quoted\"\\back\tslash";
    a.mime_type = "application/pdf";
    a.file_name = "发票 2024 \xF0\x9F\x93\x84 (copy).pdf";
    a.size = 123456789012;
    a.caption = "行\n二\r\x7f";
    routing::Attachment b;
    b.kind = "photo";
    b.provider_file_id = "AgAC";
    b.url = "https://example.test/p?q=1&r=\xE2\x9C\x93";
    return {a, b};
}

std::string describe(const routing::ContactProfile& p) {
    std::string out = std::to_string(p.id) + "|" + p.name.value_or("-") + "|" + p.tier + "|" +
                      p.locale.value_or("-") + "|" + p.last_agent.value_or("-") + "|" +
                      p.account_manager.value_or("-");
    for (const auto& [k, v] : p.attributes) out += "|a:" + k + "=" + v;
    for (const auto& x : p.products)
        out += "|p:" + x.sku + "," + x.name + "," + x.serial.value_or("-") + "," +
               x.purchased_on.value_or("-") + "," + x.warranty_until.value_or("-");
    for (const auto& c : p.cases)
        out += "|c:" + std::to_string(c.id) + "," + c.type + "," + c.product_sku + "," +
               c.product_serial.value_or("-") + "," +
               std::to_string(routing::unixMillis(c.opened_at)) + "," + (c.open ? "open" : "done");
    return out;
}

std::string describe(const IngestResult& r) {
    return std::to_string(r.message_id) + "/" + std::to_string(r.conversation_id) + "/" +
           std::to_string(r.contact_id) + (r.duplicate ? " dup" : "") +
           (r.conflict ? " conflict" : "") + (r.new_conversation ? " new" : "") + " " +
           describe(r.contact);
}

// The rows ingest writes, as text, in an order both stores give alike.
std::vector<Row> storedRows(IngestDriver& d) {
    std::vector<Row> out;
    for (const char* sql :
         {"SELECT id, name, email, phone, tier, locale, attributes, created_at, updated_at"
          " FROM contacts ORDER BY id",
          "SELECT channel, address, contact_id FROM contact_addresses ORDER BY channel, address",
          "SELECT id, contact_id, channel, channel_instance, channel_ref, status, locale,"
          " reply_address, api_client, last_inbound_at, created_at, updated_at"
          " FROM conversations ORDER BY id",
          "SELECT id, conversation_id, direction, channel, channel_instance, provider_id,"
          " provider_ref, author, body, locale, attachments, created_at, sender, subject,"
          " thread_refs, classify_text, auto_submitted FROM messages ORDER BY id",
          "SELECT id, conversation_id, type, data, created_at FROM events ORDER BY id"}) {
        for (auto& row : d.rows(sql)) out.push_back(std::move(row));
        out.push_back({std::string("--")});
    }
    return out;
}

std::string show(const std::vector<Row>& rows) {
    std::string out;
    for (const auto& row : rows) {
        for (const auto& c : row) out += (c ? *c : std::string("NULL")) + " | ";
        out += "\n";
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_new_customer_opens_a_contact_and_a_conversation) {
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto r = d->ingest(message("1001", "u1", "my order never came"));
            BOOST_TEST(r.message_id > 0);
            BOOST_TEST(r.conversation_id > 0);
            BOOST_TEST(r.contact_id > 0);
            BOOST_TEST(r.new_conversation);
            BOOST_TEST(!r.duplicate);
            BOOST_TEST(r.contact.id == r.contact_id);
            BOOST_TEST(r.contact.name.value_or("") == "Customer 1001");
            BOOST_TEST(r.contact.tier == "standard");
            BOOST_TEST(d->count("contacts") == 1);
            BOOST_TEST(d->count("contact_addresses") == 1);
            BOOST_TEST(d->count("conversations") == 1);
            BOOST_TEST(d->count("messages") == 1);
            BOOST_TEST(d->value("SELECT type || ' ' || data FROM events").value_or("") ==
                       "conversation.opened {\"message_id\":" + std::to_string(r.message_id) + "}");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_returning_customer_joins_the_open_conversation) {
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto first = d->ingest(message("1001", "u1", "hello", 1'000));
            auto again = message("1001", "u2", "still waiting", 5'000);
            again.from.email = "c@example.test";
            auto second = d->ingest(again);
            BOOST_TEST(second.conversation_id == first.conversation_id);
            BOOST_TEST(second.contact_id == first.contact_id);
            BOOST_TEST(second.message_id > first.message_id);
            BOOST_TEST(!second.new_conversation);
            BOOST_TEST(d->count("conversations") == 1);
            BOOST_TEST(d->count("messages") == 2);
            BOOST_TEST(d->count("events") == 1);
            BOOST_TEST(d->value("SELECT last_inbound_at FROM conversations").value_or("") ==
                       "5000");
            BOOST_TEST(d->value("SELECT email || ' ' || updated_at FROM contacts").value_or("") ==
                       "c@example.test 5000");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_duplicate_returns_the_original_ids_and_stores_nothing) {
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto m = message("1001", "u1", "hello");
            m.attachments = oddAttachments();
            auto first = d->ingest(m);
            auto rows = storedRows(*d);
            auto again = d->ingest(m);
            BOOST_TEST(again.duplicate);
            BOOST_TEST(!again.conflict);
            BOOST_TEST(!again.new_conversation);
            BOOST_TEST(again.message_id == first.message_id);
            BOOST_TEST(again.conversation_id == first.conversation_id);
            BOOST_TEST(again.contact_id == first.contact_id);
            BOOST_TEST(again.contact.id == 0);  // not read for a duplicate
            BOOST_TEST(show(storedRows(*d)) == show(rows));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_reused_id_with_other_content_is_a_conflict_and_stores_nothing) {
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto first = d->ingest(message("1001", "u1", "hello"));
            auto rows = storedRows(*d);
            auto other = d->ingest(message("1001", "u1", "something else"));
            BOOST_TEST(other.duplicate);
            BOOST_TEST(other.conflict);
            BOOST_TEST(other.message_id == first.message_id);
            auto with_file = message("1001", "u1", "hello");
            with_file.attachments = oddAttachments();
            BOOST_TEST(d->ingest(with_file).conflict);
            // Another sender may use the same provider id: not a repeat.
            BOOST_TEST(!d->ingest(message("2002", "u1", "hello")).duplicate);
            BOOST_TEST(d->count("messages") == 2);
            rows.clear();
        }
    }
}

BOOST_AUTO_TEST_CASE(attachments_and_chinese_text_round_trip) {
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto m = message("wx-张伟", "m1", "你好，我的洗衣机坏了。能派人来修吗？🙏");
            m.from.name = "张伟";
            m.subject = "售后 #42";
            m.attachments = oddAttachments();
            auto r = d->ingest(m);
            auto id = std::to_string(r.message_id);
            BOOST_TEST(d->value("SELECT body FROM messages WHERE id = " + id).value_or("") ==
                       m.text);
            BOOST_TEST(d->value("SELECT subject FROM messages WHERE id = " + id).value_or("") ==
                       *m.subject);
            BOOST_TEST(r.contact.name.value_or("") == "张伟");
            auto stored = d->value("SELECT attachments FROM messages WHERE id = " + id);
            BOOST_TEST(stored.value_or("") == store::attachmentsColumn(m));
            auto back = daemon::attachmentsFromText(stored.value_or(""));
            BOOST_REQUIRE(back.size() == 2u);
            BOOST_TEST(back[0].provider_file_id == m.attachments[0].provider_file_id);
            BOOST_TEST(back[0].file_name.value_or("") == *m.attachments[0].file_name);
            BOOST_TEST(back[0].caption.value_or("") == *m.attachments[0].caption);
            BOOST_TEST(back[0].size.value_or(0) == 123456789012);
            BOOST_TEST(back[1].url.value_or("") == *m.attachments[1].url);
            // A retry of it is recognised, byte for byte.
            BOOST_TEST(d->ingest(m).duplicate);
            BOOST_TEST(!d->ingest(m).conflict);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_routing_profile_is_read_in_the_same_transaction) {
    std::vector<std::string> seen;
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto first = d->ingest(message("1001", "u1", "hello"));
            auto id = std::to_string(first.contact_id);
            d->exec(
                "UPDATE contacts SET tier = 'gold', attributes = '{\"segment\":\"smb\","
                "\"account_manager\":\"alice\",\"score\":7}' WHERE id = " +
                id);
            d->exec(
                "INSERT INTO contact_products (contact_id, sku, name, serial, purchased_on,"
                " warranty_until) VALUES (" +
                id +
                ", 'WM-100', '洗衣机', 'SN1', '2024-01-02',"
                " '2026-01-02'), (" +
                id + ", 'TV-9', NULL, NULL, NULL, NULL)");
            d->exec("UPDATE conversations SET agent = 'bob', status = 'closed' WHERE id = " +
                    std::to_string(first.conversation_id));
            d->exec(
                "INSERT INTO cases (contact_id, type, stage, body, opened_at, updated_at,"
                " product_sku, closed) VALUES (" +
                id +
                ", 'repair', 'open', '{}', 77, 77,"
                " 'WM-100', 0), (" +
                id + ", 'return', 'done', '{}', 88, 88, NULL, 1)");
            auto second = d->ingest(message("1001", "u2", "again"));
            BOOST_TEST(second.new_conversation);  // the first one was closed
            const auto& p = second.contact;
            BOOST_TEST(p.tier == "gold");
            BOOST_TEST(p.attributes.at("segment") == "smb");
            BOOST_TEST(p.attributes.at("score") == "7");
            BOOST_TEST(p.account_manager.value_or("") == "alice");
            BOOST_TEST(p.last_agent.value_or("") == "bob");
            BOOST_REQUIRE(p.products.size() == 2u);
            BOOST_TEST(p.products[0].name == "洗衣机");
            BOOST_TEST(p.products[1].name == "");
            BOOST_REQUIRE(p.cases.size() == 2u);
            BOOST_TEST(p.cases[0].type == "return");  // newest first
            BOOST_TEST(!p.cases[0].open);
            BOOST_TEST(p.cases[1].product_sku == "WM-100");
            seen.push_back(describe(p));
        }
    }
    BOOST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0] == seen[1]);  // PostgreSQL reads the profile as SQLite does
}

BOOST_AUTO_TEST_CASE(both_stores_write_the_same_rows) {
    // New and returning customers, repeats and conflicts, an email thread and a ticket, a
    // warning, attachments: the same results and the same rows, column for column.
    auto script = [](IngestDriver& d) {
        std::vector<std::string> out;
        auto note = [&](const IngestResult& r) { out.push_back(describe(r)); };
        note(d.ingest(message("a", "1", "first", 1000)));
        note(d.ingest(message("b", "2", "second", 2000)));
        note(d.ingest(message("a", "3", "third", 3000)));
        note(d.ingest(message("a", "1", "first", 4000)));
        note(d.ingest(message("a", "1", "changed", 5000)));
        auto mail = message("c@example.test", "<m1@x>", "question", 6000);
        mail.channel = routing::ChannelKind::Email;
        mail.channel_instance = "mail";
        mail.subject = "Help";
        mail.warnings = {"charset fallback", "broken \"MIME\""};
        mail.attachments = oddAttachments();
        mail.auto_submitted = true;
        note(d.ingest(mail));
        auto reply = message("d@example.test", "<m2@x>", "me too", 7000);
        reply.channel = routing::ChannelKind::Email;
        reply.channel_instance = "mail";
        reply.thread_refs = {"<zz@x>", "<m1@x>"};
        reply.reply_address = "list@example.test";
        reply.classify_text = "me too";
        auto r = d.ingest(reply);
        note(r);
        auto ticket = message("c@example.test", "<m3@x>", "see ticket", 8000);
        ticket.channel = routing::ChannelKind::Email;
        ticket.channel_instance = "mail";
        ticket.ticket = r.conversation_id;
        note(d.ingest(ticket));
        auto api = message("ext-1", "", "no provider id", 9000);
        api.channel = routing::ChannelKind::Api;
        api.channel_instance = "";
        api.api_client = "crm";
        api.provider_ref = "ref-1";
        api.channel_ref = "chan-ref";
        note(d.ingest(api));
        note(d.ingest(api));  // no provider id: never a repeat
        return out;
    };
    auto lite = std::make_unique<testing::SqliteIngestDriver>();
    auto pg = std::make_unique<testing::PgIngestDriver>();
    auto a = script(*lite);
    auto b = script(*pg);
    BOOST_TEST(a == b, boost::test_tools::per_element());
    BOOST_TEST(show(storedRows(*lite)) == show(storedRows(*pg)));
}

BOOST_AUTO_TEST_CASE(a_group_of_100_new_customers_is_one_transaction_in_two_round_trips) {
    std::vector<InboundMessage> group;
    for (int i = 0; i < 100; ++i)
        group.push_back(message("c" + std::to_string(i), "p" + std::to_string(i),
                                "消息 " + std::to_string(i), 1000 + i));
    std::vector<std::string> seen;
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto out = d->group(group);
            BOOST_REQUIRE(out.size() == 100u);
            std::string all;
            for (const auto& r : out) {
                BOOST_REQUIRE(r.value.has_value());
                BOOST_TEST(r.value->new_conversation);
                all += describe(*r.value) + "\n";
            }
            seen.push_back(all);
            BOOST_TEST(d->count("contacts") == 100);
            BOOST_TEST(d->count("conversations") == 100);
            BOOST_TEST(d->count("messages") == 100);
            BOOST_TEST(d->count("events") == 100);
            if (auto* pg = dynamic_cast<PgIngestDriver*>(d.get())) {
                const auto& stats = pg->writer().lastGroup();
                BOOST_TEST_MESSAGE("100 new customers: " << stats.round_trips << " round trips, "
                                                         << stats.waves << " wave(s)");
                BOOST_TEST(stats.waves == 1u);
                BOOST_TEST(stats.round_trips == 2u);  // BEGIN + reads; writes + COMMIT
                BOOST_TEST(stats.replays == 0u);
                // One transaction wrote every row.
                BOOST_TEST(d->value("SELECT count(DISTINCT xmin::text) FROM messages").value() ==
                           "1");
                BOOST_TEST(d->value("SELECT count(DISTINCT xmin::text) FROM contacts").value() ==
                           "1");
            }
        }
    }
    BOOST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0] == seen[1]);
}

BOOST_AUTO_TEST_CASE(messages_of_a_group_that_depend_on_each_other_go_in_waves) {
    // The same sender three times (its contact, then its conversation), a repeat inside the
    // group, a reply to a message of the group, and independent customers.
    std::vector<InboundMessage> group;
    group.push_back(message("a", "1", "one", 1000));
    group.push_back(message("b", "2", "two", 1001));
    group.push_back(message("a", "3", "three", 1002));
    group.push_back(message("a", "1", "one", 1003));  // a repeat of the first
    auto mail = message("c@example.test", "<m1@x>", "question", 1004);
    mail.channel = routing::ChannelKind::Email;
    mail.channel_instance = "mail";
    group.push_back(mail);
    auto reply = message("d@example.test", "<m2@x>", "me too", 1005);
    reply.channel = routing::ChannelKind::Email;
    reply.channel_instance = "mail";
    reply.thread_refs = {"<m1@x>"};
    group.push_back(reply);
    std::vector<std::string> seen;
    std::vector<std::string> rows;
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto out = d->group(group);
            std::string all;
            for (const auto& r : out) {
                BOOST_REQUIRE(r.value.has_value());
                all += describe(*r.value) + "\n";
            }
            seen.push_back(all);
            rows.push_back(show(storedRows(*d)));
            BOOST_TEST(out[2].value->conversation_id == out[0].value->conversation_id);
            BOOST_TEST(out[3].value->duplicate);
            BOOST_TEST(out[5].value->conversation_id == out[4].value->conversation_id);
            if (auto* pg = dynamic_cast<PgIngestDriver*>(d.get())) {
                const auto& stats = pg->writer().lastGroup();
                // a | b a (after the first a) | a (its repeat), c, d (after c's message)
                BOOST_TEST(stats.waves == 4u);
                BOOST_TEST(stats.round_trips == 5u);  // waves + 1
            }
        }
    }
    BOOST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0] == seen[1]);
    BOOST_TEST(rows[0] == rows[1]);
}

BOOST_AUTO_TEST_CASE(a_group_updates_each_joined_conversation_as_one_by_one_ingests_would) {
    // PostgreSQL writes the joined conversations' last_inbound_at and reply address once per
    // conversation, after the group's other writes: the rows must still be those of the
    // messages stored one by one (the latest time wins, the last message's reply address).
    std::vector<InboundMessage> opening, group;
    for (const char* who : {"a", "b", "c"})
        opening.push_back(message(who, std::string("o-") + who, "hello", 1000));
    auto add = [&](const char* who, const char* id, std::int64_t at, const char* reply) {
        auto m = message(who, id, std::string("more from ") + who, at);
        if (reply) m.reply_address = reply;
        group.push_back(std::move(m));
    };
    add("c", "1", 9000, "c-first");
    add("b", "2", 5000, nullptr);
    add("c", "3", 7000, "c-last");  // earlier than c's first: last_inbound_at stays 9000
    add("a", "4", 3000, "a-only");
    add("b", "5", 6000, "b-last");
    std::vector<std::string> rows;
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            for (const auto& r : d->group(opening)) BOOST_REQUIRE(r.value.has_value());
            for (const auto& r : d->group(group)) BOOST_REQUIRE(r.value.has_value());
            BOOST_TEST(d->value("SELECT last_inbound_at || ' ' || reply_address FROM"
                                " conversations WHERE id = (SELECT max(id) FROM conversations)")
                           .value_or("") == "9000 c-last");
            rows.push_back(show(storedRows(*d)));
        }
    }
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0] == rows[1]);
}

BOOST_AUTO_TEST_CASE(a_message_that_breaks_a_constraint_fails_alone) {
    std::vector<InboundMessage> group;
    for (int i = 0; i < 100; ++i)
        group.push_back(message("c" + std::to_string(i), "p" + std::to_string(i),
                                i == 37 ? "refuse me" : "fine " + std::to_string(i), 1000 + i));
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            d->refuseBody("refuse me");
            auto out = d->group(group);
            BOOST_REQUIRE(out.size() == 100u);
            for (int i = 0; i < 100; ++i) BOOST_TEST(out[i].value.has_value() == (i != 37));
            BOOST_REQUIRE(out[37].error.has_value());
            BOOST_TEST_MESSAGE(d->name() << ": " << out[37].error->message);
            BOOST_TEST(d->count("messages") == 99);
            BOOST_TEST(d->count("contacts") == 99);  // its contact went with it
            BOOST_TEST(d->count("conversations") == 99);
            BOOST_TEST(!d->value("SELECT 1 FROM messages WHERE body = 'refuse me'"));
            if (auto* pg = dynamic_cast<PgIngestDriver*>(d.get())) {
                const auto& stats = pg->writer().lastGroup();
                BOOST_TEST_MESSAGE("one failing message of 100: " << stats.round_trips
                                                                  << " round trips");
                BOOST_TEST(stats.replays == 1u);
                // The group's two, ROLLBACK, then the group again without it.
                BOOST_TEST(stats.round_trips == 5u);
                BOOST_TEST(out[37].error->message.find("test_refuse") != std::string::npos);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(postgres_refuses_text_it_cannot_store_before_sending_it) {
    PgIngestDriver d;
    std::vector<InboundMessage> group;
    group.push_back(message("a", "1", "fine"));
    group.push_back(message("b", "2", std::string("nul\0inside", 10)));
    group.push_back(message("c", "3", "bad \xC3\x28 utf-8"));
    group.push_back(message("d", "4", "也很好"));
    auto out = d.group(group);
    BOOST_TEST(out[0].value.has_value());
    BOOST_TEST(out[3].value.has_value());
    BOOST_REQUIRE(out[1].error.has_value());
    BOOST_TEST(out[1].error->message.find("text: a NUL byte") != std::string::npos);
    BOOST_REQUIRE(out[2].error.has_value());
    BOOST_TEST(out[2].error->message.find("text: not UTF-8") != std::string::npos);
    BOOST_TEST(d.writer().lastGroup().refused == 2u);
    BOOST_TEST(d.writer().lastGroup().replays == 0u);
    BOOST_TEST(d.count("messages") == 2);
    BOOST_CHECK_THROW(d.ingest(group[1]), std::invalid_argument);
    BOOST_TEST(store::postgres::unstorableText(message("e", "5", "\xF0\x9F\x99\x8F ok")).empty());
    BOOST_TEST(!store::postgres::unstorableText(message("e", "5", "\xED\xA0\x80")).empty());
}

BOOST_AUTO_TEST_CASE(one_message_in_an_open_transaction_takes_two_round_trips) {
    PgIngestDriver d;
    auto& db = d.db();
    auto before = db.ioStats().round_trips;
    db.transaction([&](store::postgres::Connection&) {
        auto during = db.ioStats().round_trips;
        auto r = d.writer().ingest(message("a", "1", "hello"));
        BOOST_TEST(db.ioStats().round_trips - during == 2u);
        BOOST_TEST(r.new_conversation);
    });
    BOOST_TEST_MESSAGE("one message with BEGIN and COMMIT: " << db.ioStats().round_trips - before
                                                             << " round trips");
    BOOST_TEST(d.count("messages") == 1);
}

BOOST_AUTO_TEST_CASE(two_addresses_of_one_contact_in_a_group_share_the_conversation) {
    // What the reads of one wave cannot see: both messages find the contact without an open
    // conversation, and the second would open another one.
    for (auto& d : testing::bothStores()) {
        BOOST_TEST_CONTEXT(d->name()) {
            auto first = d->ingest(message("x", "0", "before", 500));
            d->exec("UPDATE conversations SET status = 'closed'");
            d->exec(
                "INSERT INTO contact_addresses (channel, address, contact_id) VALUES"
                " ('telegram', 'x-alias', " +
                std::to_string(first.contact_id) + ")");
            auto out =
                d->group({message("x", "1", "one", 1000), message("x-alias", "2", "two", 1001)});
            BOOST_REQUIRE(out[0].value.has_value());
            BOOST_REQUIRE(out[1].value.has_value());
            BOOST_TEST(out[0].value->new_conversation);
            BOOST_TEST(out[1].value->conversation_id == out[0].value->conversation_id);
            BOOST_TEST(d->count("conversations") == 2);
            BOOST_TEST(d->count("messages") == 3);
            if (auto* pg = dynamic_cast<PgIngestDriver*>(d.get()))
                BOOST_TEST(pg->writer().lastGroup().retries == 1u);
        }
    }
    // (PostgreSQL's ids have a gap there: identity sequences are not rolled back.)
}
