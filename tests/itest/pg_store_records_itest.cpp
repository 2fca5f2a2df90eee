// pg_store_itest, continued: contacts, API keys, cases, the audit log, erasure and retention
// through the Store and CaseStore interfaces, with the same expectations on SqliteStore and
// PgStore (tests/support/store_makers.hpp).
#include <boost/test/unit_test.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daemon/store/case_store.hpp"
#include "daemon/store/contact_history.hpp"
#include "daemon/store/redaction_rows.hpp"
#include "tests/support/store_makers.hpp"

using namespace ccd;
using namespace ccd::testing;

namespace {

store::CaseStore& cases(Store& s) { return dynamic_cast<store::CaseStore&>(s); }

store::ContactPutResult putContact(Store& s, store::ContactUpdate u) {
    return ok(wait<store::ContactPutResult>([&](auto done) { s.putContact(std::move(u), done); }));
}

std::optional<store::ContactDetails> getContact(Store& s, const std::string& key) {
    return ok(
        wait<std::optional<store::ContactDetails>>([&](auto done) { s.getContact(key, done); }));
}

store::ContactUpdate contact(const std::string& key, const std::string& name) {
    store::ContactUpdate u;
    u.key = key;
    u.name = name;
    return u;
}

std::optional<store::CaseRow> getCase(Store& s, std::int64_t id) {
    return ok(wait<std::optional<store::CaseRow>>([&](auto done) { cases(s).getCase(id, done); }));
}

std::vector<store::CaseRow> listCases(Store& s, store::CaseListQuery q) {
    return ok(wait<std::vector<store::CaseRow>>(
        [&](auto done) { cases(s).listCases(std::move(q), done); }));
}

store::AuditRecord audit(const std::string& action, const std::string& object_id,
                         std::int64_t at_ms) {
    store::AuditRecord a;
    a.at_ms = at_ms;
    a.actor_kind = "account";
    a.actor = "alice";
    a.action = action;
    a.object_kind = "contact";
    a.object_id = object_id;
    a.detail_json = R"({"why":"test"})";
    return a;
}

void appendAudit(Store& s, std::vector<store::AuditRecord> entries) {
    BOOST_TEST(ok(wait<bool>([&](auto done) { s.appendAudit(std::move(entries), done); })));
}

store::AuditPage queryAudit(Store& s, store::AuditQuery q) {
    return ok(wait<store::AuditPage>([&](auto done) { s.queryAudit(std::move(q), done); }));
}

// Closes the conversation through the routing write, as the engine does.
void closeConversation(Store& s, std::int64_t conversation) {
    store::RoutingUpdate u;
    u.closed.push_back(conversation);
    ok(wait<store::RoutingApplied>([&](auto done) { s.applyRouting(std::move(u), done); }));
}

}  // namespace

BOOST_AUTO_TEST_CASE(contacts_are_put_imported_all_or_nothing_and_read_back) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            // An import that fails on one row stores none of its rows.
            auto s = maker->open();
            maker->exec(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON contacts WHEN NEW.name = 'boom'"
                " BEGIN SELECT RAISE(ABORT, 'refused'); END",
                "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " IF NEW.name = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW;"
                " END $$; CREATE TRIGGER refuse_boom BEFORE INSERT ON contacts FOR EACH ROW"
                " EXECUTE FUNCTION refuse_boom()");
            auto in = ingest(*s, message("5001", "c1", "Where is my order?"));

            // The contact who wrote in takes the key of the record that names their address.
            auto u = contact("crm-1", "Ada Lovelace");
            u.tier = "gold";
            u.email = "Ada@Example.com";
            u.attributes = std::map<std::string, std::string>{{"region", "north"}};
            u.addresses.emplace_back("telegram", "5001");
            routing::Product p;
            p.sku = "P-100";
            p.name = "Printer";
            p.serial = "SN-1";
            u.products = std::vector<routing::Product>{p};
            auto put = putContact(*s, u);
            BOOST_TEST(put.created);
            BOOST_TEST(put.id == in.contact_id);
            u.name = "Ada King";
            auto again = putContact(*s, u);
            BOOST_TEST(!again.created);
            BOOST_TEST(again.id == put.id);

            auto got = getContact(*s, "crm-1");
            BOOST_TEST_REQUIRE(got.has_value());
            BOOST_TEST(got->id == put.id);
            BOOST_TEST(got->profile.name.value_or("") == "Ada King");
            BOOST_TEST(got->profile.tier == "gold");
            BOOST_TEST(got->email.value_or("") == "ada@example.com");
            BOOST_TEST(got->profile.attributes.at("region") == "north");
            BOOST_TEST_REQUIRE(got->profile.products.size() == 1u);
            BOOST_TEST(got->profile.products[0].sku == "P-100");
            bool telegram = false;
            for (const auto& [channel, address] : got->addresses)
                telegram = telegram || (channel == "telegram" && address == "5001");
            BOOST_TEST(telegram);
            BOOST_TEST(!getContact(*s, "nobody").has_value());

            auto imported = ok(wait<std::size_t>([&](auto done) {
                s->putContacts({contact("crm-2", "Bea"), contact("crm-3", "Cy")}, done);
            }));
            BOOST_TEST(imported == 2u);
            BOOST_TEST(getContact(*s, "crm-3")->profile.name.value_or("") == "Cy");
            auto refused = wait<std::size_t>([&](auto done) {
                s->putContacts({contact("crm-4", "Dee"), contact("crm-5", "boom")}, done);
            });
            BOOST_TEST(!refused);
            BOOST_TEST(!getContact(*s, "crm-4").has_value());
            BOOST_TEST(!getContact(*s, "crm-5").has_value());
            auto alone = wait<store::ContactPutResult>(
                [&](auto done) { s->putContact(contact("crm-6", "boom"), done); });
            BOOST_TEST(!alone);
            BOOST_TEST(getContact(*s, "crm-2").has_value());  // what was committed stays

            // The archive, by key and by id.
            store::ContactHistoryQuery q;
            q.key = "crm-1";
            auto history = ok(wait<std::optional<store::ContactHistory>>(
                [&](auto done) { s->getContactHistory(q, done); }));
            BOOST_TEST_REQUIRE(history.has_value());
            BOOST_TEST(history->contact_id == put.id);
            BOOST_TEST(history->key.value_or("") == "crm-1");
            BOOST_TEST(history->conversations_total == 1u);
            BOOST_TEST_REQUIRE(history->conversations.size() == 1u);
            BOOST_TEST(history->conversations[0].id == in.conversation_id);
            BOOST_TEST_REQUIRE(history->products.size() == 1u);
            store::ContactHistoryQuery excluded;
            excluded.contact_id = put.id;
            excluded.exclude_conversation = in.conversation_id;
            auto without = ok(wait<std::optional<store::ContactHistory>>(
                [&](auto done) { s->getContactHistory(excluded, done); }));
            BOOST_TEST_REQUIRE(without.has_value());
            BOOST_TEST(without->conversations_total == 0u);
            store::ContactHistoryQuery unknown;
            unknown.key = "nobody";
            BOOST_TEST(!ok(wait<std::optional<store::ContactHistory>>([&](auto done) {
                            s->getContactHistory(unknown, done);
                        })).has_value());

            // Reopened: what was committed is there.
            s->close();
            s.reset();
            auto reopened = maker->open();
            BOOST_TEST(getContact(*reopened, "crm-1")->profile.name.value_or("") == "Ada King");
            BOOST_TEST(!getContact(*reopened, "crm-4").has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(api_keys_written_beside_the_store_are_loaded) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            BOOST_TEST(ok(wait<std::vector<store::ApiKeyRecord>>([&](auto done) {
                           s->loadApiKeys(done);
                       })).empty());
            store::ApiKeyRecord a{"ck_one", "crm", std::string(64, 'a'), kT0, std::nullopt};
            store::ApiKeyRecord b{"ck_two", "shop", std::string(64, 'b'), kT0 + 1, kT0 + 2};
            maker->addApiKey(a);
            maker->addApiKey(b);
            auto keys = ok(
                wait<std::vector<store::ApiKeyRecord>>([&](auto done) { s->loadApiKeys(done); }));
            BOOST_TEST_REQUIRE(keys.size() == 2u);
            BOOST_TEST(keys[0].key_id == "ck_one");
            BOOST_TEST(keys[0].client == "crm");
            BOOST_TEST(keys[0].key_hash == a.key_hash);
            BOOST_TEST(!keys[0].revoked_at_ms.has_value());
            BOOST_TEST(keys[1].key_id == "ck_two");
            BOOST_TEST(keys[1].revoked_at_ms.value_or(0) == kT0 + 2);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_case_is_inserted_updated_listed_due_and_followed_up) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto in = ingest(*s, message("6001", "d1", "My printer jams"));
            BOOST_TEST(!ok(wait<std::optional<std::int64_t>>([&](auto done) {
                            cases(*s).nextCaseWakeup(done);
                        })).has_value());

            store::CaseRow row;
            row.contact_id = in.contact_id;
            row.type = "repair";
            row.stage = "new";
            row.product_sku = "P-100";
            row.product_serial = "SN-9";
            row.next_wakeup_ms = kT0 + 5000;
            row.conversations = {in.conversation_id};
            row.body = R"({"stage":"new"})";
            row.opened_at_ms = kT0;
            row.updated_at_ms = kT0;
            auto id = ok(wait<std::int64_t>([&](auto done) { cases(*s).insertCase(row, done); }));
            BOOST_TEST(id > 0);

            auto got = getCase(*s, id);
            BOOST_TEST_REQUIRE(got.has_value());
            BOOST_TEST(got->contact_id == in.contact_id);
            BOOST_TEST(got->stage == "new");
            BOOST_TEST(got->product_serial.value_or("") == "SN-9");
            BOOST_TEST(got->next_wakeup_ms.value_or(0) == kT0 + 5000);
            BOOST_TEST(got->conversations == std::vector<std::int64_t>{in.conversation_id});
            BOOST_TEST(!getCase(*s, id + 100).has_value());

            // Updated at its version; a writer with the old version is refused.
            auto changed = *got;
            changed.stage = "quoted";
            changed.owner = "bob";
            changed.next_wakeup_ms = kT0 + 1000;
            changed.body = R"({"stage":"quoted"})";
            changed.updated_at_ms = kT0 + 10;
            BOOST_TEST(ok(wait<bool>([&](auto done) { cases(*s).updateCase(changed, done); })));
            auto stale = *got;
            stale.stage = "lost";
            BOOST_TEST(!ok(wait<bool>([&](auto done) { cases(*s).updateCase(stale, done); })));
            auto now = getCase(*s, id);
            BOOST_TEST(now->stage == "quoted");
            BOOST_TEST(now->owner == "bob");
            BOOST_TEST(now->version > got->version);
            BOOST_TEST(now->body == R"({"stage":"quoted"})");

            store::CaseListQuery by_contact;
            by_contact.contact_id = in.contact_id;
            BOOST_TEST(listCases(*s, by_contact).size() == 1u);
            store::CaseListQuery by_conversation;
            by_conversation.conversation_id = in.conversation_id;
            BOOST_TEST(listCases(*s, by_conversation).size() == 1u);
            store::CaseListQuery by_owner;
            by_owner.owner = "carol";
            BOOST_TEST(listCases(*s, by_owner).empty());
            by_owner.owner = "bob";
            by_owner.open_only = true;
            BOOST_TEST(listCases(*s, by_owner).size() == 1u);

            auto due = ok(wait<std::vector<store::CaseRow>>(
                [&](auto done) { cases(*s).dueCases(kT0 + 2000, 10, done); }));
            BOOST_TEST_REQUIRE(due.size() == 1u);
            BOOST_TEST(due[0].id == id);
            BOOST_TEST(ok(wait<std::vector<store::CaseRow>>([&](auto done) {
                           cases(*s).dueCases(kT0, 10, done);
                       })).empty());
            BOOST_TEST(ok(wait<std::optional<std::int64_t>>([&](auto done) {
                           cases(*s).nextCaseWakeup(done);
                       })).value_or(0) == kT0 + 1000);

            auto who = ok(wait<std::optional<store::CaseContact>>(
                [&](auto done) { cases(*s).caseContact(in.contact_id, done); }));
            BOOST_TEST_REQUIRE(who.has_value());
            BOOST_TEST(who->last_channel == "support-bot");
            BOOST_TEST(who->profile.name.value_or("") == "Customer 6001");
            BOOST_TEST(!ok(wait<std::optional<store::CaseContact>>([&](auto done) {
                            cases(*s).caseContact(999999, done);
                        })).has_value());

            // A follow-up is worked in the contact's open conversation on the instance, or in a
            // new one.
            store::FollowUpConversationRequest f{in.contact_id, "telegram", "support-bot", "en"};
            BOOST_TEST(ok(wait<std::int64_t>([&](auto done) {
                           cases(*s).followUpConversation(f, done);
                       })) == in.conversation_id);
            closeConversation(*s, in.conversation_id);
            auto opened =
                ok(wait<std::int64_t>([&](auto done) { cases(*s).followUpConversation(f, done); }));
            BOOST_TEST(opened != in.conversation_id);
            BOOST_TEST(ok(wait<std::int64_t>(
                           [&](auto done) { cases(*s).followUpConversation(f, done); })) == opened);
        }
    }
}

BOOST_AUTO_TEST_CASE(audit_entries_are_appended_and_queried_newest_first) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            appendAudit(*s, {audit("contact.read", "1", kT0), audit("contact.update", "1", kT0 + 1),
                             audit("auth.login", "", kT0 + 2)});
            appendAudit(*s, {audit("contact.read", "2", kT0 + 3)});

            auto all = queryAudit(*s, {});
            BOOST_TEST_REQUIRE(all.entries.size() == 4u);
            BOOST_TEST(all.entries[0].action == "contact.read");
            BOOST_TEST(all.entries[0].object_id == "2");
            BOOST_TEST(all.entries[3].at_ms == kT0);
            BOOST_TEST(all.entries[0].id > all.entries[3].id);
            BOOST_TEST(all.entries[0].actor == "alice");
            BOOST_TEST(all.entries[0].detail_json == R"({"why":"test"})");

            store::AuditQuery prefix;
            prefix.action = "contact.";
            prefix.limit = 2;
            auto page = queryAudit(*s, prefix);
            BOOST_TEST(page.entries.size() == 2u);
            BOOST_TEST_REQUIRE(page.next_before_id.has_value());
            prefix.before_id = page.next_before_id;
            auto rest = queryAudit(*s, prefix);
            BOOST_TEST_REQUIRE(rest.entries.size() == 1u);
            BOOST_TEST(rest.entries[0].action == "contact.read");
            BOOST_TEST(rest.entries[0].object_id == "1");

            store::AuditQuery exact;
            exact.action = "contact.read";
            exact.object_id = "1";
            BOOST_TEST(queryAudit(*s, exact).entries.size() == 1u);
            store::AuditQuery window;
            window.since_ms = kT0 + 1;
            window.until_ms = kT0 + 3;
            BOOST_TEST(queryAudit(*s, window).entries.size() == 2u);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_contact_is_exported_then_erased_with_its_audit_entry_in_one_commit) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto in = ingest(*s, message("7001", "e1", "My card number is 4111"));
            auto u = contact("crm-7", "Eve");
            u.addresses.emplace_back("telegram", "7001");
            BOOST_TEST(putContact(*s, u).id == in.contact_id);

            // The export: the record, its conversation with its messages, the events of both.
            ok(wait<bool>([&](auto done) {
                s->appendEvents({{0, "contact.note", R"({"address":"7001","note":"vip"})", kT0},
                                 {0, "contact.note", R"({"address":"9999"})", kT0},
                                 {in.conversation_id, "routed", "{}", kT0 + 1}},
                                done);
            }));
            auto exported = ok(wait<std::optional<store::ContactExport>>(
                [&](auto done) { s->exportContact("crm-7", done); }));
            BOOST_TEST_REQUIRE(exported.has_value());
            BOOST_TEST(exported->contact.id == in.contact_id);
            BOOST_TEST(!exported->erased_at_ms.has_value());
            BOOST_TEST_REQUIRE(exported->conversations.size() == 1u);
            BOOST_TEST_REQUIRE(exported->conversations[0].messages.size() == 1u);
            BOOST_TEST(exported->conversations[0].messages[0].text == "My card number is 4111");
            std::vector<std::string> kinds;
            for (const auto& e : exported->events)
                kinds.push_back(e.type + ":" + std::to_string(e.conversation_id));
            const auto conversation = std::to_string(in.conversation_id);
            BOOST_TEST(kinds ==
                       (std::vector<std::string>{"conversation.opened:" + conversation,
                                                 "contact.note:0", "routed:" + conversation}));
            BOOST_TEST(!ok(wait<std::optional<store::ContactExport>>([&](auto done) {
                            s->exportContact("nobody", done);
                        })).has_value());

            auto erase = [&](const std::string& key) {
                return ok(wait<std::optional<store::ErasureResult>>([&](auto done) {
                    s->eraseContact(key, audit("contact.erase", "", kT0 + 50), done);
                }));
            };
            BOOST_TEST(!erase("nobody").has_value());
            auto erased = erase("crm-7");
            BOOST_TEST_REQUIRE(erased.has_value());
            BOOST_TEST(erased->contact_id == in.contact_id);
            BOOST_TEST(!erased->already_erased);
            BOOST_TEST(erased->counts.contacts == 1u);
            BOOST_TEST(erased->counts.messages == 1u);
            BOOST_TEST(erased->counts.conversations == 1u);

            auto conv = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(in.conversation_id, done); }));
            BOOST_TEST_REQUIRE(conv.has_value());
            BOOST_TEST_REQUIRE(conv->messages.size() == 1u);
            BOOST_TEST(conv->messages[0].text == std::string(store::kErasedMarker));
            auto after = getContact(*s, "crm-7");
            if (after) BOOST_TEST(!after->profile.name.has_value());

            store::AuditQuery q;
            q.action = "contact.erase";
            auto page = queryAudit(*s, q);
            BOOST_TEST_REQUIRE(page.entries.size() == 1u);  // none for the unknown key
            BOOST_TEST(page.entries[0].object_id == std::to_string(in.contact_id));
            auto detail = nlohmann::json::parse(page.entries[0].detail_json);
            BOOST_TEST(detail.value("why", "") == "test");
            BOOST_TEST(detail["erased"].value("messages", 0) == 1);
            BOOST_TEST(detail.value("already_erased", true) == false);

            auto after_export = ok(wait<std::optional<store::ContactExport>>(
                [&](auto done) { s->exportContact("crm-7", done); }));
            BOOST_TEST_REQUIRE(after_export.has_value());
            BOOST_TEST(after_export->erased_at_ms.has_value());
            BOOST_TEST(after_export->conversations.at(0).messages.at(0).text ==
                       std::string(store::kErasedMarker));

            auto twice = erase("crm-7");
            BOOST_TEST_REQUIRE(twice.has_value());
            BOOST_TEST(twice->already_erased);
            BOOST_TEST(twice->counts.messages == 0u);
            BOOST_TEST(queryAudit(*s, q).entries.size() == 2u);
        }
    }
}

BOOST_AUTO_TEST_CASE(retention_counts_then_removes_in_batches) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto old = ingest(*s, message("8001", "r1", "old secret", kT0));
            ingest(*s, message("8001", "r2", "old secret again", kT0 + 10));
            auto open = ingest(*s, message("8002", "r3", "still open", kT0));
            closeConversation(*s, old.conversation_id);
            appendAudit(*s, {audit("contact.read", "1", kT0), audit("contact.read", "2", kT0 + 1),
                             audit("contact.read", "3", kT0 + 9000)});

            store::RetentionRequest r;
            r.now_ms = kT0 + 10'000;
            r.defaults.message_text = kT0 + 5000;
            r.audit = kT0 + 5000;
            r.batch = 1;
            r.dry_run = true;
            auto counted =
                ok(wait<store::RetentionReport>([&](auto done) { s->runRetention(r, done); }));
            BOOST_TEST(counted.message_texts == 2u);  // not the open conversation's
            BOOST_TEST(counted.audit == 2u);
            BOOST_TEST(counted.commits == 0u);
            auto unchanged = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(old.conversation_id, done); }));
            BOOST_TEST(unchanged->messages[0].text == "old secret");

            r.dry_run = false;
            auto report =
                ok(wait<store::RetentionReport>([&](auto done) { s->runRetention(r, done); }));
            BOOST_TEST(report.message_texts == 2u);
            BOOST_TEST(report.audit == 2u);
            BOOST_TEST(report.commits > 2u);  // one batch of one row per commit
            auto expired = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(old.conversation_id, done); }));
            BOOST_TEST_REQUIRE(expired->messages.size() == 2u);
            BOOST_TEST(expired->messages[0].text == std::string(store::kExpiredMarker));
            BOOST_TEST(expired->messages[1].text == std::string(store::kExpiredMarker));
            auto kept = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(open.conversation_id, done); }));
            BOOST_TEST(kept->messages[0].text == "still open");
            auto left = queryAudit(*s, {});
            BOOST_TEST_REQUIRE(left.entries.size() == 1u);
            BOOST_TEST(left.entries[0].object_id == "3");

            // Nothing left to remove: a second run removes nothing.
            auto second =
                ok(wait<store::RetentionReport>([&](auto done) { s->runRetention(r, done); }));
            BOOST_TEST(second.message_texts == 0u);
            BOOST_TEST(second.audit == 0u);
        }
    }
}
