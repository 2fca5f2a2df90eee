#pragma once
// Phone numbers as the phone system sends them ("+86 138 0013 8000", "013800138000",
// "sip:+8613800138000@pbx"), normalized to E.164 with libphonenumber: the one form a caller is
// known by, whatever the dialect, so that a call finds the caller's contact.

#include <optional>
#include <string>
#include <string_view>

namespace ccd::channels {

/// The E.164 form ("+8613800138000") of `raw`, read as dialled in `region` (ISO 3166 alpha-2,
/// "CN") when it has no country code. A `sip:`/`tel:` URI's user part is read. nullopt when
/// it is not a possible number (an internal extension, "anonymous", garbage).
/// Thread safety: may be called from any thread.
std::optional<std::string> toE164(std::string_view raw, std::string_view region);

/// Whether `region` is a region libphonenumber knows ("CN", "US", "HK").
bool knownPhoneRegion(std::string_view region);

}  // namespace ccd::channels
