// Fuzz target: the report name and query string of GET /v1/reports/{report}?... (from a
// supervisor's browser or script): any input gives a checked query (a range of at most 400 days,
// to after from, at most 3 groupings) or a reason for a 400 answer.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "channels/common/url.hpp"
#include "daemon/reports/local_calendar.hpp"
#include "daemon/reports/report_query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ccd::daemon::reports::LocalCalendar calendar("Asia/Shanghai");
    std::string text(reinterpret_cast<const char*>(data), size);
    auto q = text.find('?');
    std::string name = text.substr(0, q);
    auto pairs = ccd::channels::parseQuery(q == std::string::npos ? std::string_view()
                                                                    : std::string_view(text).substr(q + 1));
    if (!pairs) return 0;
    std::map<std::string, std::string> params(pairs->begin(), pairs->end());
    auto parsed = ccd::daemon::reports::parseReportQuery(name, params, calendar, 1796000000000);
    if (parsed.query) {
        const auto& r = *parsed.query;
        if (r.to_ms <= r.from_ms || r.to_ms - r.from_ms > 400LL * 24 * 3600 * 1000 ||
            r.group_by.size() > 3 || !parsed.error.empty())
            __builtin_trap();
    } else if (parsed.error.empty()) {
        __builtin_trap();
    }
    return 0;
}
