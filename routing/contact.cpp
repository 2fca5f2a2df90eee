#include "routing/contact.hpp"

#include <ctime>

namespace ccd::routing {
namespace {

// "YYYY-MM-DD" of `t` in UTC; such strings compare in date order.
std::string utcDate(TimePoint t) {
    std::time_t secs = Clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];  // room for any int, so that the compiler sees nothing cut
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return buf;
}

}  // namespace

bool inWarranty(const Product& product, TimePoint now) {
    if (!product.warranty_until) return false;
    const std::string today = utcDate(now);
    if (product.purchased_on && *product.purchased_on > today) return false;
    return today <= *product.warranty_until;
}

bool anyInWarranty(const ContactProfile& contact, TimePoint now) {
    for (const auto& p : contact.products) {
        if (inWarranty(p, now)) return true;
    }
    return false;
}

}  // namespace ccd::routing
