// The report routes through the real `ccd` binary and the shipped configuration: a supervisor
// and an admin read the list and a report of the conversation the test just opened (JSON and
// CSV by Accept or format=csv); an agent gets 403, no token 401; bad parameters 400 with a
// reason. `ccd report` reads the same database beside the running daemon.
//
// Arguments (after `--`): the ccd binary and the repository root; without them, the paths
// compiled in by tests/daemon.cmake.

#include "tests/support/ccd_process.hpp"

#define BOOST_TEST_MODULE reports_daemon_itest
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/json_time.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_argument.hpp"

using ccd::testing::argument;
using ccd::testing::httpRequest;
using ccd::testing::writeFile;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kPassword = "reports itest password";

std::string isoAt(std::chrono::system_clock::duration offset) {
    auto t = std::chrono::system_clock::now() + offset;
    return ccd::daemon::formatRfc3339Millis(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

struct Daemon {
    Daemon() {
        try {
            auto root = fs::path(argument(2, CCD_SOURCE_DIR));
            writeFile(ccd_yaml, ccd::testing::replaceLine(
                                    ccd::testing::shippedConfigForTest(root, dir.path()),
                                    "    public: false", "    public: true"));
            ccd::testing::writeAccounts(binary, ccd_yaml,
                                        {{"alice", "agent"}, {"sam", "supervisor"}, {"ada", "admin"}},
                                        kPassword, ccd.logPath());
            ccd.start();
        } catch (...) {
            ccd.stop();
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
            throw;
        }
    }
    ~Daemon() {
        auto problem = ccd.stop();
        BOOST_CHECK_MESSAGE(problem.empty(), problem);
    }

    std::string login(const std::string& name) {
        auto r = httpRequest(ccd.httpPort(), "POST", "/v1/auth/login",
                             json{{"name", name}, {"password", kPassword}}.dump());
        if (r.status != 200) throw std::runtime_error("login of " + name + " failed: " + r.text);
        return r.body.at("token").get<std::string>();
    }

    ccd::testing::HttpResult get(const std::string& target, const std::string& token,
                                 const std::string& accept = {}) {
        std::vector<std::pair<std::string, std::string>> headers;
        if (!accept.empty()) headers.emplace_back("Accept", accept);
        return httpRequest(ccd.httpPort(), "GET", target, {}, token, std::chrono::seconds(10),
                           headers);
    }

    ccd::testing::TempDir dir;
    fs::path ccd_yaml = dir.path() / "config" / "ccd.yaml";
    std::string binary = argument(1, CCD_EXECUTABLE);
    ccd::testing::CcdProcess ccd{binary, ccd_yaml.string(), (dir.path() / "ccd.log").string()};
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(supervisors_read_reports_agents_do_not, Daemon) {
    json body{{"from", {{"id", "rep-1"}, {"name", "Ann"}}},
              {"text", "My printer does not turn on"},
              {"external_id", "rep-1"},
              {"locale", "en"}};
    auto posted = httpRequest(ccd.httpPort(), "POST", "/v1/messages", body.dump());
    BOOST_REQUIRE_MESSAGE(posted.status == 202, posted.text);

    auto alice = login("alice"), sam = login("sam"), ada = login("ada");
    BOOST_TEST(get("/v1/reports", {}).status == 401);
    auto forbidden = get("/v1/reports", alice);
    BOOST_TEST(forbidden.status == 403);
    BOOST_TEST(forbidden.body["error"] == "forbidden");
    BOOST_TEST(get("/v1/reports/volume?from=2026-01-01&to=2026-01-02", alice).status == 403);

    auto list = get("/v1/reports", sam);
    BOOST_REQUIRE_EQUAL(list.status, 200);
    BOOST_TEST(list.body["reports"].size() == 9u);
    BOOST_TEST(list.body["reports"][0]["name"] == "volume");
    BOOST_TEST(list.body["reports"][5]["name"] == "quality");
    BOOST_TEST(list.body["reports"][6]["name"] == "agent_time");
    const auto& params = list.body["reports"][0]["parameters"];
    BOOST_TEST(params["group_by"].dump().find("\"subtype\"") != std::string::npos);
    BOOST_TEST(params["filters"].dump().find("\"subtype\"") != std::string::npos);

    // The range as instants around now: the conversation just opened.
    auto range = "from=" + isoAt(-std::chrono::hours(1)) + "&to=" + isoAt(std::chrono::hours(1));
    auto volume = get("/v1/reports/volume?" + range + "&group_by=channel", ada);
    BOOST_REQUIRE_MESSAGE(volume.status == 200, volume.text);
    BOOST_TEST(volume.body["time_zone"] == "Asia/Shanghai");  // routing.yaml's cn-office
    BOOST_REQUIRE_EQUAL(volume.body["rows"].size(), 1u);
    BOOST_TEST(volume.body["rows"][0]["channel"] == "api");
    BOOST_TEST(volume.body["rows"][0]["conversations"] == 1);
    BOOST_TEST(volume.body["rows"][0]["messages_in"] == 1);
    // The classifier's subtype of "does not turn on" (routing.yaml: fault/wont_start) is stored
    // with the conversation: a dimension and a filter.
    auto by_subtype =
        get("/v1/reports/volume?" + range + "&group_by=category,subtype&subtype=wont_start", ada);
    BOOST_REQUIRE_MESSAGE(by_subtype.status == 200, by_subtype.text);
    BOOST_REQUIRE_EQUAL(by_subtype.body["rows"].size(), 1u);
    BOOST_TEST(by_subtype.body["rows"][0]["category"] == "fault");
    BOOST_TEST(by_subtype.body["rows"][0]["subtype"] == "wont_start");
    BOOST_TEST(by_subtype.body["rows"][0]["conversations"] == 1);
    auto other = get("/v1/reports/volume?" + range + "&subtype=leak", ada);
    BOOST_REQUIRE_EQUAL(other.status, 200);
    BOOST_TEST(other.body["rows"].empty());

    for (const auto& csv : {get("/v1/reports/volume?" + range, sam, "text/csv"),
                            get("/v1/reports/volume?" + range + "&format=csv", sam)}) {
        BOOST_REQUIRE_EQUAL(csv.status, 200);
        BOOST_TEST(csv.content_type == "text/csv; charset=utf-8");
        BOOST_TEST(csv.text.rfind("\xEF\xBB\xBF" "conversations,messages_in,messages_out,resolved,calls_offered,"
                                      "calls_answered,calls_abandoned\r\n1,1,", 0) == 0u,
                   csv.text);
    }

    auto bad = get("/v1/reports/volume?from=yesterday&to=2026-01-02", sam);
    BOOST_TEST(bad.status == 400);
    BOOST_TEST(bad.body["error"] == "bad_parameter");
    BOOST_TEST(bad.body["reason"].get<std::string>().find("from") == 0u);
    BOOST_TEST(get("/v1/reports/nope?" + range, sam).status == 400);

    // The quality report: the conversation just opened is neither resolved nor a complaint.
    auto quality = get("/v1/reports/quality?" + range, sam);
    BOOST_REQUIRE_MESSAGE(quality.status == 200, quality.text);
    BOOST_TEST(quality.body["rows"][0]["conversations"] == 1);
    BOOST_TEST(quality.body["rows"][0]["complaints"] == 0);
    BOOST_TEST(quality.body["rows"][0]["fcr_rate"].is_null());
    auto by_queue = get("/v1/reports/agent_time?" + range + "&group_by=queue", sam);
    BOOST_TEST(by_queue.status == 400);
    BOOST_TEST(by_queue.body["reason"].get<std::string>().find("agent_time") == 0u);

    // The live KPI families are on /metrics.
    auto metrics = httpRequest(ccd.httpPort(), "GET", "/metrics");
    BOOST_TEST(metrics.text.find("# TYPE ccd_first_response_seconds histogram") != std::string::npos);
    BOOST_TEST(metrics.text.find("# TYPE ccd_sla_outcomes_total counter") != std::string::npos);
    BOOST_TEST(metrics.text.find("ccd_ratings_total{score=\"1\"} 0") != std::string::npos);
    BOOST_TEST(metrics.text.find("ccd_offers_missed_total{reason=\"timeout\"} 0") != std::string::npos);
    BOOST_TEST(metrics.text.find("# TYPE ccd_reopened_total counter") != std::string::npos);

    // The command line reads the database beside the running daemon.
    auto out = (dir.path() / "report.csv").string();
    auto from = isoAt(-std::chrono::hours(1)), to = isoAt(std::chrono::hours(1));
    int rc = ccd::testing::runWithInput({binary, "report", "volume", "--from", from, "--to", to,
                                         "--csv", "--config", ccd_yaml.string()},
                                        "", out);
    BOOST_TEST(rc == 0);
    BOOST_TEST(ccd::testing::readFile(out).find("1,1,") != std::string::npos,
               ccd::testing::readFile(out));
    rc = ccd::testing::runWithInput(
        {binary, "report", "volume", "--from", from, "--to", to, "--group-by", "subtype",
         "--subtype", "wont_start", "--csv", "--config", ccd_yaml.string()},
        "", out);
    BOOST_TEST(rc == 0);
    BOOST_TEST(ccd::testing::readFile(out).find("subtype,conversations,") != std::string::npos,
               ccd::testing::readFile(out));
    BOOST_TEST(ccd::testing::readFile(out).find("\r\nwont_start,1,1,") != std::string::npos,
               ccd::testing::readFile(out));
    int bad_rc = ccd::testing::runWithInput({binary, "report", "volume", "--from", "x", "--to",
                                             to, "--config", ccd_yaml.string()},
                                            "", out);
    BOOST_TEST(bad_rc == 2);
}
