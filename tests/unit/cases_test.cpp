// Service cases on the shipped routing.yaml: opening, stage moves, warranty, repeats,
// complaints and stage clocks. Quotes, visits, repairs and follow-ups: cases_work_test.cpp.
#include "routing/cases/service_case.hpp"

#define BOOST_TEST_MODULE cases_test
#include <algorithm>
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

const TimePoint kNow = utc(2026, 12, 3, 9, 0);                 // a Thursday
const Product kInWarranty = product("AC-2000", "2026-06-01");  // until 2027-05-31
const Product kOutOfWarranty = product("AC-2000", "2020-01-10");

Product until(const std::string& date, std::optional<std::string> purchased = std::nullopt) {
    Product p;
    p.sku = "TV-55";
    p.warranty_until = date;
    p.purchased_on = std::move(purchased);
    return p;
}

CaseRef earlier(std::int64_t id, const std::string& sku, TimePoint opened,
                std::optional<std::string> serial = std::nullopt) {
    CaseRef r;
    r.id = id;
    r.type = "repair";
    r.product_sku = sku;
    r.product_serial = std::move(serial);
    r.opened_at = opened;
    return r;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(service_cases, ShippedCases)

BOOST_AUTO_TEST_CASE(a_case_opens_in_the_first_stage_with_its_history) {
    CaseOutcome r;
    auto c = openedCase(rules, "repair", kInWarranty, kNow, &r);
    BOOST_TEST(c.type == "repair");
    BOOST_TEST(c.stage == "registered");
    BOOST_TEST(c.contact_id == 9);
    BOOST_TEST(c.channel == "support-bot");
    BOOST_TEST(c.conversations == std::vector<std::int64_t>{100});
    BOOST_TEST(c.owner == "alice");
    BOOST_TEST(c.description == "It does not start");
    BOOST_TEST(c.warranty.in_warranty);
    BOOST_TEST(c.warranty.basis == "purchase_date");
    BOOST_TEST(c.warranty.until.value_or("") == "2027-05-31");
    BOOST_TEST(!c.repeat_of.has_value());
    BOOST_TEST(!c.clock.has_value());
    BOOST_TEST(c.follow_ups.empty());
    BOOST_TEST((c.opened_at == kNow && c.updated_at == kNow && !c.closed_at));
    BOOST_REQUIRE_EQUAL(c.history.size(), 1u);
    BOOST_TEST(c.history[0].by == "agent:alice");
    BOOST_TEST(c.history[0].what == "opened");
    BOOST_TEST(c.history[0].detail == "repair, in warranty until 2027-05-31");
    BOOST_TEST(r.effects.customer.empty());
    BOOST_TEST(r.effects.supervisors.empty());
    BOOST_TEST(!r.effects.open_complaint);

    auto out_of = openedCase(rules, "repair", kOutOfWarranty, kNow);
    BOOST_TEST(out_of.history[0].detail == "repair, out of warranty");
    auto unknown = openedCase(rules, "consultation", Product{"X-1", "X", {}, {}, {}}, kNow);
    BOOST_TEST(unknown.history[0].detail == "consultation, warranty unknown");
    auto no_product = openedCase(rules, "consultation", std::nullopt, kNow);
    BOOST_TEST(no_product.history[0].detail == "consultation");
    BOOST_TEST(no_product.warranty.basis == "unknown");
}

BOOST_AUTO_TEST_CASE(an_unknown_type_opens_nothing) {
    CaseOpening o;
    o.type = "warranty_claim";
    ServiceCase out;
    out.id = 42;
    out.type = "before";
    auto r = openCase(rules, o, kNow, out);
    BOOST_TEST(r.error == "unknown_type");
    BOOST_TEST(r.reason.find("repair, replacement, return, technical_support, complaint, "
                             "consultation") != std::string::npos,
               r.reason);
    BOOST_TEST(out.id == 42);
    BOOST_TEST(out.type == "before");
    BOOST_TEST(out.history.empty());
}

BOOST_AUTO_TEST_CASE(every_shipped_transition_is_allowed) {
    std::string seen;
    int moves = 0;
    for (const auto& from : cfg->cases.stages) {
        for (const auto& to : from.next) {
            auto c = openedCase(rules, "repair", kInWarranty, kNow);
            c.stage = from.name;
            auto r = expectApplied(rules, c, MoveStage{to, "", ""}, kNow + 1min);
            BOOST_TEST(c.stage == to);
            BOOST_TEST(c.history.back().what == "stage");
            BOOST_TEST(c.history.back().detail == from.name + " -> " + to);
            BOOST_TEST(c.updated_at == kNow + 1min);
            BOOST_TEST(c.closed_at.has_value() == cfg->cases.stage(to)->terminal);
            seen += from.name + ">" + to + " ";
            ++moves;
        }
    }
    BOOST_TEST(moves == 18);
    BOOST_TEST(seen ==
               "registered>diagnosing registered>cancelled diagnosing>plan_proposed "
               "diagnosing>cancelled plan_proposed>awaiting_customer plan_proposed>in_repair "
               "plan_proposed>closed plan_proposed>cancelled awaiting_customer>in_repair "
               "awaiting_customer>plan_proposed awaiting_customer>closed "
               "awaiting_customer>cancelled in_repair>repaired in_repair>plan_proposed "
               "in_repair>cancelled repaired>followed_up repaired>closed followed_up>closed ");
}

BOOST_AUTO_TEST_CASE(a_move_outside_next_is_refused_from_every_stage) {
    for (const auto& from : cfg->cases.stages) {
        auto c = openedCase(rules, "repair", kInWarranty, kNow);
        c.stage = from.name;
        if (from.terminal) {
            BOOST_TEST_CONTEXT(from.name) {
                expectRefused(rules, c, MoveStage{"diagnosing", "", ""}, "case_closed", kNow);
            }
            continue;
        }
        auto other =
            std::find_if(cfg->cases.stages.begin(), cfg->cases.stages.end(), [&](const auto& s) {
                return s.name != from.name &&
                       std::find(from.next.begin(), from.next.end(), s.name) == from.next.end();
            });
        BOOST_REQUIRE(other != cfg->cases.stages.end());
        BOOST_TEST_CONTEXT(from.name << " -> " << other->name) {
            expectRefused(rules, c, MoveStage{other->name, "", ""}, "invalid_transition", kNow);
        }
    }
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    auto r = applyCase(rules, c, MoveStage{"repaired", "", ""}, "agent:alice", kNow);
    BOOST_TEST(r.reason == "from registered a case moves to: diagnosing, cancelled");
    expectRefused(rules, c, MoveStage{"fixed", "", ""}, "unknown_stage", kNow);
}

BOOST_AUTO_TEST_CASE(a_move_keeps_its_note) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    expectApplied(rules, c, MoveStage{"diagnosing", "remote check first", ""}, kNow);
    BOOST_TEST(c.history.back().detail == "registered -> diagnosing: remote check first");
    BOOST_TEST(c.history.back().by == "agent:alice");
}

BOOST_AUTO_TEST_CASE(warranty_until_is_inclusive_on_its_last_day) {
    const auto& cases = cfg->cases;
    auto last = decideWarranty(cases, until("2026-12-02"), utc(2026, 12, 2, 23, 59, 59));
    BOOST_TEST(last.in_warranty);
    BOOST_TEST(last.basis == "warranty_until");
    BOOST_TEST(last.until.value_or("") == "2026-12-02");
    auto after = decideWarranty(cases, until("2026-12-02"), utc(2026, 12, 3));
    BOOST_TEST(!after.in_warranty);
    BOOST_TEST(after.until.value_or("") == "2026-12-02");
    // Bought after today (a date typed wrong): not in warranty yet.
    BOOST_TEST(!decideWarranty(cases, until("2027-12-31", "2026-12-10"), kNow).in_warranty);
    BOOST_TEST(decideWarranty(cases, until("2027-12-31", "2026-12-03"), kNow).in_warranty);
}

BOOST_AUTO_TEST_CASE(warranty_from_the_purchase_date_counts_calendar_months) {
    auto cases = cfg->cases;
    auto d = decideWarranty(cases, product("AC-2000", "2025-12-03"), utc(2026, 12, 2, 23, 59));
    BOOST_TEST(d.basis == "purchase_date");
    BOOST_TEST(d.until.value_or("") == "2026-12-02");
    BOOST_TEST(d.in_warranty);
    BOOST_TEST(
        !decideWarranty(cases, product("AC-2000", "2025-12-03"), utc(2026, 12, 3)).in_warranty);

    cases.warranty_months_by_sku["PHONE-1"] = 1;
    cases.warranty_months_by_sku["AC-2000"] = 24;
    // 2024-01-31 + 1 month = 2024-02-29 (leap year, day clamped), - 1 day.
    auto leap = decideWarranty(cases, product("PHONE-1", "2024-01-31"), utc(2024, 2, 28, 12));
    BOOST_TEST(leap.until.value_or("") == "2024-02-28");
    BOOST_TEST(leap.in_warranty);
    BOOST_TEST(
        !decideWarranty(cases, product("PHONE-1", "2024-01-31"), utc(2024, 2, 29)).in_warranty);
    auto plain = decideWarranty(cases, product("PHONE-1", "2023-01-31"), utc(2023, 2, 1));
    BOOST_TEST(plain.until.value_or("") == "2023-02-27");
    auto by_sku = decideWarranty(cases, product("AC-2000", "2024-02-29"), utc(2026, 2, 27));
    BOOST_TEST(by_sku.until.value_or("") == "2026-02-27");
    BOOST_TEST(by_sku.in_warranty);
    // Other SKUs keep the default 12 months.
    auto other = decideWarranty(cases, product("TV-55", "2024-02-29"), kNow);
    BOOST_TEST(other.until.value_or("") == "2025-02-27");
    BOOST_TEST(!other.in_warranty);
}

BOOST_AUTO_TEST_CASE(warranty_without_dates_is_unknown) {
    Product p;
    p.sku = "TV-55";
    auto d = decideWarranty(cfg->cases, p, kNow);
    BOOST_TEST(!d.in_warranty);
    BOOST_TEST(d.basis == "unknown");
    BOOST_TEST(!d.until.has_value());
    p.purchased_on = "2026-13-01";  // malformed: nothing to count from
    BOOST_TEST(decideWarranty(cfg->cases, p, kNow).basis == "unknown");
}

BOOST_AUTO_TEST_CASE(a_repeat_is_the_latest_case_of_the_product_in_the_window) {
    const auto& cases = cfg->cases;
    std::optional<Product> ac = product("AC-2000", "2026-06-01", std::string("S1"));
    std::vector<CaseRef> refs{
        earlier(3, "AC-2000", kNow - 24h * 10), earlier(5, "AC-2000", kNow - 24h * 5),
        earlier(6, "TV-55", kNow - 24h), earlier(8, "AC-2000", kNow - 24h * 91)};
    BOOST_TEST(findRepeat(cases, refs, ac, kNow).value_or(0) == 5);
    // Another unit of the same model is not a repeat.
    refs[1].product_serial = "S2";
    BOOST_TEST(findRepeat(cases, refs, ac, kNow).value_or(0) == 3);
    // Outside the 90-day window; on its last instant.
    BOOST_TEST(!findRepeat(cases, {earlier(8, "AC-2000", kNow - 24h * 91)}, ac, kNow));
    BOOST_TEST(findRepeat(cases, {earlier(9, "AC-2000", kNow - 24h * 90)}, ac, kNow).value_or(0) ==
               9);
    BOOST_TEST(!findRepeat(cases, {earlier(6, "TV-55", kNow - 24h)}, ac, kNow));
    BOOST_TEST(!findRepeat(cases, refs, std::nullopt, kNow));

    CaseOpening o;
    o.type = "repair";
    o.product = kInWarranty;
    o.by = "rule:vip-repair";
    o.earlier = {earlier(5, "AC-2000", kNow - 24h * 5)};
    ServiceCase c;
    auto r = openCase(rules, o, kNow, c);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(c.repeat_of.value_or(0) == 5);
    BOOST_TEST(c.owner.empty());
    BOOST_TEST(c.history[0].detail == "repair, repeat of case 5, in warranty until 2027-05-31");
    BOOST_TEST(r.effects.supervisors.empty());  // a repeat is flagged, not announced
}

BOOST_AUTO_TEST_CASE(a_complaint_is_announced_and_closed_with_a_summary) {
    CaseOutcome opened;
    auto c = openedCase(rules, "complaint", std::nullopt, kNow, &opened);
    BOOST_TEST(c.owner == "sam");  // the type's complaint handler, not the agent who opened it
    BOOST_REQUIRE_EQUAL(opened.effects.supervisors.size(), 1u);
    BOOST_TEST(opened.effects.supervisors[0].first == "complaint_opened");
    BOOST_TEST(opened.effects.supervisors[0].second ==
               "complaint opened (Complaint), owner sam: It does not start");

    expectApplied(rules, c, MoveStage{"diagnosing", "", ""}, kNow);
    expectApplied(rules, c, MoveStage{"plan_proposed", "", ""}, kNow);
    expectRefused(rules, c, MoveStage{"closed", "", ""}, "summary_required", kNow);
    auto cancelled = c;
    expectRefused(rules, cancelled, MoveStage{"cancelled", "", ""}, "summary_required", kNow);
    auto r = expectApplied(rules, c, MoveStage{"closed", "", "Apologised, engineer retrained"},
                           kNow + 1h);
    BOOST_TEST(c.stage == "closed");
    BOOST_TEST(c.summary == "Apologised, engineer retrained");
    BOOST_TEST((c.closed_at && *c.closed_at == kNow + 1h));
    BOOST_TEST(r.effects.supervisors.empty());
    BOOST_REQUIRE_EQUAL(c.follow_ups.size(), 1u);
    BOOST_TEST(c.follow_ups[0].policy == "closure_check");
    expectRefused(rules, c, MoveStage{"registered", "", ""}, "case_closed", kNow + 2h);

    // Other types close without a summary.
    auto repair = openedCase(rules, "repair", kInWarranty, kNow);
    repair.stage = "plan_proposed";
    expectApplied(rules, repair, MoveStage{"closed", "", ""}, kNow);
    BOOST_TEST(repair.summary.empty());
}

BOOST_AUTO_TEST_CASE(a_stage_clock_counts_office_hours_warns_and_breaches_once) {
    // Friday 17:00 in Shanghai: one office hour left today, the second on Saturday from 10:00.
    const TimePoint friday = utc(2026, 12, 4, 9, 0);
    auto c = openedCase(rules, "repair", kInWarranty, friday);
    expectApplied(rules, c, MoveStage{"diagnosing", "", ""}, friday);
    BOOST_REQUIRE(c.clock.has_value());
    BOOST_TEST(c.clock->milestone == "plan");
    BOOST_TEST(c.clock->stage == "diagnosing");
    BOOST_TEST(c.clock->started_at == friday);
    const TimePoint due = utc(2026, 12, 5, 3, 0);
    // 80 % of two office hours: 96 minutes, 36 of them on Saturday morning.
    const TimePoint warn = utc(2026, 12, 5, 2, 36);
    BOOST_TEST(c.clock->due_at == due);
    BOOST_TEST(c.clock->warn_at == warn);
    BOOST_TEST(!c.clock->warned);
    BOOST_TEST(!c.clock->breached);
    BOOST_TEST(nextCaseWakeup(c).value_or(TimePoint{}) == warn);

    bool changed = true;
    auto r = tickCase(rules, c, warn - 1s, changed);
    BOOST_TEST(!changed);
    BOOST_TEST(r.effects.supervisors.empty());
    const std::size_t history = c.history.size();
    r = tickCase(rules, c, warn, changed);
    BOOST_TEST(changed);
    BOOST_TEST(c.clock->warned);
    BOOST_TEST(!c.clock->breached);
    BOOST_TEST(!r.effects.escalate);
    BOOST_REQUIRE_EQUAL(r.effects.supervisors.size(), 1u);
    BOOST_TEST(r.effects.supervisors[0].first == "case_sla_warning");
    BOOST_TEST(r.effects.supervisors[0].second ==
               "case 7: plan is due at 2026-12-05T03:00:00Z (stage diagnosing)");
    BOOST_TEST(c.history.back().what == "sla_warning");
    BOOST_TEST(nextCaseWakeup(c).value_or(TimePoint{}) == due);
    r = tickCase(rules, c, due - 1s, changed);  // warned once only
    BOOST_TEST(!changed);
    BOOST_TEST(r.effects.supervisors.empty());

    r = tickCase(rules, c, due, changed);
    BOOST_TEST(changed);
    BOOST_TEST(c.clock->breached);
    BOOST_TEST(r.effects.escalate);
    BOOST_REQUIRE_EQUAL(r.effects.supervisors.size(), 1u);
    BOOST_TEST(r.effects.supervisors[0].first == "case_sla_breach");
    BOOST_TEST(r.effects.supervisors[0].second ==
               "case 7: plan was due at 2026-12-05T03:00:00Z (stage diagnosing)");
    BOOST_TEST(c.history.size() == history + 2);
    BOOST_TEST(c.history.back().what == "sla_breach");
    BOOST_TEST(!nextCaseWakeup(c).has_value());
    r = tickCase(rules, c, due + 1h, changed);
    BOOST_TEST(!changed);
    BOOST_TEST(r.effects.supervisors.empty());
    BOOST_TEST(!r.effects.escalate);

    // Leaving the stage stops the clock; the next stage tells the customer.
    r = expectApplied(rules, c, MoveStage{"plan_proposed", "", ""}, due + 2h);
    BOOST_TEST(!c.clock.has_value());
    BOOST_REQUIRE_EQUAL(r.effects.customer.size(), 1u);
    BOOST_TEST(r.effects.customer[0].template_id == "case_plan_proposed");
    // Around the clock without a calendar.
    expectApplied(rules, c, MoveStage{"awaiting_customer", "", ""}, due + 3h);
    BOOST_REQUIRE(c.clock.has_value());
    BOOST_TEST(c.clock->milestone == "customer_update");
    BOOST_TEST(c.clock->due_at == due + 3h + 24h);
}

BOOST_AUTO_TEST_CASE(a_clock_found_breached_skips_its_warning_and_escalation_follows_the_policy) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    expectApplied(rules, c, MoveStage{"diagnosing", "", ""}, kNow);
    const TimePoint due = c.clock->due_at;
    // The daemon was down past the deadline: one breach, no late warning.
    bool changed = false;
    auto r = tickCase(rules, c, due + 10min, changed);
    BOOST_TEST(changed);
    BOOST_TEST(c.clock->warned);
    BOOST_TEST(c.clock->breached);
    BOOST_TEST(r.effects.escalate);
    BOOST_REQUIRE_EQUAL(r.effects.supervisors.size(), 1u);
    BOOST_TEST(r.effects.supervisors[0].first == "case_sla_breach");

    // `escalation: {notify_on_warning: false, notify_on_breach: false}`: recorded, not told.
    EscalationPolicy quiet;
    quiet.notify_on_warning = false;
    quiet.notify_on_breach = false;
    CaseRules hushed{&cfg->cases, &calendars, &quiet};
    auto d = openedCase(hushed, "repair", kInWarranty, kNow);
    expectApplied(hushed, d, MoveStage{"diagnosing", "", ""}, kNow);
    r = tickCase(hushed, d, d.clock->warn_at, changed);
    BOOST_TEST(changed);
    BOOST_TEST(r.effects.supervisors.empty());
    BOOST_TEST(d.history.back().what == "sla_warning");
    r = tickCase(hushed, d, d.clock->due_at, changed);
    BOOST_TEST(r.effects.supervisors.empty());
    BOOST_TEST(r.effects.escalate);  // the work is still escalated
}

BOOST_AUTO_TEST_CASE(without_compiled_calendars_a_clock_runs_around_the_clock) {
    CaseRules plain{&cfg->cases, nullptr, nullptr};
    const TimePoint friday = utc(2026, 12, 4, 9, 0);
    auto c = openedCase(plain, "repair", kInWarranty, friday);
    expectApplied(plain, c, MoveStage{"diagnosing", "", ""}, friday);
    BOOST_REQUIRE(c.clock.has_value());
    BOOST_TEST(c.clock->due_at == friday + 2h);
}

BOOST_AUTO_TEST_CASE(notes_owners_and_conversations) {
    auto c = openedCase(rules, "repair", kInWarranty, kNow);
    expectRefused(rules, c, AddNote{""}, "note_required", kNow);
    expectApplied(rules, c, AddNote{"customer prefers mornings"}, kNow + 1min);
    BOOST_TEST(c.history.back().what == "note");
    BOOST_TEST(c.history.back().detail == "customer prefers mornings");
    BOOST_TEST(c.updated_at == kNow + 1min);
    expectApplied(rules, c, SetOwner{"bob"}, kNow + 1min);
    BOOST_TEST(c.owner == "bob");
    BOOST_TEST(c.history.back().what == "owner");
    BOOST_TEST(c.history.back().detail == "bob");

    const auto before = c.history.size();
    expectApplied(rules, c, LinkConversation{100}, kNow + 2min);  // already linked
    BOOST_TEST(c.history.size() == before);
    BOOST_TEST(c.updated_at == kNow + 1min);
    expectApplied(rules, c, LinkConversation{101}, kNow + 2min);
    BOOST_TEST(c.conversations == (std::vector<std::int64_t>{100, 101}));
    BOOST_TEST(c.history.back().what == "conversation");
    expectRefused(rules, c, LinkConversation{0}, "invalid_conversation", kNow);
}

BOOST_AUTO_TEST_SUITE_END()
