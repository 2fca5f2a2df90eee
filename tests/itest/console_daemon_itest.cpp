// The agent console against the real daemon: the `ccd` binary (real routing Engine and
// EngineHost, SQLite store, the shipped config/routing.yaml rules and templates/default) started
// on free ports in a temp folder, driven by real websocket clients and HTTP (POST
// /v1/auth/login, POST /v1/messages, GET /v1/conversations/{id}). console_hub_itest covers the
// same flows against a scripted engine.
//
// Arguments (after `--`): the ccd binary and the repository root; without them, the paths
// compiled in by tests/console.cmake.
//   console_daemon_itest -- build/daemon/ccd /path/to/repo
//
// Each test case starts its own daemon (about half a second with three logins), so cases share
// no routing state. The test's copy of the configuration has short timeouts: console.grace 2s
// and, on every queue, offer_timeout {live: 2s, async: 2s}. Customer messages use texts the
// shipped rules classify as `fault` (technical queue, P3), as README's example does.

#include "tests/support/console_daemon_fixture.hpp"

#define BOOST_TEST_MODULE console_daemon_itest
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/ccd_process.hpp"
#include "tests/support/console_client.hpp"

using ccd::testing::ConsoleClient;
using Daemon = ccd::testing::ConsoleDaemon;  // the real ccd (tests/support/console_daemon_fixture)
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kWait = 5s;          // a frame that follows a command or a posted message
constexpr auto kTimeoutWait = 10s;  // what needs an offer timeout or the grace period first
constexpr auto kGrace = Daemon::kGrace;  // console.grace in the test's ccd.yaml

/// The messages of a conversation read over HTTP that match.
std::vector<json> messagesWhere(const json& conversation,
                                const std::function<bool(const json&)>& pred) {
    std::vector<json> out;
    for (const auto& m : conversation["messages"]) {
        if (pred(m)) out.push_back(m);
    }
    return out;
}

bool historyHas(const json& frame, const std::string& direction, const std::string& text) {
    for (const auto& m : frame["history"]) {
        if (m["direction"] == direction && m["text"] == text) return true;
    }
    return false;
}

/// An RFC 3339 UTC time with milliseconds ("2026-11-22T14:27:00.123Z") in Unix milliseconds.
std::int64_t unixMillis(const std::string& text) {
    std::tm tm{};
    int millis = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) != 7)
        throw std::runtime_error("not an RFC 3339 UTC time with milliseconds: " + text);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + millis;
}

std::int64_t nowUnixMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Waits for an offer of the conversation at either agent: who got it, and the offer.
std::pair<ConsoleClient*, json> offerAtEither(ConsoleClient& a, ConsoleClient& b,
                                              std::int64_t conversation_id,
                                              Clock::duration timeout = kWait) {
    auto deadline = Clock::now() + timeout;
    auto is_offer = ConsoleClient::matching("offer", conversation_id);
    while (Clock::now() < deadline) {
        if (auto f = a.take(is_offer, 50ms)) return {&a, *f};
        if (auto f = b.take(is_offer, 50ms)) return {&b, *f};
    }
    BOOST_FAIL("no offer of conversation " << conversation_id << " at either agent; waiting:"
                                           << a.pending() << "\n  and:" << b.pending());
    return {nullptr, json()};
}

}  // namespace

// 1. A customer message is offered with everything the agent needs, accepted, answered (the
//    answer is stored as an outbound message and meets the first-response clock) and resolved.
BOOST_FIXTURE_TEST_CASE(offer_accept_reply_resolve, Daemon) {
    json hello;
    auto alice = connect("alice", "/", &hello);
    BOOST_TEST(hello["role"] == "agent");
    BOOST_TEST(hello["resumed"] == false);
    BOOST_TEST(hello["conversations"].empty());
    alice->ok({{"type", "presence"}, {"presence", "available"}});

    const std::string text = "my printer is broken, it shows error E05";
    auto posted = post("case1-ann", "Ann Example", text);
    auto conv = posted.conversation_id;

    auto offer = alice->expect("offer", conv);
    BOOST_TEST(offer["seq"].get<std::uint64_t>() > 0u);
    BOOST_TEST(offer["channel"] == "api");
    BOOST_TEST(offer["category"] == "fault");
    BOOST_TEST(offer["subtype"] == "error_code");  // routing.yaml's subtypes of fault
    BOOST_TEST(offer["queue"] == "technical");
    BOOST_TEST(offer["priority"] == 3);  // P3: the shipped fault-or-quality rule
    BOOST_TEST(offer["language"] == "en");
    BOOST_TEST(offer["customer"]["name"] == "Ann Example");
    BOOST_TEST(offer["customer"]["email"] == "case1-ann@example.com");
    BOOST_TEST(offer["customer"]["id"].get<std::int64_t>() > 0);
    BOOST_TEST(offer["expires_at"].is_string());
    auto timeout_ms = offer["offer_timeout_ms"].get<std::int64_t>();
    BOOST_TEST(timeout_ms > 0);
    BOOST_TEST(timeout_ms <= 2000);  // offer_timeout 2s in the test's routing.yaml
    std::set<std::string> milestones;
    for (const auto& d : offer["deadlines"]) {
        milestones.insert(d["milestone"].get<std::string>());
        BOOST_TEST(d["due_at"].is_string());
        BOOST_TEST(d["warn_at"].is_string());
        BOOST_TEST(d["met_at"].is_null());
    }
    BOOST_TEST(milestones.count("first_response") == 1u);
    BOOST_TEST(milestones.count("resolution") == 1u);
    BOOST_TEST(historyHas(offer, "in", text), "the offer's history: " << offer["history"].dump());
    // The customer archive comes with the offer (read in the commit that made it), without the
    // conversation offered: a first-time customer has no earlier one.
    BOOST_TEST(offer["customer_history"]["contact_id"] == offer["customer"]["id"]);
    BOOST_TEST(offer["customer_history"]["conversations"].empty());
    BOOST_TEST(offer["customer_history"]["summary"]["conversations"] == 0);

    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    alice->expect("assigned", conv);

    const std::string answer = "Hello Ann, let's fix that printer: please restart it.";
    auto ack = alice->ok({{"type", "reply"}, {"conversation_id", conv}, {"text", answer}});
    BOOST_TEST(ack["command"] == "reply");
    BOOST_TEST(ack["conversation_id"] == conv);
    auto message_id = ack["message_id"].get<std::int64_t>();
    BOOST_TEST(message_id > posted.message_id);
    auto met = alice->expectUpdate(conv, "milestone_met");
    BOOST_TEST(met["milestone"] == "first_response");
    BOOST_TEST(met["late"] == false);

    auto read = conversation(conv);
    auto replies = messagesWhere(
        read, [&](const json& m) { return m["direction"] == "out" && m["text"] == answer; });
    BOOST_REQUIRE_MESSAGE(replies.size() == 1u, "the reply once in " << read["messages"].dump());
    BOOST_TEST(replies[0]["id"] == message_id);
    BOOST_TEST(replies[0]["author"] == "agent:alice");
    BOOST_TEST(read["routing"]["stage"] == "assigned");
    BOOST_TEST(read["routing"]["agent"] == "alice");
    BOOST_TEST(read["routing"]["category"] == "fault");
    BOOST_TEST(read["routing"]["subtype"] == "error_code");
    BOOST_TEST(read["routing"]["sla"]["first_response"]["state"] == "met");
    BOOST_TEST(read["routing"]["sla"]["first_response"].contains("met_at"));

    alice->ok({{"type", "resolve"}, {"conversation_id", conv}, {"disposition", "fixed"}});
    auto resolution = alice->expectUpdate(conv, "milestone_met");
    BOOST_TEST(resolution["milestone"] == "resolution");
    auto resolved = alice->expectUpdate(conv, "resolved");
    BOOST_TEST(resolved["disposition"] == "fixed");
    BOOST_TEST(resolved["by"] == "alice");
    alice->ok({{"type", "wrap_up"}, {"conversation_id", conv}, {"disposition", "fixed"}});

    read = conversation(conv);
    BOOST_TEST(read["routing"]["stage"] == "resolved");
    BOOST_TEST(read["routing"].contains("resolved_at"));
    BOOST_TEST(read["routing"]["sla"]["resolution"]["state"] == "met");
    // The shipped auto_replies send the satisfaction survey on resolution.
    BOOST_TEST(
        messagesWhere(read, [](const json& m) { return m["template"] == "survey"; }).size() == 1u,
        "a survey in " << read["messages"].dump());

    // Resolved: no longer the agent's to answer.
    auto refused = alice->call({{"type", "reply"}, {"conversation_id", conv}, {"text", "more"}});
    BOOST_TEST(refused["type"] == "error");
}

// 2. Two agents available; the one who gets the offer ignores it: after the offer timeout it is
//    revoked from them and offered to the other, who can take it. The late accept is refused.
BOOST_FIXTURE_TEST_CASE(offer_timeout_moves_the_offer_to_the_next_agent, Daemon) {
    auto alice = available("alice");
    auto bob = available("bob");
    auto conv = post("case2-carl", "Carl", "my printer is broken again").conversation_id;

    auto [first, offer] = offerAtEither(*alice, *bob, conv);
    ConsoleClient* second = first == alice.get() ? bob.get() : alice.get();
    auto expires_at = unixMillis(offer["expires_at"].get<std::string>());
    BOOST_TEST(offer["offer_timeout_ms"].get<std::int64_t>() <= 2000);

    auto revoked = first->expect("offer_revoked", conv, kTimeoutWait);
    BOOST_TEST(revoked["reason"] == "timeout");
    // Not before its time (the same machine's clock, in milliseconds).
    BOOST_TEST(nowUnixMillis() >= expires_at, revoked.dump() << " before " << offer["expires_at"]);
    auto next = second->expect("offer", conv, kWait);
    BOOST_TEST(next["offer_timeout_ms"].get<std::int64_t>() > 0);

    // The first agent is too late now.
    auto late = first->call({{"type", "accept"}, {"conversation_id", conv}});
    BOOST_TEST(late["type"] == "error");
    BOOST_TEST(late["code"] == "not_offered");

    second->ok({{"type", "accept"}, {"conversation_id", conv}});
    second->expect("assigned", conv);
    BOOST_TEST(!first->has(ConsoleClient::matching("offer", conv)));
    BOOST_TEST(!first->has(ConsoleClient::matching("assigned", conv)));
    auto read = conversation(conv);
    BOOST_TEST(read["routing"]["stage"] == "assigned");
    BOOST_TEST(read["routing"]["agent"] == (second == alice.get() ? "alice" : "bob"));
}

// 3. Transfers with a note: to a named agent, then to a queue.
BOOST_FIXTURE_TEST_CASE(transfer_to_an_agent_and_to_a_queue, Daemon) {
    auto alice = available("alice");
    auto bob = connect("bob");  // not available yet: the first offer is alice's
    auto conv = post("case3-dora", "Dora", "my printer is broken and makes a grinding noise")
                    .conversation_id;
    alice->expect("offer", conv);
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    alice->expect("assigned", conv);
    bob->ok({{"type", "presence"}, {"presence", "available"}});

    // Refused by the engine: unknown targets.
    auto unknown = alice->call(
        {{"type", "transfer"}, {"conversation_id", conv}, {"to_agent", "nobody"}, {"note", "x"}});
    BOOST_TEST(unknown["code"] == "unknown_agent");
    unknown = alice->call({{"type", "transfer"},
                           {"conversation_id", conv},
                           {"to_queue", "no-such-queue"},
                           {"note", "x"}});
    BOOST_TEST(unknown["code"] == "unknown_queue");

    alice->ok({{"type", "transfer"},
               {"conversation_id", conv},
               {"to_agent", "bob"},
               {"note", "needs a new fuser; over to you"}});
    auto left = alice->expectUpdate(conv, "transferred");
    BOOST_TEST(left["to_agent"] == "bob");
    // (Which queue the offer names: see transfer_keeps_the_conversation_in_its_queue.)
    auto offer = bob->expect("offer", conv);
    BOOST_TEST(offer["transfer"]["from"] == "alice");
    BOOST_TEST(offer["transfer"]["note"] == "needs a new fuser; over to you");
    bob->ok({{"type", "accept"}, {"conversation_id", conv}});
    bob->expect("assigned", conv);
    // No longer alice's.
    auto refused = alice->call({{"type", "reply"}, {"conversation_id", conv}, {"text", "hi"}});
    BOOST_TEST(refused["code"] == "not_assigned");
    auto read = conversation(conv);
    BOOST_TEST(read["routing"]["agent"] == "bob");

    // Bob, busy now, hands it to the billing queue: alice is the one left to take it.
    bob->ok({{"type", "presence"}, {"presence", "busy"}});
    bob->ok({{"type", "transfer"},
             {"conversation_id", conv},
             {"to_queue", "billing"},
             {"note", "the customer wants a refund for the repair"}});
    auto queued = bob->expectUpdate(conv, "queued");
    BOOST_TEST(queued["queue"] == "billing");
    BOOST_TEST(queued["reason"] == "transfer");
    offer = alice->expect("offer", conv);
    BOOST_TEST(offer["queue"] == "billing");
    BOOST_TEST(offer["transfer"]["note"] == "the customer wants a refund for the repair");
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    alice->expect("assigned", conv);
    read = conversation(conv);
    BOOST_TEST(read["routing"]["queue"] == "billing");
    BOOST_TEST(read["routing"]["agent"] == "alice");
    BOOST_TEST(read["routing"]["stage"] == "assigned");
}

// 4. An agent who drops off and comes back with last_seq gets the frames missed, once each; one
//    who stays away past the grace period loses the conversation to a colleague, whole.
BOOST_FIXTURE_TEST_CASE(resume_replays_missed_frames_and_grace_hands_work_on, Daemon) {
    auto alice = available("alice");
    auto bob = connect("bob");  // offline for the engine until he says otherwise
    const std::string first_text = "my printer is broken since the update";
    auto conv = post("case4-eve", "Eve", first_text).conversation_id;
    alice->expect("offer", conv);
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    alice->expect("assigned", conv);
    const std::string answer = "Sorry to hear that, Eve. Which model is it?";
    alice->ok({{"type", "reply"}, {"conversation_id", conv}, {"text", answer}});

    alice->close();
    auto seen = alice->lastSeq();
    BOOST_REQUIRE(seen > 0u);
    alice.reset();

    // While alice is away the customer writes twice: frames for her outbox. (The 202 comes
    // after the engine's listeners ran, so they are queued before she reconnects.)
    const std::string more1 = "It is the LaserJet 400.";
    const std::string more2 = "Still not printing, any news?";
    post("case4-eve", "Eve", more1);
    post("case4-eve", "Eve", more2);

    json hello;
    alice = connect("alice", "/?last_seq=" + std::to_string(seen), &hello);
    BOOST_TEST(hello["resumed"] == true);
    BOOST_TEST(!hello.contains("resume_gap"));
    BOOST_TEST(hello["last_seq"] == seen);
    BOOST_TEST(hello["conversations"] == json::array({conv}));
    // Everything up to a sentinel command's answer: the replay comes right after hello.
    auto sentinel = alice->ok({{"type", "typing"}, {"conversation_id", conv}, {"id", "sentinel"}});
    std::vector<json> replayed;
    for (const auto& f : alice->received()) {
        if (f["type"] == "hello") continue;
        if (f == sentinel) break;
        replayed.push_back(f);
    }
    std::string all;
    for (const auto& f : alice->received()) all += "\n    " + f.dump();
    BOOST_REQUIRE_MESSAGE(replayed.size() == 2u, "two frames replayed, got:" << all);
    BOOST_TEST(replayed[0]["type"] == "message");
    BOOST_TEST(replayed[0]["message"]["text"] == more1);
    BOOST_TEST(replayed[0]["seq"] == seen + 1);
    BOOST_TEST(replayed[1]["type"] == "message");
    BOOST_TEST(replayed[1]["message"]["text"] == more2);
    BOOST_TEST(replayed[1]["seq"] == seen + 2);
    BOOST_TEST(sentinel["seq"] == seen + 3);
    // No frame twice, none from before last_seq.
    std::set<std::uint64_t> seqs;
    for (const auto& f : alice->received()) {
        if (!f.contains("seq")) continue;
        auto s = f["seq"].get<std::uint64_t>();
        BOOST_TEST(s > seen);
        BOOST_TEST(seqs.insert(s).second, "seq " << s << " twice:" << all);
    }

    // Resuming with the auth frame instead of the URL: nothing was missed this time. Then
    // alice goes for good (bob is there now).
    bob->ok({{"type", "presence"}, {"presence", "available"}});
    alice->close();
    seen = alice->lastSeq();
    alice.reset();
    Clock::time_point gone;
    {
        ConsoleClient page(ccd.consolePort(), "");
        BOOST_REQUIRE(page.open());
        page.send(
            {{"type", "auth"}, {"token", tokens.at("alice")}, {"last_seq", seen}, {"id", "login"}});
        auto h = page.expect("hello");
        BOOST_TEST(h["resumed"] == true);
        auto login_ack = page.expect("ack");
        BOOST_TEST(login_ack["id"] == "login");
        BOOST_TEST(login_ack["seq"] == seen + 1);
        BOOST_TEST(page.received().size() == 2u, "hello and ack only:" << page.pending());
        gone = Clock::now();  // before the close: the grace period starts after it
        page.close();
    }

    // After the grace period her conversation is bob's to take, with its whole history.
    auto offer = bob->expect("offer", conv, kTimeoutWait);
    BOOST_TEST((Clock::now() - gone >= kGrace));
    BOOST_TEST(historyHas(offer, "in", first_text), offer["history"].dump());
    BOOST_TEST(historyHas(offer, "in", more1), offer["history"].dump());
    BOOST_TEST(historyHas(offer, "in", more2), offer["history"].dump());
    BOOST_TEST(historyHas(offer, "out", answer), offer["history"].dump());
    bob->ok({{"type", "accept"}, {"conversation_id", conv}});
    bob->expect("assigned", conv);
    auto read = conversation(conv);
    BOOST_TEST(read["routing"]["agent"] == "bob");
    BOOST_TEST(read["routing"]["stage"] == "assigned");
    BOOST_TEST(messagesWhere(read, [](const json& m) { return m["direction"] == "in"; }).size() ==
               3u);

    // Alice back too late: the conversation is no longer hers.
    alice = connect("alice", "/", &hello);
    BOOST_TEST(hello["conversations"].empty());
    auto refused = alice->call({{"type", "reply"}, {"conversation_id", conv}, {"text", "me?"}});
    BOOST_TEST(refused["code"] == "not_assigned");
}

// 5. The supervisor stream is refused to an agent; malformed frames get errors and the
//    connection stays usable.
BOOST_FIXTURE_TEST_CASE(wrong_role_and_malformed_frames_are_errors, Daemon) {
    auto alice = connect("alice");
    auto refused = alice->call({{"type", "subscribe"}, {"stream", "supervisor"}});
    BOOST_TEST(refused["type"] == "error");
    BOOST_TEST(refused["code"] == "forbidden");

    // The supervisor may subscribe, and the board shows alice connected.
    auto sam = connect("sam");
    sam->ok({{"type", "subscribe"}, {"stream", "supervisor"}});
    auto board = sam->take(
        [](const json& f) {
            if (f.value("type", "") != "board") return false;
            for (const auto& a : f["agents"]) {
                if (a["id"] == "alice" && a["connected"] == true) return true;
            }
            return false;
        },
        kWait);
    BOOST_REQUIRE_MESSAGE(board, "no board with alice connected; pending:" << sam->pending());
    BOOST_TEST((*board)["queues"].size() >= 5u);

    struct Bad {
        std::string frame;
        std::string code;
    };
    for (const auto& bad : std::vector<Bad>{
             {"not json", "bad_json"},
             {"[1,2]", "bad_request"},
             {R"({"type":"fly","id":"f1"})", "unknown_type"},
             {R"({"type":"accept","id":"f2"})", "bad_request"},
             {R"({"type":"accept","conversation_id":"seven","id":"f3"})", "bad_request"},
             {R"({"type":"presence","presence":"asleep","id":"f4"})", "bad_request"},
             {R"({"type":"transfer","conversation_id":1,"id":"f5"})", "bad_request"},
             {R"({"type":"reply","conversation_id":1,"text":"no id"})", "bad_request"},
             {R"({"type":"auth","token":"again","id":"f6"})", "already_authenticated"},
         }) {
        auto before = alice->received().size();
        BOOST_REQUIRE(alice->sendText(bad.frame));
        auto error = alice->take(ConsoleClient::matching("error"), kWait);
        BOOST_REQUIRE_MESSAGE(error,
                              "no error for " << bad.frame << "; pending:" << alice->pending());
        BOOST_TEST((*error)["code"] == bad.code, bad.frame << " -> " << error->dump());
        BOOST_TEST((*error)["seq"].get<std::uint64_t>() > 0u);
        BOOST_TEST(alice->received().size() == before + 1);
        BOOST_TEST(alice->open());
    }
    // The engine's rejections are errors too (alice is not available: the conversation waits).
    auto conv = post("case5-finn", "Finn", "my printer is broken").conversation_id;
    auto not_offered = alice->call({{"type", "accept"}, {"conversation_id", conv}});
    BOOST_TEST(not_offered["code"] == "not_offered");
    auto not_assigned = alice->call({{"type", "open"}, {"conversation_id", conv}});
    BOOST_TEST(not_assigned["code"] == "not_assigned");
    auto not_found = alice->call({{"type", "open"}, {"conversation_id", 999999}});
    BOOST_TEST(not_found["code"] == "not_found");

    // Still usable: presence, the offer, an accept.
    alice->ok({{"type", "presence"}, {"presence", "available"}});
    alice->expect("offer", conv);
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    alice->expect("assigned", conv);
    BOOST_TEST(alice->open());
}

// ---- defects found by this test, fixed; each case keeps its reproduction --------------------

// A client that resumes with a last_seq whose frames were dropped (here: the grace period ended
// and the session's outbox was cleared) must hear `resumed: false, resume_gap: true` so that it
// reloads its state. (ConsoleHub attach() once overwrote `complete` with a second
// outbox.since() call, so hello said `resumed: true`.)
BOOST_FIXTURE_TEST_CASE(resume_after_the_grace_period_reports_the_gap, Daemon) {
    auto alice = available("alice");
    auto bob = connect("bob");
    auto conv = post("gap-gus", "Gus", "my printer is broken").conversation_id;
    alice->expect("offer", conv);
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    alice->expect("assigned", conv);
    bob->ok({{"type", "presence"}, {"presence", "available"}});
    alice->close();
    auto seen = alice->lastSeq();
    alice.reset();
    // The grace period ends: the conversation goes to bob; alice's outbox is cleared, then gets
    // the frames about losing the conversation.
    bob->expect("offer", conv, kTimeoutWait);

    json hello;
    alice = connect("alice", "/?last_seq=" + std::to_string(seen), &hello);
    BOOST_TEST(hello["resumed"] == false, "hello: " << hello.dump());
    BOOST_TEST(hello.value("resume_gap", false) == true, "hello: " << hello.dump());
    BOOST_TEST(hello["conversations"].empty());
}

// A command naming a conversation that does not exist must get the engine's rejection. (Once
// EngineHost stored the Rejected action as an event row of that unknown conversation: the
// foreign key failed the write, the agent got `store_unavailable` and /healthz said 503.)
BOOST_FIXTURE_TEST_CASE(unknown_conversation_gets_the_engines_refusal, Daemon) {
    auto alice = available("alice");
    auto accept = alice->call({{"type", "accept"}, {"conversation_id", 999999}});
    BOOST_TEST(accept["type"] == "error");
    BOOST_TEST(accept["code"] == "not_offered", accept.dump());
    auto resolve =
        alice->call({{"type", "resolve"}, {"conversation_id", 999998}, {"disposition", "fixed"}});
    BOOST_TEST(resolve["type"] == "error");
    BOOST_TEST(resolve["code"] == "not_found", resolve.dump());
    auto health = ccd::testing::httpRequest(ccd.httpPort(), "GET", "/healthz");
    BOOST_TEST(health.status == 200, health.text);
}

// A transfer keeps the conversation in its queue (technical, for a fault). (A transfer goes to
// the front, enqueued at TimePoint{}; the overflow clock once ran from there too, so it widened
// at once to the overflow queue, general, which needs no skill.)
BOOST_FIXTURE_TEST_CASE(transfer_keeps_the_conversation_in_its_queue, Daemon) {
    auto alice = available("alice");
    auto bob = connect("bob");
    auto conv = post("overflow-hal", "Hal", "my printer is broken").conversation_id;
    auto offer = alice->expect("offer", conv);
    BOOST_REQUIRE(offer["queue"] == "technical");
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    alice->expect("assigned", conv);
    bob->ok({{"type", "presence"}, {"presence", "available"}});
    alice->ok(
        {{"type", "transfer"}, {"conversation_id", conv}, {"to_agent", "bob"}, {"note", "yours"}});
    offer = bob->expect("offer", conv);
    BOOST_TEST(offer["queue"] == "technical");
    bob->ok({{"type", "accept"}, {"conversation_id", conv}});
    bob->expect("assigned", conv);
    BOOST_TEST(conversation(conv)["routing"]["queue"] == "technical");
}

// A reply is for a conversation assigned to the agent (docs/console-protocol.md). (After a
// resolve the snapshot still names the agent; the hub once stored the text for the customer
// before the engine refused it.)
BOOST_FIXTURE_TEST_CASE(reply_after_resolve_is_refused_and_not_sent, Daemon) {
    auto alice = available("alice");
    auto conv = post("late-ivy", "Ivy", "my printer is broken").conversation_id;
    alice->expect("offer", conv);
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});
    alice->expect("assigned", conv);
    alice->ok({{"type", "resolve"}, {"conversation_id", conv}, {"disposition", "fixed"}});
    const std::string late = "One more thing about your printer.";
    auto refused = alice->call({{"type", "reply"}, {"conversation_id", conv}, {"text", late}});
    BOOST_REQUIRE(refused["type"] == "error");
    auto read = conversation(conv);
    BOOST_TEST(messagesWhere(read, [&](const json& m) { return m["text"] == late; }).empty(),
               "a refused reply was stored for the customer: " << read["messages"].dump());
}

// The steps of a message are timed on their own (GET /metrics, ccd_message_step_seconds; the
// console and intake benchmarks print them): one observation per step for the one message, and
// the console's frames (hello, the ack of presence, the offer) on their way to the agent.
// `answer` is timed for every POST (the fixture's logins too).
BOOST_FIXTURE_TEST_CASE(each_step_of_a_message_is_timed, Daemon) {
    auto alice = available("alice");
    auto conv = post("steps-una", "Una", "my printer is broken").conversation_id;
    alice->expect("offer", conv);
    auto metrics = ccd::testing::httpRequest(ccd.httpPort(), "GET", "/metrics");
    BOOST_REQUIRE(metrics.status == 200);
    auto count = [&](const std::string& step) -> long {
        const std::string key = "ccd_message_step_seconds_count{step=\"" + step + "\"} ";
        auto at = metrics.text.find(key);
        if (at == std::string::npos) return -1;
        return std::stol(metrics.text.substr(at + key.size()));
    };
    for (const char* step : {"store", "engine_queue", "engine", "decisions_commit",
                             "engine_return", "listeners"})
        BOOST_TEST(count(step) == 1, step << ": " << count(step));
    BOOST_TEST(count("answer") == 4);  // every POST: the message and the three logins
    BOOST_TEST(count("console_agent") >= 2);
    BOOST_TEST(count("console_connection") >= count("console_agent"));
    BOOST_TEST(metrics.text.find("ccd_message_step_seconds_sum{step=\"store\"} 0\n") ==
               std::string::npos);  // a commit takes time
}
