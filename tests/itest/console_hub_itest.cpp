#include "daemon/console/console_hub.hpp"

#define BOOST_TEST_MODULE console_hub_itest
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/console_hub_fixture.hpp"
#include "tests/support/log_capture.hpp"

// The hub and the websocket server with a real websocket client, against a scripted engine and
// an in-memory store (the real Engine and EngineHost are exercised by console_itest): the
// console's conversation flow (offers, replies, transfers, streams, resume, wrap-up, audit).
// The server's connection hardening is in console_hub_hardening_itest.cpp, in the same program.

using namespace ccd;
using namespace ccd::daemon::console;
using namespace ccd::testing::hub;
using nlohmann::json;

BOOST_AUTO_TEST_CASE(offer_accept_reply_resolve) {
    Console c;
    c.engine.script = [&](const routing::Event& e) { return script(c.engine, e); };
    auto alice = c.agent("alice-token");
    alice->send({{"type", "presence"}, {"presence", "available"}, {"id", "p1"}});
    auto ack = alice->readType("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "p1");
    BOOST_TEST(c.engine.waitFor([](const routing::Event& e) {
        const auto* p = std::get_if<routing::PresenceChanged>(&e);
        return p && p->agent == "alice" && p->presence == routing::Presence::Available;
    }));

    {
        std::lock_guard lock(c.engine.mutex);
        c.engine.holders[1] = "";  // waiting: the engine has its triage for the offer
    }
    c.engine.emit(customerMessage(1, "my printer is broken"), {offer(1, "alice")});
    auto o = alice->readType("offer");
    BOOST_REQUIRE(o);
    BOOST_TEST((*o)["conversation_id"] == 1);
    BOOST_TEST((*o)["priority"] == 2);
    BOOST_TEST((*o)["customer"]["name"] == "Ann");
    BOOST_TEST((*o)["category"] == "fault");
    BOOST_TEST((*o)["subtype"] == "no_power");
    BOOST_TEST((*o)["history"][0]["text"] == "my printer is broken");
    // A returning customer: the offer shows their earlier conversation (issue 13, defect 4).
    BOOST_REQUIRE((*o)["customer_history"]["conversations"].size() == 1u);
    BOOST_TEST((*o)["customer_history"]["conversations"][0]["id"] == 3);
    BOOST_TEST((*o)["customer_history"]["conversations"][0]["complaint"] == true);
    BOOST_TEST((*o)["customer_history"]["conversations"][0]["subtype"] == "staff");
    BOOST_TEST((*o)["customer_history"]["conversations"][0]["subject"] == "the toner leaks");
    BOOST_TEST((*o)["customer_history"]["summary"]["average_rating"] == 2.0);
    BOOST_TEST((*o)["offer_timeout_ms"].get<int>() > 20000);
    BOOST_TEST((*o)["seq"].get<int>() > 0);

    alice->send({{"type", "accept"}, {"conversation_id", 1}, {"id", "c1"}});
    auto assigned = alice->readType("assigned");
    BOOST_REQUIRE(assigned);
    ack = alice->readType("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "c1");

    // A customer message in an assigned conversation reaches the agent live.
    c.engine.emit(customerMessage(1, "any news?"), {});
    auto m = alice->readType("message");
    BOOST_REQUIRE(m);
    BOOST_TEST((*m)["message"]["text"] == "any news?");

    alice->send({{"type", "reply"}, {"conversation_id", 1}, {"id", "c2"}, {"text", "On it!"}});
    ack = alice->readType("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "c2");
    BOOST_TEST((*ack)["message_id"] == 1);
    {
        std::lock_guard lock(c.store.mutex);
        BOOST_REQUIRE(c.store.outbound.size() == 1u);
        BOOST_TEST(c.store.outbound[0].text == "On it!");
        BOOST_TEST(c.store.outbound[0].author == "agent:alice");
        BOOST_TEST(c.store.outbound[0].idempotency_key == "agent:alice:c2");
    }
    BOOST_TEST(c.engine.waitFor([](const routing::Event& e) {
        const auto* r = std::get_if<routing::AgentReplied>(&e);
        return r && r->conversation_id == 1 && r->agent == "alice";
    }));

    alice->send({{"type", "reply"}, {"conversation_id", 1}, {"id", "c3"}, {"template", "greeting"},
                 {"vars", {{"name", "Ann"}}}});
    ack = alice->readType("ack");
    BOOST_REQUIRE(ack);
    {
        std::lock_guard lock(c.store.mutex);
        BOOST_REQUIRE(c.store.outbound.size() == 2u);
        BOOST_TEST(c.store.outbound[1].text == "Hello Ann");
        BOOST_TEST(*c.store.outbound[1].template_id == "greeting");
    }

    alice->send({{"type", "note"}, {"conversation_id", 1}, {"id", "c4"}, {"text", "VIP"}});
    ack = alice->readType("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "c4");
    {
        std::lock_guard lock(c.store.mutex);
        BOOST_REQUIRE(c.store.events.size() == 1u);
        BOOST_TEST(c.store.events[0].type == "note");
        BOOST_TEST(json::parse(c.store.events[0].data_json)["text"] == "VIP");
    }

    alice->send({{"type", "open"}, {"conversation_id", 1}, {"id", "c5"}});
    auto conv = alice->readType("conversation");
    BOOST_REQUIRE(conv);
    BOOST_TEST((*conv)["history"].size() == 1u);
    BOOST_TEST((*conv)["category"] == "fault");
    BOOST_TEST((*conv)["subtype"] == "no_power");
    BOOST_TEST((*conv)["customer_history"]["conversations"][0]["id"] == 3);

    alice->send({{"type", "resolve"}, {"conversation_id", 1}, {"id", "c6"},
                 {"disposition", "fixed"}});
    auto updated = alice->readType("conversation_updated");
    BOOST_REQUIRE(updated);
    BOOST_TEST((*updated)["change"] == "resolved");
    BOOST_TEST((*updated)["disposition"] == "fixed");
    ack = alice->readType("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "c6");
}

BOOST_AUTO_TEST_CASE(engine_rejections_and_foreign_conversations_are_errors) {
    Console c;
    c.engine.script = [&](const routing::Event& e) { return script(c.engine, e); };
    auto bob = c.agent("bob-token");
    bob->send({{"type", "accept"}, {"conversation_id", 404}, {"id", "x1"}});
    auto err = bob->readType("error");
    BOOST_REQUIRE(err);
    BOOST_TEST((*err)["code"] == "not_found");
    BOOST_TEST((*err)["id"] == "x1");

    c.engine.holders[5] = "alice";
    bob->send({{"type", "reply"}, {"conversation_id", 5}, {"id", "x2"}, {"text", "hi"}});
    err = bob->readType("error");
    BOOST_REQUIRE(err);
    BOOST_TEST((*err)["code"] == "not_assigned");
    std::lock_guard lock(c.store.mutex);
    BOOST_TEST(c.store.outbound.empty());
}

BOOST_AUTO_TEST_CASE(transfer_hands_the_conversation_back) {
    Console c;
    c.engine.script = [&](const routing::Event& e) { return script(c.engine, e); };
    auto alice = c.agent("alice-token");
    c.engine.emit(customerMessage(3, "hello"), {offer(3, "alice")});
    BOOST_REQUIRE(alice->readType("offer"));
    alice->send({{"type", "accept"}, {"conversation_id", 3}, {"id", "a"}});
    BOOST_REQUIRE(alice->readType("assigned"));
    alice->send({{"type", "transfer"}, {"conversation_id", 3}, {"id", "t"}, {"to_queue", "billing"},
                 {"note", "invoice question"}});
    auto updated = alice->readType("conversation_updated");
    BOOST_REQUIRE(updated);
    BOOST_TEST((*updated)["change"] == "queued");
    BOOST_TEST((*updated)["queue"] == "billing");
    BOOST_TEST(c.engine.waitFor([](const routing::Event& e) {
        const auto* t = std::get_if<routing::TransferRequested>(&e);
        return t && t->to_queue == std::optional<std::string>("billing") &&
               t->note == "invoice question" && t->agent == "alice";
    }));
}

BOOST_AUTO_TEST_CASE(offer_timeout_moves_the_offer_to_the_next_agent) {
    Console c;
    auto alice = c.agent("alice-token");
    auto bob = c.agent("bob-token");
    c.engine.emit(customerMessage(4, "hi"), {offer(4, "alice")});
    BOOST_REQUIRE(alice->readType("offer"));
    c.engine.emit(routing::Tick{}, {routing::OfferRevoked{4, "alice", "timeout"}, offer(4, "bob")});
    auto revoked = alice->readType("offer_revoked");
    BOOST_REQUIRE(revoked);
    BOOST_TEST((*revoked)["reason"] == "timeout");
    auto o = bob->readType("offer");
    BOOST_REQUIRE(o);
    BOOST_TEST((*o)["conversation_id"] == 4);
}

BOOST_AUTO_TEST_CASE(supervisor_stream_is_for_supervisors) {
    Console c;
    auto alice = c.agent("alice-token");
    alice->send({{"type", "subscribe"}, {"stream", "supervisor"}, {"id", "s"}});
    auto err = alice->readType("error");
    BOOST_REQUIRE(err);
    BOOST_TEST((*err)["code"] == "forbidden");

    auto sam = c.agent("sam-token");
    sam->send({{"type", "subscribe"}, {"stream", "supervisor"}, {"id", "s"}});
    auto board = sam->readType("board");
    BOOST_REQUIRE(board);
    BOOST_TEST((*board)["queues"][0]["waiting"] == 3);
    BOOST_TEST((*board)["agents"][0]["id"] == "alice");
    BOOST_TEST((*board)["agents"][0]["connected"] == true);

    c.engine.emit(routing::Tick{}, {routing::SlaAlert{9, routing::Milestone::FirstResponse,
                                                      routing::Clock::now(), true, "alice"}});
    auto breach = sam->readType("sla_breach");
    BOOST_REQUIRE(breach);
    BOOST_TEST((*breach)["conversation_id"] == 9);
    BOOST_REQUIRE(alice->readType("sla_breach"));
}

BOOST_AUTO_TEST_CASE(agents_see_the_waiting_lists_of_their_own_queues) {
    Console c;
    auto alice = c.agent("alice-token");
    alice->send({{"type", "subscribe"}, {"stream", "queues"}, {"id", "q"}});
    auto list = alice->readType("queues");
    BOOST_REQUIRE(list);
    BOOST_REQUIRE((*list)["queues"].size() == 1u);  // technical only: billing is not hers
    BOOST_TEST((*list)["queues"][0]["name"] == "technical");
    BOOST_TEST((*list)["queues"][0]["waiting"] == 2);
    BOOST_TEST((*list)["queues"][0]["conversations"][0]["conversation_id"] == 41);
    BOOST_TEST((*list)["queues"][0]["conversations"][0]["channel"] == "email");
    BOOST_TEST((*list)["queues"][0]["conversations"][0]["subtype"] == "leak");
    BOOST_TEST((*list)["queues"][0]["conversations"][1]["subtype"] == "");
    BOOST_TEST((*list)["queues"][0]["conversations"][1]["language"] == "zh-Hans");
    // Pushed again with the board's rhythm while subscribed.
    BOOST_REQUIRE(alice->readType("queues"));

    auto bob = c.agent("bob-token");
    bob->send({{"type", "subscribe"}, {"stream", "queues"}, {"id", "q"}});
    auto none = bob->readType("queues");
    BOOST_REQUIRE(none);
    BOOST_TEST((*none)["queues"].empty());

    auto sam = c.agent("sam-token");  // supervisors see every queue
    sam->send({{"type", "subscribe"}, {"stream", "queues"}, {"id", "q"}});
    auto all = sam->readType("queues");
    BOOST_REQUIRE(all);
    BOOST_TEST((*all)["queues"].size() == 2u);
}

BOOST_AUTO_TEST_CASE(resume_replays_missed_frames_once) {
    Console c;
    auto alice = c.agent("alice-token");
    c.engine.emit(customerMessage(1, "first"), {offer(1, "alice")});
    auto first = alice->readType("offer");
    BOOST_REQUIRE(first);
    auto seen = (*first)["seq"].get<std::uint64_t>();
    alice->close();
    alice.reset();

    // While away: two frames.
    c.engine.emit(customerMessage(2, "second"), {offer(2, "alice")});
    c.engine.emit(routing::Tick{}, {routing::OfferRevoked{1, "alice", "timeout"}});
    // Let them reach the outbox: an agent connected meanwhile sees its own frames only.
    auto bob = c.agent("bob-token");
    bob->send({{"type", "typing"}, {"conversation_id", 2}, {"id", "sync"}});
    BOOST_REQUIRE(bob->readType("ack"));

    auto again = std::make_unique<Client>(
        c.server->port(), "/?last_seq=" + std::to_string(seen),
        std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer alice-token"}});
    BOOST_REQUIRE(again->open);
    auto hello = again->read();
    BOOST_REQUIRE(hello);
    BOOST_TEST((*hello)["type"] == "hello");
    BOOST_TEST((*hello)["resumed"] == true);
    std::vector<json> frames;
    again->send({{"type", "typing"}, {"conversation_id", 2}, {"id", "sentinel"}});
    for (;;) {
        auto f = again->read();
        BOOST_REQUIRE(f);
        if ((*f)["type"] == "ack" && (*f)["id"] == "sentinel") break;
        frames.push_back(*f);
    }
    BOOST_REQUIRE(frames.size() == 2u);
    // Frames about different conversations may be built in either order (an offer waits for
    // the conversation's history); each is replayed exactly once, with consecutive numbers.
    std::sort(frames.begin(), frames.end(),
              [](const json& a, const json& b) { return a["type"] < b["type"]; });
    BOOST_TEST(frames[0]["type"] == "offer");
    BOOST_TEST(frames[0]["conversation_id"] == 2);
    BOOST_TEST(frames[1]["type"] == "offer_revoked");
    BOOST_TEST(frames[1]["conversation_id"] == 1);
    std::set<std::uint64_t> seqs{frames[0]["seq"].get<std::uint64_t>(),
                                 frames[1]["seq"].get<std::uint64_t>()};
    BOOST_TEST((seqs == std::set<std::uint64_t>{seen + 1, seen + 2}));
    // Nothing was lost meanwhile: no AgentLost within the grace period.
    std::lock_guard lock(c.engine.mutex);
    for (const auto& e : c.engine.submitted) BOOST_TEST(!std::holds_alternative<routing::AgentLost>(e));
}

// A console sends `presence` as soon as the upgrade completes. The hub announces the agent to
// the engine (AgentUpdated) on its way to `hello`; a command must not overtake that, or the
// engine refuses it as from an unknown agent (seen in CI: the agent never became available).
BOOST_AUTO_TEST_CASE(a_command_sent_right_after_the_upgrade_follows_the_agents_announcement) {
    Console c;
    c.profile = [](const std::string& name) -> std::optional<routing::Agent> {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a slow profile look-up
        routing::Agent a;
        a.id = name;
        return a;
    };
    c.engine.script = [&c](const routing::Event& e) -> Actions {
        const auto* p = std::get_if<routing::PresenceChanged>(&e);
        if (!p) return {};
        for (const auto& seen : c.engine.submitted) {  // the engine's lock is held here
            const auto* u = std::get_if<routing::AgentUpdated>(&seen);
            if (u && u->agent.id == p->agent) return {routing::AgentStateChanged{p->agent, p->presence, {}, std::nullopt}};
        }
        return {routing::Rejected{0, p->agent, "unknown_agent", "no agent named " + p->agent}};
    };
    Client alice(c.server->port(), "/", {{"Authorization", "Bearer alice-token"}});
    BOOST_REQUIRE(alice.open);
    alice.send({{"type", "presence"}, {"presence", "available"}, {"id", "p"}});
    std::optional<json> answer;
    for (int i = 0; i < 10 && !answer; ++i) {
        auto f = alice.read();
        BOOST_REQUIRE(f);
        if (f->value("id", json()) == "p") answer = f;
    }
    BOOST_REQUIRE(answer);
    BOOST_TEST((*answer)["type"] == "ack", answer->dump());
}

BOOST_AUTO_TEST_CASE(agent_lost_after_the_grace_period) {
    Console c(std::chrono::milliseconds(200));
    auto alice = c.agent("alice-token");
    alice->close();
    alice.reset();
    BOOST_TEST(c.engine.waitFor([](const routing::Event& e) {
        const auto* l = std::get_if<routing::AgentLost>(&e);
        return l && l->agent == "alice";
    }));
}

BOOST_AUTO_TEST_CASE(wrap_up_is_for_the_agent_who_held_the_conversation_or_a_supervisor) {
    Console c;
    c.engine.holders[5] = "alice";
    auto bob = c.agent("bob-token");
    bob->send({{"type", "wrap_up"}, {"conversation_id", 5}, {"disposition", "mine now"},
               {"id", "w1"}});
    auto err = bob->readType("error");
    BOOST_REQUIRE(err);
    BOOST_TEST((*err)["code"] == "not_assigned");
    BOOST_TEST((*err)["id"] == "w1");
    bob->send({{"type", "wrap_up"}, {"conversation_id", 77}, {"disposition", "x"}, {"id", "w2"}});
    err = bob->readType("error");
    BOOST_REQUIRE(err);
    BOOST_TEST((*err)["code"] == "not_found");
    {
        std::lock_guard lock(c.store.mutex);
        BOOST_TEST(c.store.events.empty());
    }

    auto alice = c.agent("alice-token");
    alice->send({{"type", "wrap_up"}, {"conversation_id", 5}, {"disposition", "fixed"},
                 {"id", "w3"}});
    auto ack = alice->readType("ack");
    BOOST_REQUIRE(ack);
    BOOST_TEST((*ack)["id"] == "w3");
    auto sam = c.agent("sam-token");
    sam->send({{"type", "wrap_up"}, {"conversation_id", 5}, {"disposition", "checked"},
               {"id", "w4"}});
    BOOST_REQUIRE(sam->readType("ack"));
    std::lock_guard lock(c.store.mutex);
    BOOST_REQUIRE(c.store.events.size() == 2u);
    BOOST_TEST(json::parse(c.store.events[0].data_json)["agent"] == "alice");
}

BOOST_AUTO_TEST_CASE(agents_actions_on_conversations_are_audited_with_the_peer_address) {
    Console c;
    c.engine.holders[5] = "alice";
    auto bob = c.agent("bob-token");
    bob->send({{"type", "wrap_up"}, {"conversation_id", 5}, {"disposition", "x"}, {"id", "w1"}});
    BOOST_REQUIRE(bob->readType("error"));
    auto alice = c.agent("alice-token");
    alice->send({{"type", "wrap_up"}, {"conversation_id", 5}, {"disposition", "secret words"},
                 {"id", "w2"}});
    BOOST_REQUIRE(alice->readType("ack"));
    alice->send({{"type", "presence"}, {"presence", "available"}, {"id", "p1"}});
    BOOST_REQUIRE(alice->readType("ack"));
    std::lock_guard lock(c.store.mutex);
    std::vector<store::AuditRecord> wraps;
    for (const auto& e : c.store.audit)
        if (e.action == "conversation.wrap_up") wraps.push_back(e);
    BOOST_REQUIRE(wraps.size() == 2u);
    BOOST_TEST(wraps[0].actor == "bob");
    BOOST_TEST(wraps[0].outcome == "denied");
    BOOST_TEST(wraps[1].actor == "alice");
    BOOST_TEST(wraps[1].outcome == "ok");
    BOOST_TEST(wraps[1].object_kind == "conversation");
    BOOST_TEST(wraps[1].object_id == "5");
    BOOST_TEST(wraps[1].remote == "127.0.0.1");
    BOOST_TEST(wraps[1].at_ms > 0);
    // What the agent typed is not in the log; presence changes are not recorded.
    for (const auto& e : c.store.audit) {
        BOOST_TEST(e.detail_json.find("secret") == std::string::npos);
        BOOST_TEST(e.action.rfind("conversation.", 0) == 0u);
    }
}

BOOST_AUTO_TEST_CASE(store_errors_are_logged_and_not_shown_to_clients) {
    Console c;
    testing::LogCapture log;
    c.engine.holders[5] = "alice";
    auto alice = c.agent("alice-token");
    {
        std::lock_guard lock(c.store.mutex);
        c.store.fail_with = "FOREIGN KEY constraint failed (sqlite3_step)";
    }
    for (const json& cmd :
         {json{{"type", "note"}, {"conversation_id", 5}, {"text", "n"}, {"id", "n"}},
          json{{"type", "reply"}, {"conversation_id", 5}, {"text", "r"}, {"id", "r"}},
          json{{"type", "open"}, {"conversation_id", 5}, {"id", "o"}},
          json{{"type", "wrap_up"}, {"conversation_id", 5}, {"disposition", "d"}, {"id", "w"}}}) {
        BOOST_TEST_CONTEXT(cmd.dump()) {
            alice->send(cmd);
            auto err = alice->readType("error");
            BOOST_REQUIRE(err);
            BOOST_TEST((*err)["code"] == "store_unavailable");
            BOOST_TEST((*err)["reason"].get<std::string>().find("FOREIGN") == std::string::npos);
        }
    }
    BOOST_TEST(log.contains("FOREIGN KEY constraint failed"));
}

BOOST_AUTO_TEST_CASE(a_fresh_connection_starts_without_the_old_queues_subscription) {
    Console c;
    auto alice = c.agent("alice-token");
    alice->send({{"type", "subscribe"}, {"stream", "queues"}, {"id", "q"}});
    BOOST_REQUIRE(alice->readType("queues"));
    alice->close();
    alice.reset();
    // Bob's subscription keeps the pushes (and the engine's waiting-list queries) going.
    auto bob = c.agent("bob-token");
    bob->send({{"type", "subscribe"}, {"stream", "queues"}, {"id", "q"}});
    BOOST_REQUIRE(bob->readType("queues"));

    alice = c.agent("alice-token");  // a new connection, no resume
    std::size_t from;
    {
        std::lock_guard lock(c.engine.mutex);
        from = c.engine.waiting_calls.size() + 1;  // one may have read alice's old state
    }
    // Two pushes later...
    BOOST_REQUIRE(bob->readType("queues"));
    BOOST_REQUIRE(bob->readType("queues"));
    std::lock_guard lock(c.engine.mutex);
    BOOST_REQUIRE(c.engine.waiting_calls.size() > from);
    for (std::size_t i = from; i < c.engine.waiting_calls.size(); ++i) {
        const auto& names = c.engine.waiting_calls[i];
        BOOST_TEST((std::find(names.begin(), names.end(), "alice") == names.end()));
    }
}
