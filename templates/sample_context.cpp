#include "templates/sample_context.hpp"

#include "templates/variables.hpp"

namespace ccd::templates {

Vars sampleContext(routing::TimePoint now) {
    using namespace std::chrono;
    auto day = floor<hours>(now) - hours(floor<hours>(now).time_since_epoch().count() % 24);
    Vars v;
    v["contact_name"] = std::string("Lin Wei");
    v["contact_tier"] = std::string("vip");
    v["ticket"] = std::string("10428");
    v["category"] = std::string("fault");
    v["priority"] = std::string("p2");
    v["channel"] = std::string("webchat");
    v["first_response_due"] = now + minutes(30);
    v["plan_due"] = now + hours(2);
    v["queue_position"] = std::int64_t{3};
    v["estimated_wait_minutes"] = std::int64_t{12};
    v["agent_name"] = std::string("Mei");
    v["next_opening"] = day + hours(24 + 9);
    v["survey_link"] = std::string("https://support.example.com/s/10428");
    v["company_name"] = std::string("Acme");
    v["transcript"] = std::string(
        "2026-12-02 19:40  Lin Wei\nMy printer jams on every page.\n\n"
        "2026-12-02 19:41  Mei\nSorry to hear that: is the paper tray locked in place?\n");
    v["case_id"] = std::string("3107");
    v["case_type"] = std::string("repair");
    v["case_stage"] = std::string("in_repair");
    v["visit_start"] = day + hours(24 + 14);
    v["visit_end"] = day + hours(24 + 16);
    v["engineer"] = std::string("Zhang Qiang");
    v["visit_address"] = std::string("Room 1203, 88 Jianguo Road, Chaoyang District, Beijing");
    v["change_reason"] = std::string("the replacement part arrives a day later than planned");
    v["quote_total"] = std::string("380.00");
    v["currency"] = std::string("CNY");
    v["warranty_until"] = std::string("2026-06-30");
    v["in_warranty"] = std::string("no");
    return v;
}

Vars placeholderContext(routing::TimePoint now) {
    Vars v = sampleContext(now);
    for (const auto& spec : contextVariables())
        if (spec.type == VarType::String)
            v[std::string(spec.name)] = "{" + std::string(spec.name) + "}";
    return v;
}

}  // namespace ccd::templates
