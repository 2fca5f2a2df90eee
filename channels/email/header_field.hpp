#pragma once
// A message's header fields as written, for the detectors that look at several of them.

#include <string>
#include <string_view>
#include <vector>

namespace ccd::channels::email {

/// One header field: its name as written and its raw (undecoded, unfolded) value.
struct HeaderField {
    std::string name;
    std::string value;
};

/// The value of the first field named `name` (case-insensitive), or nullptr.
const std::string* findHeader(const std::vector<HeaderField>& headers, std::string_view name);

/// Parses a block of "Name: value" lines (a header section, or a delivery-status group) with
/// folded lines joined. Stops at the end of `text`; lines without a colon are skipped.
std::vector<HeaderField> parseHeaderBlock(std::string_view text);

}  // namespace ccd::channels::email
