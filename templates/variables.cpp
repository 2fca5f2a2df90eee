#include "templates/variables.hpp"

namespace ccd::templates {

std::string_view toString(VarType type) {
    switch (type) {
        case VarType::String: return "string";
        case VarType::Number: return "number";
        case VarType::Minutes: return "minutes";
        case VarType::Time: return "time";
    }
    return "string";
}

const std::vector<VariableSpec>& contextVariables() {
    static const std::vector<VariableSpec> vars = {
        {"contact_name", VarType::String, "the customer's name as the channel gives it"},
        {"contact_tier", VarType::String, "the customer's tier: standard, vip, ..."},
        {"ticket", VarType::String, "the ticket number of the conversation, e.g. 10428"},
        {"category", VarType::String,
         "fault, quality, usage, return, billing, complaint or delivery"},
        {"priority", VarType::String, "the priority tier, e.g. p1 ... p4"},
        {"channel", VarType::String, "api, email, webchat, telegram, whatsapp or voice"},
        {"first_response_due", VarType::Time, "when the first human response is due (SLA)"},
        {"plan_due", VarType::Time, "when a solution plan is due (SLA)"},
        {"queue_position", VarType::Number, "place in the queue, 1 = next"},
        {"estimated_wait_minutes", VarType::Minutes, "estimated wait in minutes"},
        {"agent_name", VarType::String, "the agent who joined the conversation"},
        {"next_opening", VarType::Time, "when the service opens next (business hours)"},
        {"survey_link", VarType::String, "link to the satisfaction survey"},
        {"company_name", VarType::String, "the company's name as customers know it"},
        {"transcript", VarType::String,
         "a web chat's messages as text, one block per message (time, author, text)"},
        {"case_id", VarType::String, "the service case number, e.g. 3107"},
        {"case_type", VarType::String,
         "repair, replacement, return, technical_support, complaint or consultation"},
        {"case_stage", VarType::String, "the service case's stage, e.g. in_repair"},
        {"visit_start", VarType::Time, "when an engineer visit's time slot starts"},
        {"visit_end", VarType::Time, "when an engineer visit's time slot ends"},
        {"engineer", VarType::String, "the name of the engineer who visits"},
        {"visit_address", VarType::String, "where the engineer visits"},
        {"change_reason", VarType::String, "why an engineer visit was moved"},
        {"quote_total", VarType::String,
         "an out-of-warranty quote's total, e.g. 380.00 (without the currency)"},
        {"currency", VarType::String, "the quote's currency code, e.g. CNY"},
        {"warranty_until", VarType::String,
         "the last day of the product's warranty, YYYY-MM-DD (inclusive)"},
        {"in_warranty", VarType::String,
         "the service case's warranty decision: yes, no or unknown (for a select)"},
    };
    return vars;
}

const VariableSpec* findVariable(std::string_view name) {
    for (const auto& v : contextVariables())
        if (v.name == name) return &v;
    return nullptr;
}

}  // namespace ccd::templates
