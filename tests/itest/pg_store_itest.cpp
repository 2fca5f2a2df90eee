#include "daemon/store/postgres/pg_store.hpp"

#define BOOST_TEST_MODULE pg_store_itest
#include <boost/test/unit_test.hpp>
#include <map>
#include <optional>
#include <string>

#include "daemon/store/sqlite/sqlite_store.hpp"
#include "tests/support/store_makers.hpp"

// One suite on both stores (SqliteStore on a temporary file, PgStore on a database of the
// test's own): ingest, routing, the outbox, batches, recovery after reopening; contacts, API
// keys, cases, the audit log, erasure and retention in pg_store_records_itest.cpp (the same
// program). What only PostgreSQL has (several nodes, a lost server, round trips) is in
// pg_store_nodes_itest.

using namespace ccd;
using namespace ccd::testing;

BOOST_AUTO_TEST_CASE(ingest_route_send_and_recover_after_reopening) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto first = ingest(*s, message("1001", "u1", "My printer is broken"));
            BOOST_TEST(first.new_conversation);
            BOOST_TEST(first.contact.name.value_or("") == "Customer 1001");

            // Stored, not routed yet: what a restart hands the engine.
            auto before = recovery(*s);
            BOOST_TEST_REQUIRE(before.unrouted.size() == 1u);
            BOOST_TEST(before.unrouted[0].message_id == first.message_id);
            BOOST_TEST(before.unrouted[0].new_conversation);
            BOOST_TEST(before.unrouted[0].message.text == "My printer is broken");
            BOOST_TEST(before.unrouted[0].message.from.id == "1001");
            BOOST_TEST(before.unrouted[0].contact.id == first.contact_id);

            store::RoutingUpdate u;
            routing::ConversationSnapshot snap;
            snap.id = first.conversation_id;
            snap.contact_id = first.contact_id;
            snap.channel = routing::ChannelKind::Telegram;
            snap.channel_instance = "support-bot";
            snap.category = "fault";
            snap.priority = 2;
            snap.queue = "repairs";
            snap.opened_at = routing::TimePoint(std::chrono::milliseconds(kT0));
            u.conversations.push_back(snap);
            u.routed_upto.emplace_back(first.conversation_id, first.message_id);
            u.outbound.push_back(reply(first.conversation_id, "auto:1", "We are on it"));
            u.events.push_back({first.conversation_id, "routed", "{\"queue\":\"repairs\"}", kT0});
            u.read_back.push_back(first.conversation_id);
            auto applied = ok(wait<store::RoutingApplied>(
                [&](auto done) { s->applyRouting(std::move(u), done); }));
            BOOST_TEST_REQUIRE(applied.outbound_ids.size() == 1u);
            BOOST_TEST_REQUIRE(applied.conversations.size() == 1u);
            BOOST_TEST(applied.conversations[0].messages.size() == 2u);
            BOOST_TEST(applied.conversations[0].routing->queue == "repairs");
            // The offer's customer history: the contact's other conversations (none yet).
            const auto& history = applied.conversations[0].customer_history;
            BOOST_TEST_REQUIRE(history.has_value());
            BOOST_TEST(history->contact_id == first.contact_id);
            BOOST_TEST(history->conversations_total == 0u);

            // A repeated idempotency key stores nothing and answers the first message.
            BOOST_TEST(appendOutbound(*s, reply(first.conversation_id, "auto:1", "again")) ==
                       applied.outbound_ids[0]);
            // A message for no conversation fails alone, with a clear reason.
            auto orphan = wait<std::int64_t>(
                [&](auto done) { s->appendOutbound(reply(999999, "auto:x", "lost"), done); });
            BOOST_TEST(!orphan);
            BOOST_TEST(orphan.error->message.find("999999") != std::string::npos);

            auto claimed = claim(*s, 10);
            BOOST_TEST_REQUIRE(claimed.items.size() == 1u);
            const auto& item = claimed.items[0];
            BOOST_TEST(item.message_id == applied.outbound_ids[0]);
            BOOST_TEST(item.text == "We are on it");
            BOOST_TEST(item.to == "1001");
            BOOST_TEST(item.attempt == 1);
            BOOST_TEST(item.customer_message_id.value_or("") == "u1");
            BOOST_TEST(claim(*s, 10).items.empty());  // taken: not claimed twice
            auto counts = ok(wait<std::map<std::string, store::OutboxCounts>>(
                [&](auto done) { s->outboxCounts(done); }));
            BOOST_TEST(counts["support-bot"].sending == 1u);

            store::OutboxResult sent;
            sent.outbox_id = item.outbox_id;
            sent.provider_message_id = "tg-77";
            auto changes = ok(wait<std::vector<store::DeliveryChange>>(
                [&](auto done) { s->completeOutbox({sent}, done); }));
            BOOST_TEST_REQUIRE(changes.size() == 1u);
            BOOST_TEST(changes[0].message_id == item.message_id);
            BOOST_TEST(changes[0].author == "auto");

            auto conv = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(first.conversation_id, done); }));
            BOOST_TEST_REQUIRE(conv.has_value());
            BOOST_TEST_REQUIRE(conv->messages.size() == 2u);
            BOOST_TEST(conv->messages[1].delivery.value_or("") == "sent");
            BOOST_TEST(conv->messages[1].provider_ref.value_or("") == "tg-77");
            auto target = ok(wait<std::optional<store::DeliveryTarget>>(
                [&](auto done) { s->deliveryTarget(first.conversation_id, done); }));
            BOOST_TEST(target->channel_instance == "support-bot");
            BOOST_TEST(target->to == "1001");

            // A second message, stored but not routed, and a reply left in flight by a crash.
            auto second = ingest(*s, message("1001", "u2", "Still broken", kT0 + 1000));
            appendOutbound(*s, reply(first.conversation_id, "auto:2", "Looking"));
            BOOST_TEST(claim(*s, 10).items.size() == 1u);
            s->close();
            s.reset();

            auto reopened = maker->open();
            auto after = recovery(*reopened);
            BOOST_TEST_REQUIRE(after.conversations.size() == 1u);
            BOOST_TEST(after.conversations[0].id == first.conversation_id);
            BOOST_TEST(after.conversations[0].queue == "repairs");
            BOOST_TEST(after.conversations[0].priority == 2);
            BOOST_TEST_REQUIRE(after.unrouted.size() == 1u);
            BOOST_TEST(after.unrouted[0].message_id == second.message_id);
            BOOST_TEST(!after.unrouted[0].new_conversation);
            BOOST_TEST(ok(wait<std::size_t>([&](auto done) { reopened->resumeOutbox(done); })) ==
                       1u);
            auto again = claim(*reopened, 10);
            BOOST_TEST_REQUIRE(again.items.size() == 1u);
            BOOST_TEST(again.items[0].attempt == 2);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_conversation_s_messages_are_claimed_one_at_a_time_in_order) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto in = ingest(*s, message("2002", "v1", "hello"));
            auto a = appendOutbound(*s, reply(in.conversation_id, "k:a", "first"));
            appendOutbound(*s, reply(in.conversation_id, "k:b", "second"));
            auto c = claim(*s, 10);
            BOOST_TEST_REQUIRE(c.items.size() == 1u);
            BOOST_TEST(c.items[0].message_id == a);
            store::OutboxResult retry;
            retry.outbox_id = c.items[0].outbox_id;
            retry.kind = store::OutboxResult::Kind::Retry;
            retry.next_attempt_ms = kT0 * 3;
            retry.reason = "429";
            ok(wait<std::vector<store::DeliveryChange>>(
                [&](auto done) { s->completeOutbox({retry}, done); }));
            auto later = claim(*s, 10);
            BOOST_TEST(later.items.empty());  // the second waits behind the first's retry
            BOOST_TEST(later.next_due_ms.has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(a_batch_s_edits_reports_contact_events_and_calls_apply_once) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto m = message("9009", "q1", "original");
            m.provider_ref = "chat:55";
            auto in = ingest(*s, m);
            appendOutbound(*s, reply(in.conversation_id, "e:1", "our answer"));
            auto c = claim(*s, 10);
            BOOST_TEST_REQUIRE(c.items.size() == 1u);
            store::OutboxResult sent;
            sent.outbox_id = c.items[0].outbox_id;
            sent.provider_message_id = "out-1";
            ok(wait<std::vector<store::DeliveryChange>>(
                [&](auto done) { s->completeOutbox({sent}, done); }));

            store::InboundBatch batch;
            batch.channel_instance = "support-bot";
            channels::InboundEdit edit;
            edit.provider_id = "e1";
            edit.provider_ref = "chat:55";
            edit.channel = routing::ChannelKind::Telegram;
            edit.sender = "9009";
            edit.text = "edited";
            edit.edited_at = routing::TimePoint(std::chrono::milliseconds(kT0 + 5));
            batch.edits.push_back(edit);
            channels::DeliveryReport delivered;
            delivered.provider_message_id = "out-1";
            delivered.state = routing::DeliveryState::Delivered;
            delivered.at = routing::TimePoint(std::chrono::milliseconds(kT0 + 6));
            auto read = delivered;
            read.state = routing::DeliveryState::Read;
            batch.reports = {read, delivered};  // out of order: delivered comes too late
            channels::ContactEvent subscribe;
            subscribe.provider_id = "ce1";
            subscribe.type = "subscribe";
            subscribe.from.id = "9009";
            batch.contact_events.push_back(subscribe);
            channels::CallEvent call;
            call.provider_id = "call-9:hangup";
            call.call_id = "call-9";
            call.type = "call.hangup";
            batch.calls.push_back(call);

            auto r =
                ok(wait<store::BatchIngested>([&](auto done) { s->ingestBatch(batch, done); }));
            BOOST_TEST(r.edits_applied == 1u);
            BOOST_TEST_REQUIRE(r.deliveries.size() == 1u);
            BOOST_TEST((r.deliveries[0].state == routing::DeliveryState::Read));
            BOOST_TEST(r.events_stored == 2u);
            BOOST_TEST_REQUIRE(r.calls.size() == 1u);
            BOOST_TEST(!r.calls[0].conversation_id.has_value());
            BOOST_TEST(!r.calls[0].duplicate);

            auto again =
                ok(wait<store::BatchIngested>([&](auto done) { s->ingestBatch(batch, done); }));
            BOOST_TEST(again.edits_applied == 0u);
            BOOST_TEST(again.deliveries.empty());
            BOOST_TEST(again.events_stored == 0u);
            BOOST_TEST(again.calls[0].duplicate);

            auto conv = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(in.conversation_id, done); }));
            BOOST_TEST_REQUIRE(conv->messages.size() == 2u);
            BOOST_TEST(conv->messages[0].text == "edited");
            BOOST_TEST(conv->messages[0].original_text.value_or("") == "original");
            BOOST_TEST(conv->messages[1].delivery.value_or("") == "read");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_batch_stores_its_messages_attachments_and_channel_state_together) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            store::InboundBatch batch;
            batch.channel_instance = "support-bot";
            auto m = message("7007", "b1", "a photo");
            routing::Attachment photo;
            photo.kind = "photo";
            photo.provider_file_id = "AgAC";
            photo.stored = true;
            m.attachments.push_back(photo);
            batch.messages.push_back(m);
            batch.messages.push_back(message("7008", "b2", "text only"));
            batch.attachment_contents.push_back({0, 1, std::string("\x89PNG\0\x01", 6)});
            batch.channel_state.emplace_back("last_update", "42");
            auto r =
                ok(wait<store::BatchIngested>([&](auto done) { s->ingestBatch(batch, done); }));
            BOOST_TEST_REQUIRE(r.messages.size() == 2u);
            auto file = ok(wait<std::optional<store::AttachmentFile>>([&](auto done) {
                s->getAttachment(r.messages[0].conversation_id, r.messages[0].message_id, 1, done);
            }));
            BOOST_TEST_REQUIRE(file.has_value());
            BOOST_TEST(file->bytes.value_or("") == std::string("\x89PNG\0\x01", 6));
            auto state = ok(wait<std::map<std::string, std::string>>(
                [&](auto done) { s->readChannelState("support-bot", done); }));
            BOOST_TEST(state["last_update"] == "42");
            // The same request again: answered as repeats, stored once.
            auto again =
                ok(wait<store::BatchIngested>([&](auto done) { s->ingestBatch(batch, done); }));
            BOOST_TEST(again.messages[0].duplicate);
            BOOST_TEST(again.messages[0].message_id == r.messages[0].message_id);
        }
    }
}

BOOST_AUTO_TEST_CASE(replies_of_a_conversation_continued_by_email_go_to_its_address) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto in = ingest(*s, message("1111", "m1", "write me by email"));
            store::RoutingUpdate u;
            u.email_continuations.emplace_back(in.conversation_id,
                                               store::EmailRoute{"mail", "ann@example.test"});
            // In the same commit, after the continuation: it already goes by email.
            u.outbound.push_back(reply(in.conversation_id, "c:1", "by email"));
            auto transcript = reply(in.conversation_id, "c:2", "the transcript");
            transcript.email = store::EmailRoute{"mail", "bob@example.test"};
            u.outbound.push_back(transcript);
            ok(wait<store::RoutingApplied>(
                [&](auto done) { s->applyRouting(std::move(u), done); }));
            auto mail = ok(wait<store::OutboxClaim>(
                [&](auto done) { s->claimOutbox("mail", 10, kT0 * 2, done); }));
            BOOST_TEST_REQUIRE(mail.items.size() == 1u);  // one at a time per conversation
            BOOST_TEST(mail.items[0].text == "by email");
            BOOST_TEST(mail.items[0].to == "ann@example.test");
            BOOST_TEST(mail.items[0].channel_instance == "mail");
            BOOST_TEST(claim(*s, 10).items.empty());  // nothing left for the chat itself
            store::OutboxResult sent;
            sent.outbox_id = mail.items[0].outbox_id;
            ok(wait<std::vector<store::DeliveryChange>>(
                [&](auto done) { s->completeOutbox({sent}, done); }));
            auto next = ok(wait<store::OutboxClaim>(
                [&](auto done) { s->claimOutbox("mail", 10, kT0 * 2, done); }));
            BOOST_TEST_REQUIRE(next.items.size() == 1u);
            BOOST_TEST(next.items[0].to == "bob@example.test");
            auto conv = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(in.conversation_id, done); }));
            BOOST_TEST(conv->continues_via.value_or("") == "mail");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_rated_and_closed_conversation_is_left_out_of_recovery) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto in = ingest(*s, message("1212", "r1", "thanks, solved"));
            store::RoutingUpdate u;
            routing::ConversationSnapshot snap;
            snap.id = in.conversation_id;
            snap.contact_id = in.contact_id;
            snap.queue = "general";
            snap.agent = "alice";
            u.conversations.push_back(snap);
            u.routed_upto.emplace_back(in.conversation_id, in.message_id);
            u.ratings.emplace_back(in.conversation_id, 5);
            u.closed.push_back(in.conversation_id);
            ok(wait<store::RoutingApplied>(
                [&](auto done) { s->applyRouting(std::move(u), done); }));
            auto conv = ok(wait<std::optional<store::ConversationRecord>>(
                [&](auto done) { s->getConversation(in.conversation_id, done); }));
            BOOST_TEST(conv->status == "closed");
            BOOST_TEST(conv->rating.value_or(0) == 5);
            BOOST_TEST(conv->routing->agent.value_or("") == "alice");
            auto r = recovery(*s);
            BOOST_TEST(r.conversations.empty());
            BOOST_TEST(r.unrouted.empty());
            // The customer writes again: a new conversation, and their last agent is known.
            auto next = ingest(*s, message("1212", "r2", "one more thing"));
            BOOST_TEST(next.new_conversation);
            BOOST_TEST(next.contact.last_agent.value_or("") == "alice");
        }
    }
}

// The queues' latest handle times (an agent's last assignment to the resolution) come back
// with the routing after a restart, oldest first, for the engine's wait estimates.
BOOST_AUTO_TEST_CASE(handle_times_come_back_with_the_routing) {
    for (auto& maker : bothStores()) {
        BOOST_TEST_CONTEXT(maker->name()) {
            auto s = maker->open();
            auto held = [&](const std::string& from, const std::string& queue,
                            std::vector<std::pair<std::string, std::int64_t>> steps) {
                auto in = ingest(*s, message(from, from + "-1", "my printer is broken"));
                store::RoutingUpdate u;
                routing::ConversationSnapshot snap;
                snap.id = in.conversation_id;
                snap.contact_id = in.contact_id;
                snap.queue = queue;
                u.conversations.push_back(snap);
                u.routed_upto.emplace_back(in.conversation_id, in.message_id);
                for (const auto& [type, at] : steps)
                    u.events.push_back({in.conversation_id, type, "{}", kT0 + at});
                ok(wait<store::RoutingApplied>(
                    [&](auto done) { s->applyRouting(std::move(u), done); }));
            };
            BOOST_TEST(recovery(*s).handle_times.empty());
            held("h1", "repairs", {{"assigned", 0}, {"resolved", 300'000}});
            // Transferred and taken again: the last assignment counts.
            held("h2", "general",
                 {{"assigned", 0}, {"transfer", 60'000}, {"assigned", 600'000},
                  {"resolved", 720'000}});
            held("h3", "general", {{"resolved", 1'000}});  // resolved without an assignment
            s->close();
            s.reset();

            auto reopened = maker->open();
            auto times = recovery(*reopened).handle_times;
            BOOST_TEST_REQUIRE(times.size() == 2u);
            BOOST_TEST(times[0].queue == "repairs");
            BOOST_TEST(times[0].duration.count() == 300'000);
            BOOST_TEST(times[1].queue == "general");
            BOOST_TEST(times[1].duration.count() == 120'000);
        }
    }
}
