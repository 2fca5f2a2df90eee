// The KPIs of issue 14 over a real SQLite file (docs/kpis.md): calls offered, answered and
// abandoned; low ratings and their follow-up; first-contact resolution, reopens, transfers and
// complaints; missed offers; time in each presence. One local day in New York (EDT, UTC-4):
// 2026-04-14 runs from 04:00Z to 04:00Z on the 15th. Every expected figure is worked out by
// hand in the comments beside it.

#include "daemon/reports/report_engine.hpp"

#define BOOST_TEST_MODULE reports_kpis_itest
#include <boost/test/unit_test.hpp>

#include "daemon/cases/case_json.hpp"
#include "routing/cases/service_case.hpp"
#include "tests/support/report_store.hpp"

using namespace ccd::testing::report_store;

namespace {

std::string call(const char* id, const char* direction) {
    return json{{"call_id", id}, {"direction", direction}, {"customer", "+15550100"}}.dump();
}

struct Day : ReportStore {
    Day() : ReportStore("2026-04-16T00:00:00Z") { seed(); }

    void seed() {
        // V1: voice, 09:00 EDT, resolved 09:10 EDT: first contact.
        conversation({11, "2026-04-14T13:00:00Z", "voice", "phone", "usage", 3, "carol", {},
                      "2026-04-14T13:10:00Z", std::nullopt});
        // Call A: rang, answered, hung up: offered and answered.
        raw(11, "call.ringing", call("A", "in"), "2026-04-14T13:00:00Z");
        raw(11, "call.answered", call("A", "in"), "2026-04-14T13:00:20Z");
        raw(11, "call.hangup", call("A", "in"), "2026-04-14T13:05:00Z");
        event(routing::ConversationResolved{11, "carol", "fixed"}, 11, "2026-04-14T13:10:00Z");
        // Call B: rang twice (Twilio's queued, then ringing), hung up unanswered: abandoned.
        raw(11, "call.ringing", call("B", "in"), "2026-04-14T15:00:00Z");
        raw(11, "call.ringing", call("B", "in"), "2026-04-14T15:00:01Z");
        raw(11, "call.hangup", call("B", "in"), "2026-04-14T15:00:40Z");
        // Call C: still ringing: offered, neither answered nor abandoned.
        raw(11, "call.ringing", call("C", "in"), "2026-04-14T16:00:00Z");
        // Call D: an agent's outbound call, answered: not offered.
        raw(11, "call.outbound", call("D", "out"), "2026-04-14T17:00:00Z");
        raw(11, "call.answered", call("D", "out"), "2026-04-14T17:00:10Z");
        raw(11, "call.hangup", call("D", "out"), "2026-04-14T17:03:00Z");

        // V2: voice, 14:00 EDT. Call F abandoned; transferred once; not resolved.
        conversation({12, "2026-04-14T18:00:00Z", "voice", "phone", "usage", 3, nullptr, {},
                      nullptr, std::nullopt});
        raw(12, "call.ringing", call("F", "in"), "2026-04-14T18:00:00Z");
        raw(12, "call.hangup", call("F", "in"), "2026-04-14T18:01:00Z");
        raw(12, "transfer", R"({"from":"carol","note":"","to_queue":"billing"})",
            "2026-04-14T18:00:30Z");

        // Q1: webchat complaint, transferred twice, resolved, rated 1 at 15:30Z; an agent
        // writes 30 min later: followed up.
        conversation({13, "2026-04-14T14:00:00Z", "webchat", "general", "complaint", 2, "dave",
                      {}, "2026-04-14T15:00:00Z", 1});
        // A call event on a conversation that is not a call: not counted.
        raw(13, "call.ringing", call("X", "in"), "2026-04-14T14:00:00Z");
        raw(13, "transfer", R"({"from":"erin","note":""})", "2026-04-14T14:10:00Z");
        raw(13, "transfer", R"({"from":"frank","note":""})", "2026-04-14T14:20:00Z");
        event(routing::ConversationResolved{13, "dave", "apology"}, 13, "2026-04-14T15:00:00Z");
        event(routing::RatingRecorded{13, 0, 1}, 13, "2026-04-14T15:30:00Z");
        message(13, "out", "agent:dave", "2026-04-14T16:00:00Z");

        // Q2: email billing, resolved, rated 2 at 20:00Z. An agent wrote before the rating
        // (not a follow-up) and 24 h + 1 s after it (too late): not followed up.
        conversation({14, "2026-04-14T14:30:00Z", "email", "billing", "billing", 3, "dave", {},
                      "2026-04-14T19:30:00Z", 2});
        message(14, "out", "agent:dave", "2026-04-14T19:00:00Z");
        event(routing::ConversationResolved{14, "dave", "refund"}, 14, "2026-04-14T19:30:00Z");
        event(routing::RatingRecorded{14, 0, 2}, 14, "2026-04-14T20:00:00Z");
        message(14, "out", "auto", "2026-04-14T21:00:00Z");  // automation is no follow-up
        message(14, "out", "agent:dave", "2026-04-15T20:00:01Z");

        // Q3: webchat complaint, resolved, reopened, resolved again (resolved now); rated 4.
        conversation({15, "2026-04-14T19:00:00Z", "webchat", "general", "complaint", 3, "dave",
                      {}, "2026-04-15T11:00:00Z", 4});
        event(routing::ConversationResolved{15, "dave", "fixed"}, 15, "2026-04-14T20:00:00Z");
        event(routing::Queued{15, "general", 3, 1, "reopened"}, 15, "2026-04-15T10:00:00Z");
        event(routing::ConversationResolved{15, "dave", "fixed"}, 15, "2026-04-15T11:00:00Z");
        event(routing::RatingRecorded{15, 0, 4}, 15, "2026-04-15T11:30:00Z");

        // Q4: resolved, rated 2 at 22:00Z, reopened by the customer 23:59:59 later: followed
        // up, and not resolved now.
        conversation({16, "2026-04-14T21:00:00Z", "webchat", "general", "usage", 3, "dave", {},
                      nullptr, 2});
        event(routing::ConversationResolved{16, "dave", "fixed"}, 16, "2026-04-14T21:30:00Z");
        event(routing::RatingRecorded{16, 0, 2}, 16, "2026-04-14T22:00:00Z");
        event(routing::Queued{16, "general", 3, 1, "handoff"}, 16, "2026-04-14T22:30:00Z");
        event(routing::Queued{16, "general", 3, 1, "reopened"}, 16, "2026-04-15T21:59:59Z");

        // Q5: API, held last by hank. gina let one offer time out and declined another; an
        // offer to hank was withdrawn (not missed); hank accepted the next and resolved it.
        conversation({17, "2026-04-14T22:00:00Z", "api", "general", "usage", 3, "hank", {},
                      "2026-04-14T22:10:00Z", 5});
        event(routing::OfferMade{17, "gina", "general", 3, {}}, 17, "2026-04-14T22:00:10Z");
        event(routing::OfferRevoked{17, "gina", "timeout"}, 17, "2026-04-14T22:00:40Z");
        event(routing::OfferMade{17, "gina", "general", 3, {}}, 17, "2026-04-14T22:01:00Z");
        event(routing::OfferRevoked{17, "gina", "declined"}, 17, "2026-04-14T22:01:10Z");
        event(routing::OfferMade{17, "hank", "general", 3, {}}, 17, "2026-04-14T22:02:00Z");
        event(routing::OfferRevoked{17, "hank", "withdrawn"}, 17, "2026-04-14T22:02:30Z");
        event(routing::OfferMade{17, "hank", "general", 3, {}}, 17, "2026-04-14T22:03:00Z");
        event(routing::Assigned{17, "hank"}, 17, "2026-04-14T22:03:10Z");
        event(routing::ConversationResolved{17, "hank", "fixed"}, 17, "2026-04-14T22:10:00Z");
        event(routing::RatingRecorded{17, 0, 5}, 17, "2026-04-14T22:20:00Z");

        // Presence (no conversation). ivy: available from 23:00 EDT the day before, away
        // 01:00-02:00 EDT, available to 03:00, wrap-up to 03:30, offline, available again
        // at 23:00 EDT on the 14th and still so.
        using P = routing::Presence;
        event(routing::AgentStateChanged{"ivy", P::Available, {}, std::nullopt}, 0, "2026-04-14T03:00:00Z");
        event(routing::AgentStateChanged{"ivy", P::Away, {}, std::nullopt}, 0, "2026-04-14T05:00:00Z");
        event(routing::AgentStateChanged{"ivy", P::Available, {}, std::nullopt}, 0, "2026-04-14T06:00:00Z");
        event(routing::AgentStateChanged{"ivy", P::WrapUp, {}, std::nullopt}, 0, "2026-04-14T07:00:00Z");
        event(routing::AgentStateChanged{"ivy", P::Offline, {}, std::nullopt}, 0, "2026-04-14T07:30:00Z");
        event(routing::AgentStateChanged{"jay", P::Busy, {}, std::nullopt}, 0, "2026-04-14T10:00:00Z");
        event(routing::AgentStateChanged{"jay", P::Offline, {}, std::nullopt}, 0, "2026-04-14T10:15:00Z");
        event(routing::AgentStateChanged{"ivy", P::Available, {}, std::nullopt}, 0, "2026-04-15T03:00:00Z");
        // A contact event without a conversation is not a presence.
        raw(0, "contact.blocked", R"({"address":"x","channel_instance":"telegram"})",
            "2026-04-14T12:00:00Z");
    }

    json day(const std::string& name, std::map<std::string, std::string> more = {}) {
        more.emplace("from", "2026-04-14");
        more.emplace("to", "2026-04-14");
        return report(name, more);
    }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(calls_offered_answered_and_abandoned, Day) {
    auto r = day("volume");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 1u);
    const auto& row = r["rows"][0];
    BOOST_TEST(row["conversations"] == 7);
    BOOST_TEST(row["calls_offered"] == 4);    // A, B, C (V1), F (V2); not D (outbound), not X
    BOOST_TEST(row["calls_answered"] == 1);   // A
    BOOST_TEST(row["calls_abandoned"] == 2);  // B, F; C still rings
    auto by = day("volume", {{"group_by", "channel"}});
    BOOST_REQUIRE_EQUAL(by["rows"].size(), 4u);  // api, email, voice, webchat
    BOOST_TEST(by["rows"][2]["channel"] == "voice");
    BOOST_TEST(by["rows"][2]["calls_offered"] == 4);
    BOOST_TEST(by["rows"][3]["channel"] == "webchat");
    BOOST_TEST(by["rows"][3]["calls_offered"] == 0);
}

BOOST_FIXTURE_TEST_CASE(low_ratings_and_their_follow_up, Day) {
    auto r = day("csat");
    const auto& row = r["rows"][0];
    BOOST_TEST(row["ratings"] == 5);          // Q1 1, Q2 2, Q3 4, Q4 2, Q5 5
    BOOST_TEST(row["low_ratings"] == 3);      // Q1, Q2, Q4
    BOOST_TEST(row["low_followed_up"] == 2);  // Q1 (agent, 30 min), Q4 (reopened, 23:59:59)
    BOOST_TEST(row["low_follow_up_rate"].get<double>() == 0.6667);
    auto email = day("csat", {{"channel", "email"}});
    BOOST_TEST(email["rows"][0]["low_ratings"] == 1);
    BOOST_TEST(email["rows"][0]["low_followed_up"] == 0);  // 24 h + 1 s is too late
    BOOST_TEST(email["rows"][0]["low_follow_up_rate"].get<double>() == 0.0);
    auto voice = day("csat", {{"channel", "voice"}});
    BOOST_TEST(voice["rows"][0]["low_follow_up_rate"].is_null());  // no low rating
}

BOOST_FIXTURE_TEST_CASE(first_contact_resolution_reopens_transfers_and_complaints, Day) {
    auto r = day("quality");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 1u);
    const auto& row = r["rows"][0];
    BOOST_TEST(row["conversations"] == 7);
    BOOST_TEST(row["resolved"] == 5);                 // V1, Q1, Q2, Q3, Q5 (Q4 reopened)
    BOOST_TEST(row["first_contact_resolved"] == 3);   // V1, Q2, Q5 (Q1 transferred, Q3 reopened)
    BOOST_TEST(row["fcr_rate"].get<double>() == 0.6);
    BOOST_TEST(row["resolved_ever"] == 6);            // all but V2
    BOOST_TEST(row["reopened"] == 2);                 // Q3, Q4 (Q4's hand-off is not one)
    BOOST_TEST(row["reopen_rate"].get<double>() == 0.3333);
    BOOST_TEST(row["transfers"] == 3);                // Q1 twice, V2 once
    BOOST_TEST(row["transfers_per_conversation"].get<double>() == 0.4286);  // 3 / 7
    BOOST_TEST(row["complaints"] == 2);               // Q1, Q3
    BOOST_TEST(row["complaint_rate"].get<double>() == 0.2857);  // 2 / 7
    auto cat = day("quality", {{"group_by", "category"}});
    BOOST_REQUIRE_EQUAL(cat["rows"].size(), 3u);
    BOOST_TEST(cat["rows"][1]["category"] == "complaint");
    BOOST_TEST(cat["rows"][1]["complaint_rate"].get<double>() == 1.0);
    BOOST_TEST(cat["rows"][1]["fcr_rate"].get<double>() == 0.0);
}

BOOST_FIXTURE_TEST_CASE(missed_offers_are_timeouts_and_declines, Day) {
    auto r = day("agents", {{"agent", "hank"}});  // Q5, held last by hank
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 2u);
    const auto& gina = r["rows"][0];
    BOOST_TEST(gina["agent"] == "gina");
    BOOST_TEST(gina["offers"] == 2);
    BOOST_TEST(gina["missed_offers"] == 2);
    BOOST_TEST(gina["accepted"] == 0);
    const auto& hank = r["rows"][1];
    BOOST_TEST(hank["offers"] == 2);
    BOOST_TEST(hank["missed_offers"] == 0);  // withdrawn is not missed
    BOOST_TEST(hank["handled"] == 1);
    BOOST_TEST(hank["aht_mean_s"].get<double>() == 410.0);  // 22:03:10 -> 22:10:00
}

BOOST_FIXTURE_TEST_CASE(time_in_each_presence_cut_at_the_range_and_midnight, Day) {
    auto r = report("agent_time", {{"from", "2026-04-14"}, {"to", "2026-04-15"},
                                   {"group_by", "day"}});
    BOOST_TEST(r["columns"][0] == "day");
    BOOST_TEST(r["columns"][1] == "agent");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 3u);
    const auto& ivy = r["rows"][0];
    BOOST_TEST(ivy["day"] == "2026-04-14");
    BOOST_TEST(ivy["agent"] == "ivy");
    // Available 04:00Z (the day's start) to 05:00Z, 06:00Z-07:00Z, and 03:00Z-04:00Z on the
    // 15th (23:00-24:00 EDT): 3 h. Away 1 h, wrap-up 30 min.
    BOOST_TEST(ivy["available_s"].get<double>() == 10800.0);
    BOOST_TEST(ivy["away_s"].get<double>() == 3600.0);
    BOOST_TEST(ivy["wrap_up_s"].get<double>() == 1800.0);
    BOOST_TEST(ivy["busy_s"].get<double>() == 0.0);
    BOOST_TEST(ivy["logged_in_s"].get<double>() == 16200.0);
    const auto& jay = r["rows"][1];
    BOOST_TEST(jay["agent"] == "jay");
    BOOST_TEST(jay["busy_s"].get<double>() == 900.0);
    BOOST_TEST(jay["logged_in_s"].get<double>() == 900.0);
    // The 15th: ivy available from its midnight (04:00Z) to the report's now (00:00Z on
    // the 16th): 20 h.
    const auto& ivy15 = r["rows"][2];
    BOOST_TEST(ivy15["day"] == "2026-04-15");
    BOOST_TEST(ivy15["available_s"].get<double>() == 72000.0);
    auto one = day("agent_time", {{"agent", "jay"}});
    BOOST_REQUIRE_EQUAL(one["rows"].size(), 1u);
    BOOST_TEST(one["rows"][0]["agent"] == "jay");
}

// Occupancy: the time not offline in which the agent held at least one conversation. Ids
// follow the order conversations were opened in, as the store gives them.
BOOST_FIXTURE_TEST_CASE(occupancy_is_time_holding_work_while_logged_in, Day) {
    using P = routing::Presence;
    auto held = [&](std::int64_t id, const char* opened, const char* agent) {
        conversation({id, opened, "webchat", "general", "usage", 3, agent, {}, nullptr,
                      std::nullopt});
    };
    // ivy's holds. 6: assigned before the range, resolved 04:30Z: 04:00-04:30 counts.
    held(6, "2026-04-13T20:00:00Z", "ivy");
    event(routing::Assigned{6, "ivy"}, 6, "2026-04-14T02:00:00Z");
    event(routing::ConversationResolved{6, "ivy", "fixed"}, 6, "2026-04-14T04:30:00Z");
    // 22 and 23 at once: 04:45-06:10 and 04:50-05:20 count once, 04:45-06:10, across her
    // available and away time.
    held(22, "2026-04-14T04:40:00Z", "ivy");
    event(routing::Assigned{22, "ivy"}, 22, "2026-04-14T04:45:00Z");
    event(routing::Queued{22, "general", 3, 1, "requeued"}, 22, "2026-04-14T06:10:00Z");
    held(23, "2026-04-14T04:41:00Z", "ivy");
    event(routing::Assigned{23, "ivy"}, 23, "2026-04-14T04:50:00Z");
    event(routing::ConversationResolved{23, "ivy", "fixed"}, 23, "2026-04-14T05:20:00Z");
    // 24: 07:20-08:00, but she is offline from 07:30: 10 min count.
    held(24, "2026-04-14T07:00:00Z", "ivy");
    event(routing::Assigned{24, "ivy"}, 24, "2026-04-14T07:20:00Z");
    event(routing::ConversationResolved{24, "ivy", "fixed"}, 24, "2026-04-14T08:00:00Z");
    // 25: assigned 03:30Z on the 15th (23:30 EDT on the 14th) and held until now.
    held(25, "2026-04-15T03:00:00Z", "ivy");
    event(routing::Assigned{25, "ivy"}, 25, "2026-04-15T03:30:00Z");
    // jay holds 26 from 09:00Z until he transfers it at 10:05Z; he is busy 10:00-10:15.
    held(26, "2026-04-14T08:30:00Z", "jay");
    event(routing::Assigned{26, "jay"}, 26, "2026-04-14T09:00:00Z");
    raw(26, "transfer", R"({"from":"jay","note":""})", "2026-04-14T10:05:00Z");
    // kim holds 5 from the 13th to the 15th with no event on the 14th (closed since), and is
    // available 12:00Z-13:00Z on the 14th: all of it occupied.
    held(5, "2026-04-10T12:00:00Z", "kim");
    event(routing::Assigned{5, "kim"}, 5, "2026-04-13T12:00:00Z");
    event(routing::ConversationResolved{5, "kim", "fixed"}, 5, "2026-04-15T12:00:00Z");
    exec("UPDATE conversations SET status = 'closed' WHERE id = 5");
    event(routing::AgentStateChanged{"kim", P::Available, {}, std::nullopt}, 0, "2026-04-14T12:00:00Z");
    event(routing::AgentStateChanged{"kim", P::Offline, {}, std::nullopt}, 0, "2026-04-14T13:00:00Z");

    auto r = report("agent_time", {{"from", "2026-04-14"}, {"to", "2026-04-15"},
                                   {"group_by", "day"}});
    BOOST_TEST(r["columns"][7] == "occupied_s");
    BOOST_TEST(r["columns"][8] == "occupancy");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 4u);
    const auto& ivy = r["rows"][0];
    BOOST_TEST(ivy["agent"] == "ivy");
    // 04:00-04:30 + 04:45-06:10 + 07:20-07:30 + 03:30-04:00Z on the 15th = 9,300 s of 16,200.
    BOOST_TEST(ivy["occupied_s"].get<double>() == 9300.0);
    BOOST_TEST(ivy["occupancy"].get<double>() == 0.5741);
    const auto& jay = r["rows"][1];
    BOOST_TEST(jay["agent"] == "jay");
    BOOST_TEST(jay["occupied_s"].get<double>() == 300.0);  // 10:00-10:05 of 15 min
    BOOST_TEST(jay["occupancy"].get<double>() == 0.3333);
    const auto& kim = r["rows"][2];
    BOOST_TEST(kim["agent"] == "kim");
    BOOST_TEST(kim["logged_in_s"].get<double>() == 3600.0);
    BOOST_TEST(kim["occupied_s"].get<double>() == 3600.0);
    BOOST_TEST(kim["occupancy"].get<double>() == 1.0);
    const auto& ivy15 = r["rows"][3];
    BOOST_TEST(ivy15["day"] == "2026-04-15");
    BOOST_TEST(ivy15["occupied_s"].get<double>() == 72000.0);  // 25, all day until now
    // The 15th alone: 25 has no event in it, and is found as open with an agent.
    auto only15 = report("agent_time", {{"from", "2026-04-15"}, {"to", "2026-04-15"}});
    BOOST_REQUIRE_EQUAL(only15["rows"].size(), 1u);
    BOOST_TEST(only15["rows"][0]["agent"] == "ivy");
    BOOST_TEST(only15["rows"][0]["occupancy"].get<double>() == 1.0);
    // The 14th alone: kim's conversation, with no event in it, is found by its later one.
    auto kim14 = day("agent_time", {{"agent", "kim"}});
    BOOST_REQUIRE_EQUAL(kim14["rows"].size(), 1u);
    BOOST_TEST(kim14["rows"][0]["occupied_s"].get<double>() == 3600.0);
}

// Service cases opened on the 14th (New York): stored as the store stores them (the daemon's
// JSON of the case, with its history).
struct Cases : Day {
    struct Move {
        const char* at;
        const char* detail;
    };
    void serviceCase(std::int64_t id, const char* type, const char* opened, const char* stage,
                     bool terminal, std::vector<Move> moves, std::optional<std::int64_t> repeat_of = {}) {
        routing::ServiceCase c;
        c.id = id;
        c.contact_id = id;
        c.type = type;
        c.stage = stage;
        c.repeat_of = repeat_of;
        c.opened_at = tp(opened);
        c.updated_at = tp(opened);
        c.history.push_back({tp(opened), "agent:amy", "opened", type});
        c.history.push_back({tp(opened), "agent:amy", "note", "a note is not a stage"});
        for (const auto& m : moves) c.history.push_back({tp(m.at), "agent:amy", "stage", m.detail});
        contact(id);
        write("INSERT INTO cases (id, contact_id, type, stage, closed, body, opened_at,"
              " updated_at) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?6)",
              {id, text(type), text(stage), std::int64_t{terminal ? 1 : 0},
               ccd::daemon::cases::caseJson(c, nullptr).dump(), ms(opened)});
    }
    Cases() {
        // 1: a repair closed 24 h after it opened, through three stages.
        serviceCase(1, "repair", "2026-04-14T14:00:00Z", "closed", true,
                    {{"2026-04-14T14:30:00Z", "registered -> diagnosing"},
                     {"2026-04-14T16:30:00Z", "diagnosing -> plan_proposed: parts ordered"},
                     {"2026-04-15T14:00:00Z", "plan_proposed -> closed"}});
        // 2: a repeat repair, still diagnosing.
        serviceCase(2, "repair", "2026-04-14T15:00:00Z", "diagnosing", false,
                    {{"2026-04-14T15:10:00Z", "registered -> diagnosing"}}, 1);
        // 3: a complaint cancelled after an hour.
        serviceCase(3, "complaint", "2026-04-14T16:00:00Z", "cancelled", true,
                    {{"2026-04-14T17:00:00Z", "registered -> cancelled"}});
        // Outside the local day: 12:00Z on the 13th, and 05:00Z on the 15th (01:00 EDT).
        serviceCase(4, "repair", "2026-04-13T12:00:00Z", "registered", false, {});
        serviceCase(5, "repair", "2026-04-15T05:00:00Z", "registered", false, {});
    }
};

BOOST_FIXTURE_TEST_CASE(cases_by_type_with_time_to_close_and_repeat_repairs, Cases) {
    auto r = day("cases");
    BOOST_TEST(r["columns"][0] == "case_type");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 2u);
    const auto& complaint = r["rows"][0];
    BOOST_TEST(complaint["case_type"] == "complaint");
    BOOST_TEST(complaint["opened"] == 1);
    BOOST_TEST(complaint["cancelled"] == 1);
    BOOST_TEST(complaint["closed"] == 0);
    BOOST_TEST(complaint["close_median_s"].is_null());
    const auto& repair = r["rows"][1];
    BOOST_TEST(repair["opened"] == 2);
    BOOST_TEST(repair["open_now"] == 1);
    BOOST_TEST(repair["closed"] == 1);
    BOOST_TEST(repair["close_median_s"].get<double>() == 86400.0);
    BOOST_TEST(repair["repeats"] == 1);
    BOOST_TEST(repair["repeat_rate"].get<double>() == 0.5);
    // By day over two days: case 5 opened on the 15th in New York.
    auto both = report("cases", {{"from", "2026-04-14"}, {"to", "2026-04-15"}, {"group_by", "day"}});
    BOOST_REQUIRE_EQUAL(both["rows"].size(), 3u);
    BOOST_TEST(both["rows"][2]["day"] == "2026-04-15");
    BOOST_TEST(both["rows"][2]["case_type"] == "repair");
    BOOST_TEST(both["rows"][2]["opened"] == 1);
}

BOOST_FIXTURE_TEST_CASE(time_in_each_stage, Cases) {
    auto r = day("case_stages");
    BOOST_TEST(r["columns"][1] == "stage");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 6u);
    auto row = [&](std::size_t i, const char* type, const char* stage) -> const json& {
        const auto& x = r["rows"][i];
        BOOST_TEST(x["case_type"] == type);
        BOOST_TEST(x["stage"] == stage);
        return x;
    };
    const auto& cancelled = row(0, "complaint", "cancelled");
    BOOST_TEST(cancelled["entered"] == 1);
    BOOST_TEST(cancelled["in_stage_now"] == 1);
    BOOST_TEST(cancelled["time_mean_s"].is_null());
    BOOST_TEST(row(1, "complaint", "registered")["time_mean_s"].get<double>() == 3600.0);
    BOOST_TEST(row(2, "repair", "closed")["in_stage_now"] == 1);
    const auto& diagnosing = row(3, "repair", "diagnosing");
    BOOST_TEST(diagnosing["entered"] == 2);
    BOOST_TEST(diagnosing["in_stage_now"] == 1);
    BOOST_TEST(diagnosing["left"] == 1);
    BOOST_TEST(diagnosing["time_median_s"].get<double>() == 7200.0);  // 14:30 -> 16:30
    // 16:30Z -> 14:00Z the next day; the note after the stage name is not part of it.
    BOOST_TEST(row(4, "repair", "plan_proposed")["time_mean_s"].get<double>() == 77400.0);
    const auto& registered = row(5, "repair", "registered");
    BOOST_TEST(registered["left"] == 2);
    BOOST_TEST(registered["time_median_s"].get<double>() == 600.0);  // 10 and 30 min
    BOOST_TEST(registered["time_mean_s"].get<double>() == 1200.0);
}

BOOST_FIXTURE_TEST_CASE(cases_reports_refuse_conversation_dimensions, Cases) {
    auto cal = calendar();
    for (const char* name : {"cases", "case_stages"}) {
        auto out = reports::makeReport(reader(), name,
                                       {{"from", "2026-04-14"}, {"to", "2026-04-14"},
                                        {"group_by", "queue"}},
                                       &cal, now);
        BOOST_TEST(!out.table);
        BOOST_TEST(out.bad_request);
        BOOST_TEST(out.error == std::string(name) + " groups by day, week or month only");
        out = reports::makeReport(reader(), name,
                                  {{"from", "2026-04-14"}, {"to", "2026-04-14"}, {"queue", "x"}},
                                  &cal, now);
        BOOST_TEST(out.error == std::string(name) + " takes no filter");
    }
}

BOOST_FIXTURE_TEST_CASE(agent_time_refuses_conversation_dimensions, Day) {
    auto cal = calendar();
    for (std::map<std::string, std::string> p :
         {std::map<std::string, std::string>{{"group_by", "queue"}},
          std::map<std::string, std::string>{{"queue", "general"}}}) {
        p.emplace("from", "2026-04-14");
        p.emplace("to", "2026-04-14");
        auto out = reports::makeReport(reader(), "agent_time", p, &cal, now);
        BOOST_TEST(!out.table);
        BOOST_TEST(out.bad_request);
        BOOST_TEST(out.error.find("agent_time") == 0u, out.error);
    }
}

BOOST_FIXTURE_TEST_CASE(the_agents_report_counts_its_agent_among_three_groupings, Day) {
    auto cal = calendar();
    auto out = reports::makeReport(reader(), "agents",
                                   {{"from", "2026-04-14"}, {"to", "2026-04-14"},
                                    {"group_by", "queue,channel,category"}},
                                   &cal, now);
    BOOST_TEST(!out.table);  // queue, channel, category and agent: four
    BOOST_TEST(out.bad_request);
    BOOST_TEST(out.error.find("at most 3") != std::string::npos, out.error);
    auto three = day("agents", {{"group_by", "queue,agent,channel"}});
    BOOST_TEST(three["group_by"].size() == 3u);
}

BOOST_AUTO_TEST_CASE(the_catalog_lists_the_new_reports) {
    auto names = json::array();
    const json catalog = reports::reportCatalog();
    for (const auto& r : catalog["reports"]) names.push_back(r["name"]);
    BOOST_TEST(names.dump() ==
               R"(["volume","response_times","sla","csat","agents","quality","agent_time","cases",)"
               R"("case_stages"])");
}
