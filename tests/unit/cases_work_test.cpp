// Service cases on the shipped routing.yaml: the work on a case — quotes, visits, shipments,
// repair records and follow-ups. Opening, stages, warranty and clocks: cases_test.cpp.
#include "routing/cases/service_case.hpp"

#define BOOST_TEST_MODULE cases_work_test
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "tests/support/cases_fixture.hpp"

using namespace ccd;
using namespace ccd::routing;
using namespace std::chrono_literals;
using testing::expectApplied;
using testing::expectRefused;
using testing::openedCase;
using testing::product;
using testing::ShippedCases;
using testing::utc;

namespace {

const TimePoint kNow = utc(2026, 12, 3, 9, 0);
const Product kInWarranty = product("AC-2000", "2026-06-01");
const Product kOutOfWarranty = product("AC-2000", "2020-01-10");

using Params = std::vector<std::pair<std::string, std::string>>;

ProposeQuote compressorQuote() {
    ProposeQuote q;
    q.parts.push_back(QuoteLine{"P-100", "Compressor", 2, 1250});
    q.labour_cents = 5000;
    return q;
}

BookVisit visitSlot() {
    return BookVisit{utc(2026, 12, 5, 1), utc(2026, 12, 5, 3), "1 Nanjing Road", "Wang", ""};
}

RecordFollowUp answer(int id, const std::string& outcome, std::optional<int> rating = {},
                      const std::string& note = "") {
    return RecordFollowUp{id, outcome, rating, note};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(case_work, ShippedCases)

BOOST_AUTO_TEST_CASE(a_quote_totals_its_lines_and_labour) {
    Quote q;
    q.parts = {QuoteLine{"P-1", "", 3, 199}, QuoteLine{"P-2", "", 1, 1000}};
    q.labour_cents = 2500;
    BOOST_TEST(q.totalCents() == 4097);
}

BOOST_AUTO_TEST_CASE(a_quote_is_not_needed_in_warranty) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    expectRefused(rules, c, compressorQuote(), "not_needed", kNow);
    c.stage = "plan_proposed";
    expectApplied(rules, c, MoveStage{"in_repair", "", ""}, kNow);  // free: no quote
}

BOOST_AUTO_TEST_CASE(out_of_warranty_work_waits_for_an_accepted_quote) {
    auto c = openedCase(rules, "repair", kOutOfWarranty, kNow);
    expectApplied(rules, c, MoveStage{"diagnosing", "", ""}, kNow);
    expectApplied(rules, c, MoveStage{"plan_proposed", "", ""}, kNow);
    expectRefused(rules, c, MoveStage{"in_repair", "", ""}, "quote_required", kNow);
    expectRefused(rules, c, AnswerQuote{true, "phone"}, "no_quote", kNow);
    expectRefused(rules, c, ProposeQuote{}, "empty_quote", kNow);
    auto bad = compressorQuote();
    bad.parts[0].quantity = 0;
    expectRefused(rules, c, bad, "invalid_quote", kNow);
    bad = compressorQuote();
    bad.parts[0].unit_price_cents = -1;
    expectRefused(rules, c, bad, "invalid_quote", kNow);

    auto r = expectApplied(rules, c, compressorQuote(), kNow + 1min);
    BOOST_REQUIRE(c.quote.has_value());
    BOOST_TEST(c.quote->status == "proposed");
    BOOST_TEST(c.quote->currency == "CNY");
    BOOST_TEST(c.quote->totalCents() == 7500);
    BOOST_TEST(c.quote->proposed_by == "agent:alice");
    BOOST_TEST(c.quote->proposed_at == kNow + 1min);
    BOOST_REQUIRE_EQUAL(r.effects.customer.size(), 1u);
    BOOST_TEST(r.effects.customer[0].template_id == "case_quote");
    BOOST_TEST(r.effects.customer[0].params ==
               (Params{{"quote_total", "75.00"}, {"currency", "CNY"}}));
    BOOST_TEST(c.history.back().what == "quote");
    BOOST_TEST(c.history.back().detail == "75.00 CNY");

    expectRefused(rules, c, AnswerQuote{false, ""}, "channel_required", kNow);
    expectApplied(rules, c, AnswerQuote{false, "phone"}, kNow + 2min);
    BOOST_TEST(c.quote->status == "declined");
    BOOST_TEST(c.quote->answer_channel == "phone");
    BOOST_TEST((c.quote->answered_at && *c.quote->answered_at == kNow + 2min));
    BOOST_TEST(c.history.back().what == "quote_answer");
    BOOST_TEST(c.history.back().detail == "declined via phone");
    expectRefused(rules, c, MoveStage{"in_repair", "", ""}, "quote_required", kNow);
    expectRefused(rules, c, AnswerQuote{true, "phone"}, "quote_answered", kNow);

    // A new quote replaces the declined one.
    ProposeQuote cheaper;
    cheaper.labour_cents = 9999;
    cheaper.currency = "USD";
    r = expectApplied(rules, c, cheaper, kNow + 3min);
    BOOST_TEST(c.quote->status == "proposed");
    BOOST_TEST(c.quote->parts.empty());
    BOOST_TEST(r.effects.customer[0].params ==
               (Params{{"quote_total", "99.99"}, {"currency", "USD"}}));
    BOOST_TEST(c.history.back().detail == "99.99 USD (replaces the earlier quote)");
    expectApplied(rules, c, AnswerQuote{true, "email"}, kNow + 4min);
    BOOST_TEST(c.quote->status == "accepted");
    expectRefused(rules, c, AnswerQuote{false, "email"}, "quote_answered", kNow);
    expectRefused(rules, c, compressorQuote(), "quote_accepted", kNow);
    expectApplied(rules, c, MoveStage{"in_repair", "", ""}, kNow + 5min);
    BOOST_TEST(c.stage == "in_repair");
}

BOOST_AUTO_TEST_CASE(a_visit_is_booked_and_moved_with_its_reason) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    auto slot = visitSlot();
    slot.slot_end = slot.slot_start;
    expectRefused(rules, c, slot, "invalid_slot", kNow);
    slot = visitSlot();
    slot.engineer.clear();
    expectRefused(rules, c, slot, "invalid_visit", kNow);
    slot = visitSlot();
    slot.address.clear();
    expectRefused(rules, c, slot, "invalid_visit", kNow);

    auto r = expectApplied(rules, c, visitSlot(), kNow);
    BOOST_REQUIRE_EQUAL(c.visits.size(), 1u);
    BOOST_TEST(c.visits[0].id == 1);
    BOOST_TEST(c.visits[0].status == "booked");
    BOOST_TEST(c.repair_mode == "on_site");
    BOOST_REQUIRE_EQUAL(r.effects.customer.size(), 1u);
    BOOST_TEST(r.effects.customer[0].template_id == "case_visit_booked");
    BOOST_TEST(r.effects.customer[0].params == (Params{{"visit_start", "2026-12-05T01:00:00Z"},
                                                       {"visit_end", "2026-12-05T03:00:00Z"},
                                                       {"engineer", "Wang"},
                                                       {"visit_address", "1 Nanjing Road"},
                                                       {"visit_id", "1"}}));
    BOOST_TEST(c.history.back().what == "visit");

    const TimePoint later_start = utc(2026, 12, 6, 6), later_end = utc(2026, 12, 6, 8);
    expectRefused(rules, c, RescheduleVisit{2, later_start, later_end, "", "away"}, "unknown_visit",
                  kNow);
    expectRefused(rules, c, RescheduleVisit{1, later_start, later_end, "", ""}, "reason_required",
                  kNow);
    expectRefused(rules, c, RescheduleVisit{1, later_end, later_start, "", "away"}, "invalid_slot",
                  kNow);
    r = expectApplied(rules, c, RescheduleVisit{1, later_start, later_end, "", "customer away"},
                      kNow + 1h);
    const Visit& v = c.visits[0];
    BOOST_TEST(v.slot_start == later_start);
    BOOST_TEST(v.slot_end == later_end);
    BOOST_TEST(v.engineer == "Wang");
    BOOST_REQUIRE_EQUAL(v.changes.size(), 1u);
    BOOST_TEST(v.changes[0].at == kNow + 1h);
    BOOST_TEST(v.changes[0].by == "agent:alice");
    BOOST_TEST(v.changes[0].from_start == utc(2026, 12, 5, 1));
    BOOST_TEST(v.changes[0].from_end == utc(2026, 12, 5, 3));
    BOOST_TEST(v.changes[0].from_engineer == "Wang");
    BOOST_TEST(v.changes[0].reason == "customer away");
    BOOST_REQUIRE_EQUAL(r.effects.customer.size(), 1u);
    BOOST_TEST(r.effects.customer[0].template_id == "case_visit_changed");
    BOOST_TEST(r.effects.customer[0].params == (Params{{"visit_start", "2026-12-06T06:00:00Z"},
                                                       {"visit_end", "2026-12-06T08:00:00Z"},
                                                       {"engineer", "Wang"},
                                                       {"visit_address", "1 Nanjing Road"},
                                                       {"visit_id", "1"},
                                                       {"change_reason", "customer away"}}));
    expectApplied(rules, c, RescheduleVisit{1, later_start, later_end, "Li", "Wang is ill"},
                  kNow + 2h);
    BOOST_TEST(c.visits[0].engineer == "Li");
    BOOST_REQUIRE_EQUAL(c.visits[0].changes.size(), 2u);
    BOOST_TEST(c.visits[0].changes[1].from_engineer == "Wang");

    expectRefused(rules, c, FinishVisit{9, false}, "unknown_visit", kNow);
    expectApplied(rules, c, FinishVisit{1, false}, kNow + 3h);
    BOOST_TEST(c.visits[0].status == "done");
    BOOST_TEST(c.history.back().detail == "visit 1 done");
    expectRefused(rules, c, RescheduleVisit{1, later_start, later_end, "", "again"},
                  "visit_finished", kNow);
    expectRefused(rules, c, FinishVisit{1, true}, "visit_finished", kNow);

    expectApplied(rules, c, visitSlot(), kNow + 4h);
    expectApplied(rules, c, FinishVisit{2, true}, kNow + 5h);
    BOOST_TEST(c.visits[1].id == 2);
    BOOST_TEST(c.visits[1].status == "cancelled");
}

BOOST_AUTO_TEST_CASE(a_shipment_makes_a_mail_in_repair) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    expectRefused(rules, c, RecordShipment{Shipment{"sideways", "SF", "SF123", {}}},
                  "invalid_shipment", kNow);
    expectRefused(rules, c, RecordShipment{Shipment{"inbound", "SF", "", {}}}, "invalid_shipment",
                  kNow);
    expectApplied(rules, c, RecordShipment{Shipment{"inbound", "SF", "SF123", {}}}, kNow + 1h);
    BOOST_REQUIRE_EQUAL(c.shipments.size(), 1u);
    BOOST_TEST(c.shipments[0].at == kNow + 1h);
    BOOST_TEST(c.repair_mode == "mail_in");
    BOOST_TEST(c.history.back().detail == "inbound SF SF123");

    auto on_site = openedCase(rules, "repair", kInWarranty, kNow);
    expectApplied(rules, on_site, visitSlot(), kNow);
    expectApplied(rules, on_site, RecordShipment{Shipment{"outbound", "", "X9", {}}}, kNow);
    BOOST_TEST(on_site.repair_mode == "on_site");
}

BOOST_AUTO_TEST_CASE(a_repair_record_names_the_fault_and_the_result) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    RepairRecord rec;
    rec.fault_found = "";
    rec.result = "fixed";
    expectRefused(rules, c, RecordRepair{rec}, "invalid_repair", kNow);
    rec.fault_found = "capacitor";
    rec.result = "";
    expectRefused(rules, c, RecordRepair{rec}, "invalid_repair", kNow);
    rec.result = "fixed";
    rec.parts = {PartUsed{"C-47", 0}};
    expectRefused(rules, c, RecordRepair{rec}, "invalid_repair", kNow);
    rec.parts = {PartUsed{"C-47", 1}};
    expectApplied(rules, c, RecordRepair{rec}, kNow + 1h);
    BOOST_REQUIRE_EQUAL(c.repairs.size(), 1u);
    BOOST_TEST(c.repairs[0].engineer == "alice");  // the caller, "agent:" stripped
    BOOST_TEST(c.repairs[0].at == kNow + 1h);
    BOOST_TEST(c.history.back().what == "repair");
    BOOST_TEST(c.history.back().detail == "fixed: capacitor");
    rec.engineer = "Wang";
    expectApplied(rules, c, RecordRepair{rec}, kNow);
    BOOST_TEST(c.repairs[1].engineer == "Wang");
    rec.engineer.clear();
    applyCase(rules, c, RecordRepair{rec}, "rule:auto", kNow);
    BOOST_TEST(c.repairs[2].engineer == "rule:auto");
}

BOOST_AUTO_TEST_CASE(a_repair_schedules_its_satisfaction_call) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    c.stage = "in_repair";
    const TimePoint t0 = kNow + 1h;
    auto r = expectApplied(rules, c, MoveStage{"repaired", "", ""}, t0);
    BOOST_REQUIRE_EQUAL(r.effects.customer.size(), 1u);
    BOOST_TEST(r.effects.customer[0].template_id == "case_repaired");
    BOOST_REQUIRE_EQUAL(c.follow_ups.size(), 1u);
    const FollowUp& f = c.follow_ups[0];
    BOOST_TEST(f.id == 1);
    BOOST_TEST(f.policy == "repair_satisfaction");
    BOOST_TEST(f.kind == "voice");
    BOOST_TEST(f.queue == "general");
    BOOST_TEST(f.priority == 3);
    BOOST_TEST(f.due_at == t0 + 2h);
    BOOST_TEST(f.attempt == 1);
    BOOST_TEST(f.status == "scheduled");
    BOOST_TEST(dueFollowUps(c, t0 + 2h - 1s).empty());
    BOOST_TEST(dueFollowUps(c, t0 + 2h) == std::vector<int>{1});
    BOOST_TEST(nextCaseWakeup(c).value_or(TimePoint{}) == t0 + 2h);

    expectRefused(rules, c, FollowUpOffered{5, 300}, "unknown_follow_up", t0);
    expectApplied(rules, c, FollowUpOffered{1, 300}, t0 + 2h);
    BOOST_TEST(c.follow_ups[0].status == "offered");
    BOOST_TEST(c.follow_ups[0].conversation_id == 300);
    BOOST_TEST(dueFollowUps(c, t0 + 3h).empty());
    BOOST_TEST(!nextCaseWakeup(c).has_value());
    // No second follow-up of a policy while one is pending.
    const auto history = c.history.size();
    expectApplied(rules, c, CaseTrigger{"stage:repaired"}, t0 + 2h);
    BOOST_TEST(c.follow_ups.size() == 1u);
    BOOST_TEST(c.history.size() == history);
}

BOOST_AUTO_TEST_CASE(not_reached_is_tried_again_up_to_max_attempts) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    c.stage = "in_repair";
    expectApplied(rules, c, MoveStage{"repaired", "", ""}, kNow);
    const TimePoint t1 = kNow + 3h;
    expectApplied(rules, c, answer(1, "not_reached"), t1);
    BOOST_REQUIRE_EQUAL(c.follow_ups.size(), 2u);
    BOOST_TEST(c.follow_ups[0].status == "done");
    BOOST_TEST(c.follow_ups[0].outcome == "not_reached");
    BOOST_TEST(c.follow_ups[0].by == "agent:alice");
    BOOST_TEST((c.follow_ups[0].done_at && *c.follow_ups[0].done_at == t1));
    const FollowUp& retry = c.follow_ups[1];
    BOOST_TEST(retry.id == 2);
    BOOST_TEST(retry.policy == "repair_satisfaction");
    BOOST_TEST(retry.attempt == 2);
    BOOST_TEST(retry.status == "scheduled");
    BOOST_TEST(retry.due_at == t1 + 4h);  // retry_after's default
    BOOST_TEST(retry.kind == "voice");
    BOOST_TEST(c.history.back().what == "follow_up");
    BOOST_TEST(c.history.back().detail ==
               "repair_satisfaction #1: not_reached; attempt 2 at 2026-12-03T16:00:00Z");

    expectApplied(rules, c, answer(2, "not_reached"), t1 + 4h);
    BOOST_REQUIRE_EQUAL(c.follow_ups.size(), 3u);
    BOOST_TEST(c.follow_ups[2].attempt == 3);
    expectApplied(rules, c, answer(3, "not_reached"), t1 + 8h);
    BOOST_TEST(c.follow_ups.size() == 3u);  // three attempts in all
    BOOST_TEST(c.follow_ups[2].status == "done");
    BOOST_TEST(c.history.back().detail == "repair_satisfaction #3: not_reached; no more attempts");
    BOOST_TEST(!nextCaseWakeup(c).has_value());
    expectRefused(rules, c, answer(3, "reached"), "follow_up_done", t1 + 9h);
}

BOOST_AUTO_TEST_CASE(follow_up_outcomes) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    c.stage = "in_repair";
    expectApplied(rules, c, MoveStage{"repaired", "", ""}, kNow);
    auto other = c;
    auto angry = c;
    expectRefused(rules, c, answer(1, "happy"), "invalid_outcome", kNow);
    expectRefused(rules, c, answer(9, "reached"), "unknown_follow_up", kNow);
    expectRefused(rules, c, answer(1, "satisfied"), "rating_required", kNow);
    expectRefused(rules, c, answer(1, "satisfied", 6), "rating_required", kNow);
    auto r = expectApplied(rules, c, answer(1, "satisfied", 2, "slow"), kNow + 3h);
    BOOST_TEST(c.follow_ups[0].rating.value_or(0) == 2);
    BOOST_TEST(c.follow_ups[0].note == "slow");
    BOOST_TEST(c.history.back().detail == "repair_satisfaction #1: satisfied (rating 2)");
    BOOST_REQUIRE_EQUAL(r.effects.supervisors.size(), 1u);
    BOOST_TEST(r.effects.supervisors[0].first == "low_rating");
    BOOST_TEST(r.effects.supervisors[0].second ==
               "case 7: follow-up repair_satisfaction rated 2: slow");
    BOOST_TEST(!r.effects.open_complaint);

    r = expectApplied(rules, other, answer(1, "satisfied", 5), kNow + 3h);
    BOOST_TEST(r.effects.supervisors.empty());
    BOOST_TEST(other.follow_ups[0].outcome == "satisfied");

    r = expectApplied(rules, angry, answer(1, "complaint", {}, "wants a refund"), kNow + 3h);
    BOOST_TEST(r.effects.open_complaint);
    BOOST_TEST(angry.follow_ups[0].outcome == "complaint");
    BOOST_TEST(angry.follow_ups.size() == 1u);
}

BOOST_AUTO_TEST_CASE(guidance_is_checked_after_a_resolution) {
    auto c = openedCase(rules, "technical_support", kInWarranty, kNow);
    auto r = expectApplied(rules, c, CaseTrigger{"resolved:guidance"}, kNow);
    BOOST_REQUIRE_EQUAL(c.follow_ups.size(), 1u);
    BOOST_TEST(c.follow_ups[0].policy == "guidance_check");
    BOOST_TEST(c.follow_ups[0].kind == "voice");
    BOOST_TEST(c.follow_ups[0].due_at == kNow + 2h);
    BOOST_TEST(c.history.back().what == "follow_up_scheduled");
    BOOST_TEST(c.history.back().detail == "resolved:guidance: guidance_check");
    const auto history = c.history.size();
    expectApplied(rules, c, CaseTrigger{"resolved:guidance"}, kNow + 1min);
    expectApplied(rules, c, CaseTrigger{"resolved:fixed"}, kNow + 1min);
    BOOST_TEST(c.follow_ups.size() == 1u);
    BOOST_TEST(c.history.size() == history);
    BOOST_TEST(c.updated_at == kNow);
    expectApplied(rules, c, answer(1, "reached"), kNow + 2h);
    BOOST_TEST(c.follow_ups[0].status == "done");
}

BOOST_AUTO_TEST_CASE(closure_is_checked_for_the_listed_types_only) {
    auto repair = openedCase(rules, "repair", kInWarranty, kNow);
    repair.stage = "repaired";
    expectApplied(rules, repair, MoveStage{"closed", "", ""}, kNow);
    BOOST_REQUIRE_EQUAL(repair.follow_ups.size(), 1u);
    BOOST_TEST(repair.follow_ups[0].policy == "closure_check");
    BOOST_TEST(repair.follow_ups[0].kind == "messaging");
    BOOST_TEST(repair.follow_ups[0].due_at == kNow + 24h);
    // A closed case still takes its follow-up's outcome.
    expectApplied(rules, repair, answer(1, "reached"), kNow + 25h);

    auto support = openedCase(rules, "technical_support", kInWarranty, kNow);
    support.stage = "plan_proposed";
    expectApplied(rules, support, MoveStage{"closed", "", ""}, kNow);
    BOOST_TEST(support.follow_ups.empty());
}

BOOST_AUTO_TEST_CASE(the_next_wakeup_is_the_earliest_pending_time) {
    // (guidance_check applies to technical_support cases.)
    auto c = openedCase(rules, "technical_support", kInWarranty, kNow);
    BOOST_TEST(!nextCaseWakeup(c).has_value());
    expectApplied(rules, c, CaseTrigger{"resolved:guidance"}, kNow);  // due kNow + 2h
    BOOST_TEST(nextCaseWakeup(c).value_or(TimePoint{}) == kNow + 2h);
    c.stage = "plan_proposed";
    expectApplied(rules, c, MoveStage{"awaiting_customer", "", ""}, kNow);  // due kNow + 24h
    BOOST_TEST(nextCaseWakeup(c).value_or(TimePoint{}) == kNow + 2h);
    c.clock->warn_at = kNow + 30min;
    c.clock->due_at = kNow + 1h;
    BOOST_TEST(nextCaseWakeup(c).value_or(TimePoint{}) == kNow + 30min);
    c.clock->warned = true;
    BOOST_TEST(nextCaseWakeup(c).value_or(TimePoint{}) == kNow + 1h);
    c.clock->breached = true;
    BOOST_TEST(nextCaseWakeup(c).value_or(TimePoint{}) == kNow + 2h);
}

BOOST_AUTO_TEST_CASE(a_closed_case_takes_no_new_work) {
    auto c = openedCase(rules, "repair", kOutOfWarranty, kNow);
    c.stage = "cancelled";
    expectRefused(rules, c, compressorQuote(), "case_closed", kNow);
    expectRefused(rules, c, visitSlot(), "case_closed", kNow);
}

BOOST_AUTO_TEST_SUITE_END()
