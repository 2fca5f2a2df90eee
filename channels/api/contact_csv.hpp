#pragma once
// Contacts from a CSV file (ccd contacts import), parsed and validated without touching a file.
//
// RFC 4180: comma-separated, fields in double quotes may hold commas, line breaks and doubled
// quotes (""); CRLF or LF line ends; UTF-8 with or without a byte-order mark. The first record
// is the header; columns, in any order, each at most once:
//   key (required), name, email, phone, tier, locale, telegram, whatsapp, webchat, api,
//   products, attr.<name>...
// An empty cell means "not given" (the stored value is kept). Channel cells may hold several
// ids separated by ';'. `products` holds entries separated by ';', each
// `sku|name|purchased_on|warranty_until` (trailing parts may be left out). When a row has any
// non-empty attr.<name> cell, those cells replace the contact's attributes.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "channels/api/contact_fields.hpp"

namespace ccd::channels::api {

/// One problem, reported as `FILE:LINE: column: message`.
struct CsvProblem {
    std::size_t line = 0;  ///< 1-based line where the record starts (the header is line 1)
    std::string column;    ///< the column's header name, or "-" for the record as a whole
    std::string message;
};

/// One CSV record: the line it starts on and its fields.
struct CsvRecord {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

/// Splits RFC 4180 text into records (blank lines skipped, a leading BOM dropped). Malformed
/// quoting is added to `problems`; the record is still returned with what could be read.
std::vector<CsvRecord> readCsvRecords(std::string_view text, std::vector<CsvProblem>& problems);

/// What the import found: every contact, or the problems (then nothing may be imported).
struct ContactCsv {
    std::vector<ContactInput> contacts;
    std::vector<std::size_t> lines;  ///< the line each contact starts on
    std::vector<CsvProblem> problems;

    bool ok() const { return problems.empty(); }
};

/// Parses and validates a whole contacts file. Every bad row is reported, not only the first;
/// `contacts` is empty whenever `problems` is not. Never throws on bad input.
ContactCsv parseContactCsv(std::string_view text);

}  // namespace ccd::channels::api
