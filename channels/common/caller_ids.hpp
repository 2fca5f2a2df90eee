#pragma once
// The outbound caller-id table the phone-system kinds share (`outbound_caller_ids`,
// `default_caller_id`): which of the company's numbers a call to a customer shows.

#include <string>
#include <vector>

namespace ccd::config {
class NodeRef;
}

namespace ccd::channels {

/// One row of the outbound caller-id table: `dest` an exact number or a prefix ending in `*`.
struct CallerIdRule {
    std::string dest;
    std::string caller_id;
};

/// The caller id for an outbound call to `number`: an exact `dest` first, then the longest
/// matching prefix, else `fallback` (empty when none). Digits are compared, with and without
/// the country code of the E.164 form (`region` for numbers without one).
std::string callerIdFor(const std::vector<CallerIdRule>& rules, const std::string& fallback,
                        const std::string& number, const std::string& region);

/// Reads `outbound_caller_ids` (a list of {dest, caller_id}) into `rules` and
/// `default_caller_id` into `fallback`, from the instance's item. Problems are recorded on the
/// document (file, line, column).
void readCallerIds(const config::NodeRef& item, std::vector<CallerIdRule>& rules,
                   std::string& fallback);

}  // namespace ccd::channels
