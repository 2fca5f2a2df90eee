#include "channels/common/phone_number.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <set>

namespace ccd::channels {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// "sip:+861380...@pbx;user=phone" and "tel:+86-138..." carry the number as their user part.
std::string_view userPart(std::string_view raw) {
    for (std::string_view scheme : {"sip:", "sips:", "tel:"}) {
        if (raw.size() > scheme.size() && raw.substr(0, scheme.size()) == scheme) {
            raw.remove_prefix(scheme.size());
            break;
        }
    }
    auto end = raw.find_first_of("@;");
    return end == std::string_view::npos ? raw : raw.substr(0, end);
}

}  // namespace

std::optional<std::string> toE164(std::string_view raw, std::string_view region) {
    std::string_view number = userPart(raw);
    // libphonenumber reads at most 250 characters and letters as keypad digits ("1-800-FLOWERS");
    // a caller id with letters is a name or "anonymous", not a number.
    if (number.empty() || number.size() > 64) return std::nullopt;
    for (char c : number) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return std::nullopt;
    }
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    PhoneNumber parsed;
    if (util.Parse(std::string(number), std::string(region), &parsed) != PhoneNumberUtil::NO_PARSING_ERROR)
        return std::nullopt;
    if (!util.IsPossibleNumber(parsed)) return std::nullopt;
    // Phone systems (Zammad's examples among them) often send international numbers without
    // the '+' ("493023125741"): when the number is not a valid one of the region but is valid
    // read as international, it is that.
    if (number.front() != '+' && number.front() != '0' && !util.IsValidNumber(parsed)) {
        PhoneNumber international;
        if (util.Parse("+" + std::string(number), "ZZ", &international) ==
                PhoneNumberUtil::NO_PARSING_ERROR &&
            util.IsValidNumber(international))
            parsed = international;
    }
    std::string out;
    util.Format(parsed, PhoneNumberUtil::E164, &out);
    return out;
}

bool knownPhoneRegion(std::string_view region) {
    std::set<std::string> regions;
    PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
    return regions.count(std::string(region)) > 0;
}

}  // namespace ccd::channels
