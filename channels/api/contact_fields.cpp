#include "channels/api/contact_fields.hpp"

#include <algorithm>
#include <cstdint>

namespace ccd::channels::api {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isAlnum(char c) { return isDigit(c) || isLower(c) || (c >= 'A' && c <= 'Z'); }

bool hasControl(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

int number(std::string_view digits) {
    int n = 0;
    for (char c : digits) n = n * 10 + (c - '0');
    return n;
}

}  // namespace

std::optional<std::string> checkKey(std::string_view key) {
    if (key.empty() || key.size() > kMaxKeyLength)
        return "must be 1 to " + std::to_string(kMaxKeyLength) + " characters";
    bool ok = std::all_of(key.begin(), key.end(), [](char c) {
        return isAlnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
    });
    if (!ok) return std::string("may hold only A-Z a-z 0-9 . _ : -");
    if (key.find_first_not_of('.') == std::string_view::npos)
        return std::string("must not be made of dots only (\".\", \"..\")");
    return std::nullopt;
}

std::optional<std::string> checkName(std::string_view name) {
    if (hasControl(name)) return std::string("must not contain control characters");
    return std::nullopt;
}

std::optional<std::string> normalizeEmail(std::string& email) {
    if (email.empty()) return std::string("must not be empty");
    if (email.size() > kMaxEmailLength)
        return "is longer than " + std::to_string(kMaxEmailLength) + " bytes";
    for (auto& c : email) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    auto at = email.find('@');
    bool ok = at != std::string::npos && at > 0 && email.find('@', at + 1) == std::string::npos &&
              !hasControl(email) && email.find(' ') == std::string::npos;
    if (ok) {
        std::string_view domain = std::string_view(email).substr(at + 1);
        auto dot = domain.find('.');
        ok = dot != std::string_view::npos && dot > 0 && domain.back() != '.' &&
             domain.find("..") == std::string_view::npos;
    }
    if (!ok) return std::string("is not an email address (local@domain.tld)");
    return std::nullopt;
}

std::optional<std::string> checkPhone(std::string_view phone) {
    bool ok = phone.size() >= 9 && phone.size() <= 16 && phone[0] == '+' && phone[1] != '0' &&
              std::all_of(phone.begin() + 1, phone.end(), isDigit);
    if (!ok) return std::string("must be E.164: + and 8 to 15 digits, no spaces (+14155550100)");
    return std::nullopt;
}

std::optional<std::string> checkTier(std::string_view tier) {
    bool ok = !tier.empty() && tier.size() <= kMaxTierLength && isLower(tier[0]) &&
              std::all_of(tier.begin(), tier.end(),
                          [](char c) { return isLower(c) || isDigit(c) || c == '_' || c == '-'; });
    if (!ok)
        return std::string(
            "must be a lower-case name: a-z first, then a-z 0-9 _ -, at most 32 (\"vip\")");
    return std::nullopt;
}

std::optional<std::string> checkLocale(std::string_view locale) {
    bool ok = locale.size() >= 2 && locale.size() <= 35 &&
              std::all_of(locale.begin(), locale.end(),
                          [](char c) { return isAlnum(c) || c == '-' || c == '_'; });
    if (!ok) return std::string("is not a language tag (\"en\", \"zh-Hans\")");
    return std::nullopt;
}

std::optional<std::string> checkDate(std::string_view date) {
    bool shape = date.size() == 10 && date[4] == '-' && date[7] == '-';
    for (std::size_t i = 0; shape && i < date.size(); ++i) {
        if (i != 4 && i != 7 && !isDigit(date[i])) shape = false;
    }
    if (!shape) return std::string("must be a date written YYYY-MM-DD");
    int year = number(date.substr(0, 4)), month = number(date.substr(5, 2));
    int day = number(date.substr(8, 2));
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1900 || month < 1 || month > 12 || day < 1 ||
        day > kDays[month - 1] + (month == 2 && leap ? 1 : 0))
        return "is not a real date (" + std::string(date) + ")";
    return std::nullopt;
}

std::optional<std::string> checkAttributeName(std::string_view name) {
    bool ok = !name.empty() && name.size() <= kMaxAttributeNameLength &&
              std::all_of(name.begin(), name.end(),
                          [](char c) { return isAlnum(c) || c == '.' || c == '_' || c == '-'; });
    if (!ok) return std::string("attribute names are 1 to 64 characters of A-Z a-z 0-9 . _ -");
    return std::nullopt;
}

bool isContactChannel(std::string_view channel) {
    return std::find(std::begin(kContactChannels), std::end(kContactChannels), channel) !=
           std::end(kContactChannels);
}

std::optional<std::string> normalizeAddress(std::string_view channel, std::string& address) {
    if (channel == "email") return normalizeEmail(address);
    if (channel == "voice") return checkPhone(address);
    if (address.empty()) return std::string("must not be empty");
    if (address.size() > kMaxAddressLength)
        return "is longer than " + std::to_string(kMaxAddressLength) + " bytes";
    if (hasControl(address)) return std::string("must not contain control characters");
    return std::nullopt;
}

std::optional<ProductProblem> checkProduct(const routing::Product& p) {
    if (p.sku.empty()) return ProductProblem{"sku", "must not be empty"};
    if (p.sku.size() > kMaxSkuLength || hasControl(p.sku))
        return ProductProblem{"sku", "must be 1 to 128 bytes without control characters"};
    if (p.name.size() > kMaxNameLength)
        return ProductProblem{"name", "is longer than " + std::to_string(kMaxNameLength) + " bytes"};
    if (p.serial && (p.serial->empty() || p.serial->size() > kMaxAddressLength))
        return ProductProblem{"serial", "must be 1 to 256 bytes"};
    if (p.purchased_on) {
        if (auto bad = checkDate(*p.purchased_on)) return ProductProblem{"purchased_on", *bad};
    }
    if (p.warranty_until) {
        if (auto bad = checkDate(*p.warranty_until)) return ProductProblem{"warranty_until", *bad};
        // YYYY-MM-DD strings compare in date order.
        if (p.purchased_on && *p.warranty_until < *p.purchased_on)
            return ProductProblem{"warranty_until", "is before purchased_on (" +
                                                        *p.warranty_until + " < " +
                                                        *p.purchased_on + ")"};
    }
    return std::nullopt;
}

}  // namespace ccd::channels::api
