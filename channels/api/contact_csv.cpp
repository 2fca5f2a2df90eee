#include "channels/api/contact_csv.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace ccd::channels::api {
namespace {

constexpr std::string_view kColumns[] = {"key",      "name",     "email",   "phone",
                                         "tier",     "locale",   "telegram", "whatsapp",
                                         "webchat",  "api",      "products"};
constexpr std::string_view kAttrPrefix = "attr.";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    for (;;) {
        auto pos = s.find(sep);
        parts.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos) return parts;
        s.remove_prefix(pos + 1);
    }
}

bool isBlankRecord(const CsvRecord& r) {
    return r.fields.size() == 1 && trim(r.fields[0]).empty();
}

// Reads one products cell into `out`; false with `message` set on the first bad entry.
bool readProducts(std::string_view cell, std::vector<routing::Product>& out, std::string& message) {
    std::size_t n = 0;
    for (auto entry : split(cell, ';')) {
        ++n;
        entry = trim(entry);
        if (entry.empty()) continue;  // "a;b;" and "a; ;b" are forgiven
        auto parts = split(entry, '|');
        std::string where = "entry " + std::to_string(n) + " (" + std::string(entry) + "): ";
        if (parts.size() > 4) {
            message = where + "expected sku|name|purchased_on|warranty_until";
            return false;
        }
        routing::Product p;
        p.sku = std::string(trim(parts[0]));
        if (parts.size() > 1) p.name = std::string(trim(parts[1]));
        if (parts.size() > 2 && !trim(parts[2]).empty()) p.purchased_on = std::string(trim(parts[2]));
        if (parts.size() > 3 && !trim(parts[3]).empty())
            p.warranty_until = std::string(trim(parts[3]));
        if (auto bad = checkProduct(p)) {
            message = where + bad->field + " " + bad->message;
            return false;
        }
        out.push_back(std::move(p));
    }
    if (out.size() > kMaxProducts) {
        message = "more than " + std::to_string(kMaxProducts) + " products";
        return false;
    }
    return true;
}

// Fills `c` from one data record; every problem goes to `problems`.
void readRow(const std::vector<std::string>& header, const CsvRecord& record, ContactInput& c,
             std::vector<CsvProblem>& problems) {
    auto problem = [&](const std::string& column, std::string message) {
        problems.push_back(CsvProblem{record.line, column, std::move(message)});
    };
    std::map<std::string, std::string> attributes;
    std::set<std::pair<std::string, std::string>> seen;
    auto addAddress = [&](const std::string& channel, std::string address,
                          const std::string& column) {
        if (auto bad = normalizeAddress(channel, address)) {
            problem(column, address + " " + *bad);
            return;
        }
        if (seen.emplace(channel, address).second) c.addresses.emplace_back(channel, address);
    };

    for (std::size_t i = 0; i < header.size(); ++i) {
        const std::string& column = header[i];
        std::string value(trim(record.fields[i]));
        if (value.empty()) continue;
        if (!isValidUtf8(value)) {
            problem(column, "is not valid UTF-8");
            continue;
        }
        if (column == "key") {
            if (auto bad = checkKey(value)) problem(column, value + " " + *bad);
            c.key = value;
        } else if (column == "name") {
            if (value.size() > kMaxNameLength)
                problem(column, "is longer than " + std::to_string(kMaxNameLength) + " bytes");
            c.name = value;
        } else if (column == "email") {
            if (auto bad = normalizeEmail(value)) problem(column, value + " " + *bad);
            c.email = value;
        } else if (column == "phone") {
            if (auto bad = checkPhone(value)) problem(column, value + " " + *bad);
            c.phone = value;
        } else if (column == "tier") {
            if (auto bad = checkTier(value)) problem(column, value + " " + *bad);
            c.tier = value;
        } else if (column == "locale") {
            if (auto bad = checkLocale(value)) problem(column, value + " " + *bad);
            c.locale = value;
        } else if (column == "products") {
            std::vector<routing::Product> products;
            std::string message;
            if (!readProducts(value, products, message)) problem(column, message);
            c.products = std::move(products);
        } else if (column.rfind(kAttrPrefix, 0) == 0) {
            if (value.size() > kMaxAttributeValueLength)
                problem(column,
                        "is longer than " + std::to_string(kMaxAttributeValueLength) + " bytes");
            attributes.emplace(column.substr(kAttrPrefix.size()), value);
        } else {  // a channel column
            for (auto id : split(value, ';')) {
                id = trim(id);
                if (!id.empty()) addAddress(column, std::string(id), column);
            }
        }
    }
    if (c.key.empty() && std::none_of(problems.begin(), problems.end(), [&](const CsvProblem& p) {
            return p.line == record.line && p.column == "key";
        }))
        problem("key", "is missing; every row needs a key");
    if (c.addresses.size() > kMaxAddresses)
        problem("-", "more than " + std::to_string(kMaxAddresses) + " addresses");
    if (!attributes.empty()) c.attributes = std::move(attributes);
}

// Checks the header; returns the column names, or nothing when unusable.
std::optional<std::vector<std::string>> readHeader(const CsvRecord& record,
                                                   std::vector<CsvProblem>& problems) {
    std::vector<std::string> columns;
    std::set<std::string> seen;
    bool ok = true;
    for (const auto& field : record.fields) {
        std::string name(trim(field));
        auto known = std::find(std::begin(kColumns), std::end(kColumns), name) != std::end(kColumns);
        if (name.rfind(kAttrPrefix, 0) == 0) {
            if (auto bad = checkAttributeName(name.substr(kAttrPrefix.size()))) {
                problems.push_back({record.line, name, *bad});
                ok = false;
            }
        } else if (!known) {
            problems.push_back(
                {record.line, name.empty() ? "-" : name,
                 name.empty() ? "empty column name in the header"
                              : "unknown column (key, name, email, phone, tier, locale, telegram, "
                                "whatsapp, webchat, api, products, attr.<name>)"});
            ok = false;
        }
        if (!seen.insert(name).second) {
            // Two empty names are one problem each, named like the empty column itself.
            problems.push_back(
                {record.line, name.empty() ? "-" : name, "appears twice in the header"});
            ok = false;
        }
        columns.push_back(std::move(name));
    }
    if (!seen.count("key")) {
        problems.push_back({record.line, "key", "the header has no key column"});
        ok = false;
    }
    if (!ok) return std::nullopt;
    return columns;
}

}  // namespace

std::vector<CsvRecord> readCsvRecords(std::string_view text, std::vector<CsvProblem>& problems) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    std::vector<CsvRecord> records;
    std::size_t line = 1, i = 0;
    while (i < text.size()) {
        CsvRecord record;
        record.line = line;
        std::string field;
        bool end_of_record = false;
        while (!end_of_record) {
            field.clear();
            if (i < text.size() && text[i] == '"') {
                // Quoted field: up to the closing quote; "" is one quote.
                std::size_t opened = line;
                ++i;
                bool closed = false;
                while (i < text.size()) {
                    char ch = text[i++];
                    if (ch == '"') {
                        if (i < text.size() && text[i] == '"') {
                            field += '"';
                            ++i;
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        if (ch == '\n') ++line;
                        field += ch;
                    }
                }
                if (!closed) {
                    problems.push_back({opened, "-",
                                        "a quoted field is not closed (a \" is missing before the "
                                        "end of the file)"});
                }
                // After the closing quote only a separator or the end of the line may follow.
                std::size_t stray = i;
                while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') ++i;
                if (i > stray) {
                    problems.push_back({line, "-",
                                        "text after a closing quote; a \" inside a quoted field "
                                        "is written \"\""});
                }
            } else {
                std::size_t start = i;
                while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') ++i;
                field.assign(text.substr(start, i - start));
                if (field.find('"') != std::string::npos) {
                    problems.push_back({line, "-",
                                        "a \" inside a field that is not quoted; quote the field "
                                        "and write the quote as \"\""});
                }
            }
            record.fields.push_back(field);
            if (i >= text.size()) {
                end_of_record = true;
            } else if (text[i] == ',') {
                ++i;
            } else {  // \n, \r\n or a lone \r
                if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
                ++i;
                ++line;
                end_of_record = true;
            }
        }
        if (!isBlankRecord(record)) records.push_back(std::move(record));
    }
    return records;
}

ContactCsv parseContactCsv(std::string_view text) {
    ContactCsv out;
    auto records = readCsvRecords(text, out.problems);
    if (records.empty()) {
        out.problems.push_back({1, "-", "the file is empty; a header row is required"});
        return out;
    }
    auto header = readHeader(records.front(), out.problems);
    if (!header) return out;
    if (records.size() == 1) {
        out.problems.push_back({records.front().line, "-", "no contacts after the header row"});
        return out;
    }
    std::map<std::string, std::size_t> keys;  // key -> line, to catch a contact given twice
    for (std::size_t r = 1; r < records.size(); ++r) {
        const auto& record = records[r];
        if (record.fields.size() != header->size()) {
            out.problems.push_back({record.line, "-",
                                    std::to_string(record.fields.size()) +
                                        " fields, but the header has " +
                                        std::to_string(header->size())});
            continue;
        }
        ContactInput c;
        std::size_t before = out.problems.size();
        readRow(*header, record, c, out.problems);
        if (out.problems.size() != before) continue;
        auto [it, inserted] = keys.emplace(c.key, record.line);
        if (!inserted) {
            out.problems.push_back({record.line, "key",
                                    c.key + " is already on line " + std::to_string(it->second)});
            continue;
        }
        out.contacts.push_back(std::move(c));
        out.lines.push_back(record.line);
    }
    std::stable_sort(out.problems.begin(), out.problems.end(),
                     [](const CsvProblem& a, const CsvProblem& b) { return a.line < b.line; });
    if (!out.problems.empty()) {
        out.contacts.clear();
        out.lines.clear();
    }
    return out;
}

}  // namespace ccd::channels::api
