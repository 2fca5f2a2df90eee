#include "channels/api/contact_csv.hpp"

#define BOOST_TEST_MODULE contact_csv_test
#include <boost/test/unit_test.hpp>

using ccd::channels::api::ContactCsv;
using ccd::channels::api::CsvProblem;
using ccd::channels::api::parseContactCsv;
using ccd::channels::api::readCsvRecords;

namespace {

std::string problems(const ContactCsv& out) {
    std::string s;
    for (const auto& p : out.problems)
        s += std::to_string(p.line) + ": " + p.column + ": " + p.message + "\n";
    return s;
}

// Asserts exactly one problem at this line and column, and that nothing is imported.
void expectProblem(const std::string& text, std::size_t line, const std::string& column) {
    auto out = parseContactCsv(text);
    BOOST_TEST(out.contacts.empty());
    BOOST_REQUIRE_MESSAGE(out.problems.size() == 1u, "for:\n" << text << "got:\n" << problems(out));
    BOOST_TEST(out.problems[0].line == line, problems(out));
    BOOST_TEST(out.problems[0].column == column, problems(out));
}

}  // namespace

BOOST_AUTO_TEST_CASE(rfc4180_quoting) {
    std::vector<CsvProblem> issues;
    auto records = readCsvRecords(
        "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\n,,\nlast,,\"\"", issues);
    BOOST_TEST(issues.empty());
    BOOST_REQUIRE(records.size() == 4u);
    BOOST_TEST(records[1].line == 2u);
    BOOST_TEST(records[1].fields[0] == "x, y");
    BOOST_TEST(records[1].fields[1] == "say \"hi\"");
    BOOST_TEST(records[1].fields[2] == "two\nlines");
    BOOST_TEST(records[2].line == 5u);  // the blank line 4 is skipped; line 3 is inside quotes
    BOOST_TEST(records[2].fields.size() == 3u);
    BOOST_TEST(records[3].line == 6u);
    BOOST_TEST(records[3].fields[2].empty());
}

BOOST_AUTO_TEST_CASE(bad_quoting_is_reported_with_its_line) {
    std::vector<CsvProblem> issues;
    readCsvRecords("a,b\n\"open,b\nc,d\n", issues);
    BOOST_REQUIRE(issues.size() == 1u);
    BOOST_TEST(issues[0].line == 2u);
    issues.clear();
    readCsvRecords("a,b\nx\"y,b\n", issues);
    BOOST_REQUIRE(issues.size() == 1u);
    BOOST_TEST(issues[0].line == 2u);
    issues.clear();
    readCsvRecords("a,b\n\"x\"y,b\n", issues);
    BOOST_REQUIRE(issues.size() == 1u);
    BOOST_TEST(issues[0].line == 2u);
}

BOOST_AUTO_TEST_CASE(full_file_with_bom_chinese_names_and_quotes) {
    auto out = parseContactCsv(
        "\xEF\xBB\xBFkey,name,email,phone,tier,locale,telegram,whatsapp,webchat,api,products,"
        "attr.region,attr.crm\r\n"
        "C-1,张伟,Zhang@Example.com,+8613800000000,vip,zh-Hans,123;456,+8613800000000,w1,,"
        "\"P-100|Printer, large|2024-01-10|2026-01-09;INK|Ink\",east,\r\n"
        "C-2,\"O'Brien, \"\"Pat\"\"\",,,,,,,,a-2,,,\r\n");
    BOOST_REQUIRE_MESSAGE(out.ok(), problems(out));
    BOOST_REQUIRE(out.contacts.size() == 2u);
    BOOST_TEST(out.lines[0] == 2u);
    const auto& a = out.contacts[0];
    BOOST_TEST(a.key == "C-1");
    BOOST_TEST(*a.name == "张伟");
    BOOST_TEST(*a.email == "zhang@example.com");
    BOOST_TEST(*a.tier == "vip");
    BOOST_TEST(a.addresses.size() == 4u);  // telegram x2, whatsapp, webchat
    BOOST_REQUIRE(a.products);
    BOOST_REQUIRE(a.products->size() == 2u);
    BOOST_TEST((*a.products)[0].name == "Printer, large");
    BOOST_TEST(*(*a.products)[0].warranty_until == "2026-01-09");
    BOOST_TEST(!(*a.products)[1].purchased_on);
    BOOST_REQUIRE(a.attributes);
    BOOST_TEST(a.attributes->size() == 1u);  // the empty attr.crm cell is not given
    const auto& b = out.contacts[1];
    BOOST_TEST(*b.name == "O'Brien, \"Pat\"");
    BOOST_TEST(!b.email);
    BOOST_TEST(!b.products);
    BOOST_TEST(!b.attributes);
    BOOST_REQUIRE(b.addresses.size() == 1u);
    BOOST_TEST(b.addresses[0].first == "api");
}

BOOST_AUTO_TEST_CASE(header_problems) {
    expectProblem("", 1, "-");
    expectProblem("name,email\nAnn,a@b.co\n", 1, "key");
    expectProblem("key,fax\nC-1,1\n", 1, "fax");
    expectProblem("key,name,name\nC-1,a,b\n", 1, "name");
    expectProblem("key,attr.a b\nC-1,x\n", 1, "attr.a b");
    expectProblem("key,name\n", 1, "-");
}

BOOST_AUTO_TEST_CASE(each_bad_cell_is_reported_as_line_and_column) {
    const std::string header = "key,name,email,phone,tier,locale,telegram,products\n";
    expectProblem(header + "C-1,,not-an-email,,,,,\n", 2, "email");
    expectProblem(header + "C-1,,,0123,,,,\n", 2, "phone");
    expectProblem(header + "C-1,,,,Gold,,,\n", 2, "tier");
    expectProblem(header + "C-1,,,,,?,,\n", 2, "locale");
    expectProblem(header + "bad key,,,,,,,\n", 2, "key");
    expectProblem(header + ",Ann,,,,,,\n", 2, "key");
    expectProblem(header + "C-1,,,,,,,P|n|2024-02-30\n", 2, "products");
    expectProblem(header + "C-1,,,,,,,P|n|2024-02-03|2024-02-01\n", 2, "products");
    expectProblem(header + "C-1,,,,,,,|n\n", 2, "products");
    expectProblem(header + "C-1,,,,,,,a|b|c|d|e\n", 2, "products");
    expectProblem(header + "C-1,,,,,,\n", 2, "-");                 // a field short
    expectProblem(header + "C-1,x\xff,,,,,,\n", 2, "name");          // not UTF-8
    expectProblem(header + "C-1,,,,,,,\nC-1,,,,,,,\n", 3, "key");   // the same key twice
}

BOOST_AUTO_TEST_CASE(every_bad_row_is_reported_and_nothing_is_kept) {
    auto out = parseContactCsv(
        "key,email,phone\n"
        "C-1,a@b.co,+8613800000000\n"
        "C-2,bad,+1\n"
        "C-3,c@d.co,\n"
        "C-4,,12\n");
    BOOST_TEST(out.contacts.empty());
    BOOST_REQUIRE_MESSAGE(out.problems.size() == 3u, problems(out));
    BOOST_TEST(out.problems[0].line == 3u);
    BOOST_TEST(out.problems[0].column == "email");
    BOOST_TEST(out.problems[1].line == 3u);
    BOOST_TEST(out.problems[1].column == "phone");
    BOOST_TEST(out.problems[2].line == 5u);
    BOOST_TEST(out.problems[2].message.find("E.164") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(line_numbers_count_lines_inside_quotes) {
    auto out = parseContactCsv("key,name,email\nC-1,\"multi\nline\nname\",\nC-2,,oops\n");
    BOOST_REQUIRE(out.problems.size() == 1u);
    BOOST_TEST(out.problems[0].line == 5u);
    BOOST_TEST(out.problems[0].column == "email");
}
