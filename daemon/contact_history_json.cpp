#include "daemon/contact_history_json.hpp"

#include "daemon/json_time.hpp"

namespace ccd::daemon {
namespace {

using nlohmann::json;

template <class T>
json orNull(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

json timeOrNull(const std::optional<std::int64_t>& ms) {
    return ms ? json(formatRfc3339Millis(*ms)) : json(nullptr);
}

json conversationJson(const store::HistoryConversation& c) {
    return {{"id", c.id},
            {"channel", c.channel},
            {"channel_instance", c.channel_instance},
            {"status", c.status},
            {"created_at", formatRfc3339Millis(c.created_at_ms)},
            {"resolved_at", timeOrNull(c.resolved_at_ms)},
            {"closed_at", timeOrNull(c.closed_at_ms)},
            {"category", orNull(c.category)},
            {"subtype", orNull(c.subtype)},
            {"priority", orNull(c.priority)},
            {"agent", orNull(c.agent)},
            {"disposition", orNull(c.disposition)},
            {"rating", orNull(c.rating)},
            {"complaint", c.complaint},
            {"subject", orNull(c.subject)}};
}

json caseJson(const store::HistoryCase& c) {
    return {{"id", c.id},
            {"type", c.type},
            {"stage", c.stage},
            {"closed", c.closed},
            {"product_sku", c.product_sku.empty() ? json(nullptr) : json(c.product_sku)},
            {"in_warranty", c.in_warranty},
            {"repeat_of", orNull(c.repeat_of)},
            {"opened_at", formatRfc3339Millis(c.opened_at_ms)},
            {"updated_at", formatRfc3339Millis(c.updated_at_ms)}};
}

}  // namespace

json productsJson(const std::vector<routing::Product>& products, routing::TimePoint now) {
    json out = json::array();
    for (const auto& p : products) {
        out.push_back({{"sku", p.sku},
                       {"name", p.name.empty() ? json(nullptr) : json(p.name)},
                       {"serial", orNull(p.serial)},
                       {"purchased_on", orNull(p.purchased_on)},
                       {"warranty_until", orNull(p.warranty_until)},
                       {"in_warranty", routing::inWarranty(p, now)}});
    }
    return out;
}

json contactHistoryJson(const store::ContactHistory& h, routing::TimePoint now) {
    json conversations = json::array();
    for (const auto& c : h.conversations) conversations.push_back(conversationJson(c));
    json cases = json::array();
    for (const auto& c : h.cases) cases.push_back(caseJson(c));
    json average = nullptr;
    if (h.ratings > 0) {
        // One decimal: 4.3, not 4.333333333333333.
        auto tenths = (h.rating_sum * 10 + static_cast<std::int64_t>(h.ratings) / 2) /
                      static_cast<std::int64_t>(h.ratings);
        average = static_cast<double>(tenths) / 10.0;
    }
    bool any_in_warranty = false;
    for (const auto& p : h.products)
        any_in_warranty = any_in_warranty || routing::inWarranty(p, now);
    return {{"contact_id", h.contact_id},
            {"key", orNull(h.key)},
            {"summary",
             {{"conversations", h.conversations_total},
              {"listed", h.conversations.size()},
              {"complaints", h.complaints},
              {"ratings", h.ratings},
              {"average_rating", average},
              {"cases", h.cases_total},
              {"open_cases", h.open_cases}}},
            {"conversations", std::move(conversations)},
            {"products", productsJson(h.products, now)},
            {"in_warranty", any_in_warranty},
            {"cases", std::move(cases)}};
}

}  // namespace ccd::daemon
