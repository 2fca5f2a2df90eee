// KPI reports over a real SQLite file (docs/kpis.md): a generated day of conversations in
// America/New_York around the spring-forward change of 2026-03-08 (a 23-hour local day), with a
// conversation across local midnight, a holiday in the business calendar, automatic replies
// that are not a first response, a late and a missed SLA clock, an escalation, a survey and its
// rating; every figure the test expects is worked out by hand in the comments beside it.
// Also: parameter checks, CSV escaping with Chinese text, and the percentile's rank.

#include "daemon/reports/report_engine.hpp"

#define BOOST_TEST_MODULE reports_itest
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "daemon/reports/kpi_metrics.hpp"
#include "daemon/reports/local_calendar.hpp"
#include "tests/support/report_store.hpp"

namespace {

using namespace ccd::testing::report_store;

struct Db : ReportStore {
    Db() : ReportStore("2026-03-10T20:00:00Z") { seed(); }

    void seed() {
        using M = routing::Milestone;
        exec("INSERT INTO contacts (id, tier, created_at, updated_at) VALUES (1, 'gold', 0, 0),"
                 " (2, 'standard', 0, 0), (3, 'gold', 0, 0), (4, 'gold', 0, 0), (5, 'gold', 0, 0)");
        // C1: Saturday 2026-03-07 23:50 EST (04:50Z on the 8th): the 7th in New York.
        // Agent reply at 00:20 EST on the 8th (30 min); resolved 01:50 EST (2 h). Rated 5.
        conversation({1, "2026-03-08T04:50:00Z", "telegram", "general", "repair", 2, "alice",
                      {clock(M::FirstResponse, "2026-03-08T04:50:00Z", "2026-03-08T05:05:00Z",
                             "2026-03-08T05:20:00Z")},
                      "2026-03-08T06:50:00Z", 5, "leak"});
        message(1, "in", "customer", "2026-03-08T04:50:00Z");
        message(1, "out", "auto", "2026-03-08T04:50:01Z");
        message(1, "out", "agent:alice", "2026-03-08T05:20:00Z");
        message(1, "in", "customer", "2026-03-08T06:55:00Z");  // the rating
        event(routing::OfferMade{1, "alice", "general", 2, {}}, 1, "2026-03-08T04:51:00Z");
        event(routing::Assigned{1, "alice"}, 1, "2026-03-08T04:55:00Z");
        event(routing::ConversationResolved{1, "alice", "fixed"}, 1, "2026-03-08T06:50:00Z");
        event(routing::AutoReply{1, 0, "survey", "survey", "en", {}}, 1, "2026-03-08T06:50:00Z");
        event(routing::RatingRecorded{1, 0, 5}, 1, "2026-03-08T06:55:00Z");

        // C2: Sunday 01:30 EST (06:30Z); at 02:00 the clocks jump to 03:00 EDT. Reply at 03:30
        // EDT (07:30Z): one hour of wall time although the local clock moved two. First
        // response was due 07:00Z: breached, alerted, escalated (priority raised) in that step.
        conversation({2, "2026-03-08T06:30:00Z", "webchat", "general", "usage", 3, "bob",
                      {clock(M::FirstResponse, "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z",
                             "2026-03-08T07:30:00Z"),
                       clock(M::Resolution, "2026-03-08T06:30:00Z", "2026-03-11T06:30:00Z")},
                      nullptr, std::nullopt, "how_to"});
        message(2, "in", "customer", "2026-03-08T06:30:00Z");
        message(2, "out", "auto", "2026-03-08T06:30:01Z");
        message(2, "out", "agent:bob", "2026-03-08T07:30:00Z");
        event(routing::SlaAlert{2, M::FirstResponse, tp("2026-03-08T07:00:00Z"), true, {}}, 2,
              "2026-03-08T07:00:00Z");
        event(routing::PriorityChanged{2, 3, 2, "sla_breach"}, 2, "2026-03-08T07:00:00Z");
        event(routing::PriorityChanged{2, 2, 1, "waiting_rule:vip"}, 2, "2026-03-08T07:10:00Z");
        event(routing::OfferMade{2, "bob", "general", 2, {}}, 2, "2026-03-08T07:20:00Z");
        event(routing::Assigned{2, "bob"}, 2, "2026-03-08T07:25:00Z");

        // C3: Sunday 10:00 EDT (14:00Z), email, billing. Reply 10:05 (5 min, in business
        // hours). Resolved Tuesday 10:00 EDT: 48 h of wall time; business time Sunday
        // 10:00-17:00 (7 h) + Monday (holiday, 0) + Tuesday 09:00-10:00 (1 h) = 8 h. The plan
        // was due 12:00 EDT and never met: a breach alert. Surveyed, rated 2.
        conversation({3, "2026-03-08T14:00:00Z", "email", "billing", "billing \"urgent\", 账单",
                      3, "alice",
                      {clock(M::FirstResponse, "2026-03-08T14:00:00Z", "2026-03-08T14:30:00Z",
                             "2026-03-08T14:05:00Z"),
                       clock(M::Plan, "2026-03-08T14:00:00Z", "2026-03-08T16:00:00Z"),
                       clock(M::Resolution, "2026-03-08T14:00:00Z", "2026-03-11T14:00:00Z",
                             "2026-03-10T14:00:00Z")},
                      "2026-03-10T14:00:00Z", 2, "charge"});
        message(3, "in", "customer", "2026-03-08T14:00:00Z");
        message(3, "out", "auto", "2026-03-08T14:00:01Z");
        message(3, "out", "agent:alice", "2026-03-08T14:05:00Z");
        message(3, "out", "auto", "2026-03-10T14:00:01Z");     // the survey
        message(3, "in", "customer", "2026-03-10T15:00:00Z");  // "2"
        event(routing::OfferMade{3, "alice", "billing", 3, {}}, 3, "2026-03-08T14:01:00Z");
        event(routing::Assigned{3, "alice"}, 3, "2026-03-08T14:02:00Z");
        event(routing::SlaAlert{3, M::Plan, tp("2026-03-08T16:00:00Z"), true, {}}, 3,
              "2026-03-08T16:00:00Z");
        event(routing::ConversationResolved{3, "alice", "refund"}, 3, "2026-03-10T14:00:00Z");
        event(routing::AutoReply{3, 0, "survey", "survey", "en", {}}, 3, "2026-03-10T14:00:00Z");

        // C4: Sunday 23:30 EDT (03:30Z on the 9th): still the 8th in New York. Only an
        // automatic reply: no first response. Its clock was due at 00:00 EDT and no alert was
        // recorded (the daemon was down): a breach all the same, the report's now being later.
        // The classifier found no subtype.
        conversation({4, "2026-03-09T03:30:00Z", "email", "billing", "billing \"urgent\", 账单",
                      3, nullptr,
                      {clock(M::FirstResponse, "2026-03-09T03:30:00Z", "2026-03-09T04:00:00Z")},
                      nullptr, std::nullopt});
        message(4, "in", "customer", "2026-03-09T03:30:00Z");
        message(4, "out", "auto", "2026-03-09T03:30:01Z");

        // C5: Monday 00:10 EDT (04:10Z): the 9th, outside every range below.
        conversation({5, "2026-03-09T04:10:00Z", "webchat", "general", "usage", 3, "bob", {},
                      "2026-03-09T05:00:00Z", 1, "how_to"});
        message(5, "in", "customer", "2026-03-09T04:10:00Z");
        message(5, "out", "agent:bob", "2026-03-09T04:11:00Z");
        event(routing::Assigned{5, "bob"}, 5, "2026-03-09T04:10:30Z");
        event(routing::ConversationResolved{5, "bob", "fixed"}, 5, "2026-03-09T05:00:00Z");
    }
};

const json kNull = nullptr;

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_local_day_of_a_dst_change_has_23_hours_and_its_own_conversations, Db) {
    auto r = report("volume", {{"from", "2026-03-08"}, {"to", "2026-03-08"}});
    BOOST_TEST(r["time_zone"] == "America/New_York");
    // Midnight EST is 05:00Z; the next midnight, EDT, is 04:00Z: 23 hours.
    BOOST_TEST(r["from"] == "2026-03-08T05:00:00.000Z");
    BOOST_TEST(r["to"] == "2026-03-09T04:00:00.000Z");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 1u);
    const auto& row = r["rows"][0];
    // C2, C3, C4 (C1 is the 7th, C5 the 9th). In: 1 + 2 + 1; out: 2 + 3 + 1; resolved: C3.
    BOOST_TEST(row["conversations"] == 3);
    BOOST_TEST(row["messages_in"] == 4);
    BOOST_TEST(row["messages_out"] == 6);
    BOOST_TEST(row["resolved"] == 1);
}

BOOST_FIXTURE_TEST_CASE(grouped_by_day_and_queue_across_midnight, Db) {
    auto r = report("volume", {{"from", "2026-03-07"}, {"to", "2026-03-08"},
                               {"group_by", "day,queue"}});
    BOOST_TEST(r["columns"][0] == "day");
    BOOST_TEST(r["columns"][1] == "queue");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 3u);
    BOOST_TEST(r["rows"][0]["day"] == "2026-03-07");  // C1, 04:50Z on the 8th
    BOOST_TEST(r["rows"][0]["queue"] == "general");
    BOOST_TEST(r["rows"][0]["conversations"] == 1);
    BOOST_TEST(r["rows"][1]["day"] == "2026-03-08");
    BOOST_TEST(r["rows"][1]["queue"] == "billing");   // C3, C4
    BOOST_TEST(r["rows"][1]["conversations"] == 2);
    BOOST_TEST(r["rows"][2]["queue"] == "general");   // C2
    BOOST_TEST(r["rows"][2]["conversations"] == 1);
    // Weeks start on Monday: the 7th and 8th are in the week of Monday 2026-03-02.
    auto w = report("volume", {{"from", "2026-03-07"}, {"to", "2026-03-09"}, {"group_by", "week"}});
    BOOST_REQUIRE_EQUAL(w["rows"].size(), 2u);
    BOOST_TEST(w["rows"][0]["week"] == "2026-03-02");
    BOOST_TEST(w["rows"][0]["conversations"] == 4);
    BOOST_TEST(w["rows"][1]["week"] == "2026-03-09");  // C5
    BOOST_TEST(w["rows"][1]["conversations"] == 1);
}

BOOST_FIXTURE_TEST_CASE(response_times_in_wall_and_business_time, Db) {
    auto r = report("response_times", {{"from", "2026-03-08"}, {"to", "2026-03-08"}});
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 1u);
    const auto& row = r["rows"][0];
    BOOST_TEST(row["conversations"] == 3);
    BOOST_TEST(row["responded"] == 2);  // C4 had an automatic reply only
    // Sorted [300, 3600] s: nearest rank ceil(0.5*2) = 1 -> 300; ceil(0.9*2) = 2 -> 3600.
    BOOST_TEST(row["frt_median_s"].get<double>() == 300.0);
    BOOST_TEST(row["frt_p90_s"].get<double>() == 3600.0);
    BOOST_TEST(row["frt_mean_s"].get<double>() == 1950.0);
    // Business time: C2 at night (0), C3 in opening hours (300).
    BOOST_TEST(row["frt_business_median_s"].get<double>() == 0.0);
    BOOST_TEST(row["frt_business_p90_s"].get<double>() == 300.0);
    BOOST_TEST(row["frt_business_mean_s"].get<double>() == 150.0);
    BOOST_TEST(row["resolved"] == 1);
    BOOST_TEST(row["resolution_median_s"].get<double>() == 172800.0);  // 48 h
    BOOST_TEST(row["resolution_business_mean_s"].get<double>() == 28800.0);  // 8 h, holiday 0
}

BOOST_FIXTURE_TEST_CASE(sla_attainment_breaches_and_escalations_per_milestone, Db) {
    auto r = report("sla", {{"from", "2026-03-08"}, {"to", "2026-03-08"}});
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 3u);
    const auto& fr = r["rows"][0];
    BOOST_TEST(fr["milestone"] == "first_response");
    BOOST_TEST(fr["clocks"] == 3);    // C2, C3, C4
    BOOST_TEST(fr["met"] == 1);       // C3
    BOOST_TEST(fr["breached"] == 2);  // C2 (alert, met late), C4 (due, never met)
    BOOST_TEST(fr["running"] == 0);
    BOOST_TEST(fr["attainment"].get<double>() == 0.3333);
    BOOST_TEST(fr["breach_alerts"] == 1);
    BOOST_TEST(fr["escalations"] == 1);  // the waiting rule's raise is not one
    const auto& plan = r["rows"][1];
    BOOST_TEST(plan["milestone"] == "plan");
    BOOST_TEST(plan["clocks"] == 1);
    BOOST_TEST(plan["breached"] == 1);
    BOOST_TEST(plan["attainment"].get<double>() == 0.0);
    BOOST_TEST(plan["escalations"] == 0);
    const auto& res = r["rows"][2];
    BOOST_TEST(res["milestone"] == "resolution");
    BOOST_TEST(res["clocks"] == 2);
    BOOST_TEST(res["met"] == 1);      // C3
    BOOST_TEST(res["running"] == 1);  // C2, due on the 11th; the report's now is the 10th 20:00Z
    BOOST_TEST(res["attainment"].get<double>() == 1.0);
}

BOOST_FIXTURE_TEST_CASE(csat_distribution_and_response_rate, Db) {
    auto r = report("csat", {{"from", "2026-03-07"}, {"to", "2026-03-08"}, {"group_by", "day"}});
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 2u);
    const auto& sat = r["rows"][0];  // C1: surveyed, rated 5
    BOOST_TEST(sat["surveys"] == 1);
    BOOST_TEST(sat["rating_5"] == 1);
    BOOST_TEST(sat["average"].get<double>() == 5.0);
    BOOST_TEST(sat["response_rate"].get<double>() == 1.0);
    const auto& sun = r["rows"][1];  // C2, C3 (surveyed, rated 2), C4
    BOOST_TEST(sun["conversations"] == 3);
    BOOST_TEST(sun["surveys"] == 1);
    BOOST_TEST(sun["ratings"] == 1);
    BOOST_TEST(sun["rating_2"] == 1);
    BOOST_TEST(sun["rating_5"] == 0);
    BOOST_TEST(sun["average"].get<double>() == 2.0);
}

BOOST_FIXTURE_TEST_CASE(agents_handled_and_handle_time, Db) {
    auto r = report("agents", {{"from", "2026-03-07"}, {"to", "2026-03-08"}});
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 2u);
    const auto& alice = r["rows"][0];
    BOOST_TEST(alice["agent"] == "alice");
    BOOST_TEST(alice["offers"] == 2);
    BOOST_TEST(alice["accepted"] == 2);
    BOOST_TEST(alice["handled"] == 2);
    // C1 04:55Z -> 06:50Z = 6900 s; C3 14:02Z on the 8th -> 14:00Z on the 10th = 172680 s.
    BOOST_TEST(alice["aht_median_s"].get<double>() == 6900.0);
    BOOST_TEST(alice["aht_mean_s"].get<double>() == 89790.0);
    const auto& bob = r["rows"][1];
    BOOST_TEST(bob["agent"] == "bob");
    BOOST_TEST(bob["handled"] == 0);  // C2 open; C5 is the 9th
    BOOST_TEST(bob["aht_median_s"] == kNull);
}

BOOST_FIXTURE_TEST_CASE(filters_narrow_the_conversations, Db) {
    auto r = report("response_times",
                    {{"from", "2026-03-08"}, {"to", "2026-03-08"}, {"queue", "billing"}});
    BOOST_TEST(r["rows"][0]["conversations"] == 2);  // C3, C4
    auto p = report("volume", {{"from", "2026-03-07"}, {"to", "2026-03-09"}, {"priority", "p2"}});
    BOOST_TEST(p["rows"][0]["conversations"] == 1);  // C1
    auto t = report("volume", {{"from", "2026-03-07"}, {"to", "2026-03-09"}, {"tier", "gold"},
                               {"channel", "email"}, {"group_by", "priority,channel"}});
    BOOST_TEST(t["rows"][0]["conversations"] == 2);
    BOOST_TEST(t["rows"][0]["priority"] == "p3");
    BOOST_TEST(t["rows"][0]["channel"] == "email");
    auto none = report("volume", {{"from", "2026-03-07"}, {"to", "2026-03-09"}, {"agent", "zoe"}});
    BOOST_TEST(none["rows"].size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(csv_has_a_bom_crlf_and_rfc4180_quoting, Db) {
    auto csv = this->csv("volume", {{"from", "2026-03-08"}, {"to", "2026-03-08"},
                                    {"group_by", "category"}});
    BOOST_TEST(csv == "\xEF\xBB\xBF" "category,conversations,messages_in,messages_out,resolved,"
                      "calls_offered,calls_answered,calls_abandoned\r\n"
                      "\"billing \"\"urgent\"\", 账单\",2,3,4,1,0,0,0\r\n"
                      "usage,1,1,2,0,0,0,0\r\n");
    BOOST_TEST(reports::csvField("a\nb") == "\"a\nb\"");
    BOOST_TEST(reports::csvField("plain 文字") == "plain 文字");
}

// Subtypes: C1 repair/leak, C2 usage/how_to, C3 billing/charge, C4 billing without one, C5
// usage/how_to.
BOOST_FIXTURE_TEST_CASE(grouped_by_category_and_subtype_and_filtered_by_subtype, Db) {
    auto r = report("volume", {{"from", "2026-03-08"}, {"to", "2026-03-08"},
                               {"group_by", "category,subtype"}});
    BOOST_TEST(r["group_by"] == json::array({"category", "subtype"}));
    BOOST_TEST(r["columns"][1] == "subtype");
    BOOST_REQUIRE_EQUAL(r["rows"].size(), 3u);
    // C4: billing, no subtype (sorted first): in 1, out 1 (automatic), not resolved.
    BOOST_TEST(r["rows"][0]["category"] == "billing \"urgent\", 账单");
    BOOST_TEST(r["rows"][0]["subtype"] == "");
    BOOST_TEST(r["rows"][0]["conversations"] == 1);
    BOOST_TEST(r["rows"][0]["messages_out"] == 1);
    // C3: billing/charge: in 2, out 3, resolved.
    BOOST_TEST(r["rows"][1]["subtype"] == "charge");
    BOOST_TEST(r["rows"][1]["messages_in"] == 2);
    BOOST_TEST(r["rows"][1]["messages_out"] == 3);
    BOOST_TEST(r["rows"][1]["resolved"] == 1);
    // C2: usage/how_to: in 1, out 2, open.
    BOOST_TEST(r["rows"][2]["category"] == "usage");
    BOOST_TEST(r["rows"][2]["subtype"] == "how_to");
    BOOST_TEST(r["rows"][2]["messages_out"] == 2);
    BOOST_TEST(r["rows"][2]["resolved"] == 0);

    // The 7th to the 9th: "" (C4) 1; charge (C3) 1; how_to (C2, C5) 2; leak (C1) 1.
    auto all = report("volume", {{"from", "2026-03-07"}, {"to", "2026-03-09"},
                                 {"group_by", "subtype"}});
    BOOST_REQUIRE_EQUAL(all["rows"].size(), 4u);
    std::vector<std::string> labels;
    for (const auto& row : all["rows"]) labels.push_back(row["subtype"].get<std::string>());
    BOOST_TEST(labels == (std::vector<std::string>{"", "charge", "how_to", "leak"}),
               boost::test_tools::per_element());
    BOOST_TEST(all["rows"][2]["conversations"] == 2);
    BOOST_TEST(all["rows"][2]["messages_in"] == 2);   // C2 1 + C5 1
    BOOST_TEST(all["rows"][2]["messages_out"] == 3);  // C2 2 + C5 1
    BOOST_TEST(all["rows"][2]["resolved"] == 1);      // C5
    BOOST_TEST(all["rows"][3]["conversations"] == 1);

    // ?subtype=how_to: C2 (first response 3600 s) and C5 (60 s; resolved after 3000 s).
    auto how_to = report("response_times",
                         {{"from", "2026-03-07"}, {"to", "2026-03-09"}, {"subtype", "how_to"}});
    BOOST_REQUIRE_EQUAL(how_to["rows"].size(), 1u);
    const auto& row = how_to["rows"][0];
    BOOST_TEST(row["conversations"] == 2);
    BOOST_TEST(row["responded"] == 2);
    BOOST_TEST(row["frt_median_s"].get<double>() == 60.0);
    BOOST_TEST(row["frt_p90_s"].get<double>() == 3600.0);
    BOOST_TEST(row["frt_mean_s"].get<double>() == 1830.0);
    BOOST_TEST(row["resolved"] == 1);
    BOOST_TEST(row["resolution_median_s"].get<double>() == 3000.0);
    // A subtype of another category: nothing.
    auto none = report("volume", {{"from", "2026-03-07"}, {"to", "2026-03-09"},
                                  {"category", "usage"}, {"subtype", "leak"}});
    BOOST_TEST(none["rows"].size() == 0u);

    BOOST_TEST(csv("volume", {{"from", "2026-03-08"}, {"to", "2026-03-08"},
                              {"group_by", "subtype"}}) ==
               "\xEF\xBB\xBF" "subtype,conversations,messages_in,messages_out,resolved,"
               "calls_offered,calls_answered,calls_abandoned\r\n"
               ",1,1,1,0,0,0,0\r\n"
               "charge,1,2,3,1,0,0,0\r\n"
               "how_to,1,1,2,0,0,0,0\r\n");
}

BOOST_AUTO_TEST_CASE(the_catalog_lists_subtype_as_a_dimension_and_a_filter) {
    auto catalog = reports::reportCatalog();
    for (const auto& r : catalog["reports"]) {
        const auto& p = r["parameters"];
        auto has = [](const json& list, const char* name) {
            return std::find(list.begin(), list.end(), json(name)) != list.end();
        };
        BOOST_TEST(has(p["group_by"], "subtype"), r["name"]);
        BOOST_TEST(has(p["filters"], "subtype"), r["name"]);
    }
}

BOOST_FIXTURE_TEST_CASE(bad_parameters_are_refused_with_a_reason, Db) {
    auto cal = calendar();
    auto bad = [&](const std::string& name, std::map<std::string, std::string> p) {
        auto out = reports::makeReport(reader(), name, p, &cal, 0);
        BOOST_TEST(!out.table);
        BOOST_TEST(out.bad_request);
        return out.error;
    };
    BOOST_TEST(bad("nope", {{"from", "2026-03-08"}, {"to", "2026-03-08"}}).find("no report") == 0u);
    BOOST_TEST(bad("volume", {{"to", "2026-03-08"}}).find("required") != std::string::npos);
    BOOST_TEST(bad("volume", {{"from", "2026-02-30"}, {"to", "2026-03-08"}}).find("from") == 0u);
    BOOST_TEST(bad("volume", {{"from", "2026-03-08"}, {"to", "2026-03-07"}}) ==
               "to must be after from");
    BOOST_TEST(bad("volume", {{"from", "2024-01-01"}, {"to", "2026-03-07"}}).find("400 days") !=
               std::string::npos);
    BOOST_TEST(bad("volume", {{"from", "2026-03-08"}, {"to", "2026-03-08"},
                              {"group_by", "day,month"}})
                   .find("one of day") != std::string::npos);
    BOOST_TEST(bad("volume", {{"from", "2026-03-08"}, {"to", "2026-03-08"}, {"group_by", "hour"}})
                   .find("unknown dimension") != std::string::npos);
    BOOST_TEST(bad("volume", {{"from", "2026-03-08"}, {"to", "2026-03-08"}, {"colour", "red"}})
                   .find("unknown parameter") != std::string::npos);
    BOOST_TEST(bad("volume", {{"from", "2026-03-08"}, {"to", "2026-03-08"}, {"priority", "p9"}})
                   .find("priority") == 0u);
    // `today` is the local date of the report's now (the 10th, 16:00 in New York).
    auto today = reports::makeReport(reader(), "volume", {{"from", "today"}, {"to", "today"}},
                                     &cal, ms("2026-03-10T20:00:00Z"));
    BOOST_REQUIRE(today.table);
    BOOST_TEST(today.table->from_ms == ms("2026-03-10T04:00:00Z"));
    // RFC 3339 bounds are instants, `to` exclusive.
    auto r = report("volume", {{"from", "2026-03-08T06:30:00Z"}, {"to", "2026-03-08T14:00:00Z"}});
    BOOST_TEST(r["rows"][0]["conversations"] == 1);  // C2 only
}

BOOST_AUTO_TEST_CASE(nearest_rank_percentiles) {
    std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    BOOST_TEST(std::get<double>(reports::percentile(v, 50)) == 5.0);
    BOOST_TEST(std::get<double>(reports::percentile(v, 90)) == 9.0);
    BOOST_TEST(std::get<double>(reports::percentile({7}, 90)) == 7.0);
    BOOST_TEST(std::holds_alternative<std::monostate>(reports::percentile({}, 50)));
}

BOOST_AUTO_TEST_CASE(local_midnights_across_daylight_saving) {
    reports::LocalCalendar ny("America/New_York");
    BOOST_TEST(ny.midnight({2026, 3, 8}) == ms("2026-03-08T05:00:00Z"));
    BOOST_TEST(ny.midnight({2026, 3, 9}) == ms("2026-03-09T04:00:00Z"));
    BOOST_TEST(ny.weekday({2026, 3, 9}) == 0);  // Monday
    BOOST_TEST(reports::formatDate(ny.dateOf(ms("2026-03-09T03:59:59Z"))) == "2026-03-08");
    BOOST_CHECK_THROW(reports::LocalCalendar("Mars/Olympus"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(kpi_metrics_count_first_responses_sla_outcomes_and_ratings) {
    reports::KpiMetrics k;
    routing::ConversationSnapshot s;
    s.queue = "bill\"ing";
    s.channel = routing::ChannelKind::Email;
    s.opened_at = tp("2026-03-08T14:00:00Z");
    using M = routing::Milestone;
    k.observe(routing::MilestoneMet{3, M::FirstResponse, tp("2026-03-08T14:05:00Z"), false}, &s);
    k.observe(routing::MilestoneMet{3, M::Plan, tp("2026-03-08T17:00:00Z"), true}, &s);  // late
    k.observe(routing::SlaAlert{3, M::Plan, tp("2026-03-08T16:00:00Z"), true, {}}, nullptr);
    k.observe(routing::SlaAlert{3, M::Plan, tp("2026-03-08T15:36:00Z"), false, {}}, nullptr);
    k.observe(routing::RatingRecorded{3, 0, 4}, nullptr);
    k.observe(routing::OfferRevoked{3, "alice", "timeout"}, nullptr);
    k.observe(routing::OfferRevoked{3, "alice", "declined"}, nullptr);
    k.observe(routing::OfferRevoked{3, "bob", "withdrawn"}, nullptr);  // not missed
    k.observe(routing::OfferRevoked{3, "bob", "timeout"}, nullptr);
    k.observe(routing::Queued{3, "general", 3, 1, "reopened"}, nullptr);
    k.observe(routing::Queued{3, "general", 3, 1, "transfer"}, nullptr);  // not a reopening
    std::string out;
    k.render(out);
    const std::string labels = "queue=\"bill\\\"ing\",channel=\"email\"";
    BOOST_TEST(out.find("# TYPE ccd_first_response_seconds histogram\n") != std::string::npos);
    BOOST_TEST(out.find("ccd_first_response_seconds_bucket{" + labels + ",le=\"120\"} 0\n") !=
               std::string::npos, out);
    BOOST_TEST(out.find("ccd_first_response_seconds_bucket{" + labels + ",le=\"300\"} 1\n") !=
               std::string::npos, out);
    BOOST_TEST(out.find("ccd_first_response_seconds_sum{" + labels + "} 300\n") !=
               std::string::npos, out);
    BOOST_TEST(out.find("ccd_sla_outcomes_total{milestone=\"first_response\",outcome=\"met\"} 1\n") !=
               std::string::npos, out);
    BOOST_TEST(out.find("ccd_sla_outcomes_total{milestone=\"plan\",outcome=\"breached\"} 1\n") !=
               std::string::npos, out);
    BOOST_TEST(out.find("outcome=\"met\"} 1\nccd_sla_outcomes_total{milestone=\"plan\",outcome=\"met\"") ==
               std::string::npos, out);  // a late plan is not met
    BOOST_TEST(out.find("ccd_ratings_total{score=\"4\"} 1\n") != std::string::npos, out);
    BOOST_TEST(out.find("ccd_ratings_total{score=\"5\"} 0\n") != std::string::npos, out);
    BOOST_TEST(out.find("ccd_offers_missed_total{reason=\"timeout\"} 2\n") != std::string::npos,
               out);
    BOOST_TEST(out.find("ccd_offers_missed_total{reason=\"declined\"} 1\n") != std::string::npos,
               out);
    BOOST_TEST(out.find("\nccd_reopened_total 1\n") != std::string::npos, out);
}
