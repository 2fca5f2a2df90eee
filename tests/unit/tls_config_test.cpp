// `server.tls` and `console.tls` in ccd.yaml: the certificate and key are read and checked at
// load time, each problem reported at its key with file:line:col (a missing file, an unreadable
// one, a file that is not PEM, a key that does not belong to the certificate, an encrypted
// key); the console inherits the HTTP listener's certificate unless it has its own. Real files
// in a temp folder, certificates made with OpenSSL's API.

#include "config/tls_files.hpp"

#define BOOST_TEST_MODULE tls_config_test
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>

#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_client.hpp"

using namespace ccd::config;
namespace fs = std::filesystem;

namespace {

struct Files {
    Files() {
        ccd::testing::makeSelfSignedCertificate(dir.path() / "a.crt", dir.path() / "a.key", 10);
        ccd::testing::makeSelfSignedCertificate(dir.path() / "b.crt", dir.path() / "b.key", 11);
    }
    std::string yaml(const std::string& tls) const { return "server:\n  tls: " + tls + "\n"; }
    std::vector<ConfigIssue> issuesOf(const std::string& text) const {
        try {
            parseDaemonConfig(text, file);
        } catch (const ConfigError& e) {
            return e.issues();
        }
        return {};
    }
    void expectIssue(const std::string& tls, int line, int column, const std::string& path,
                     const std::string& words) const {
        ccd::testing::expectOneIssue(issuesOf(yaml(tls)), tls, line, column, path, words, file);
    }
    ccd::testing::TempDir dir;
    std::string file = (dir.path() / "ccd.yaml").string();
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(valid_files_are_read_relative_to_the_config_file, Files) {
    auto cfg = parseDaemonConfig(yaml("{cert: a.crt, key: a.key, min_version: \"1.3\"}"), file);
    BOOST_REQUIRE(cfg->server.tls);
    BOOST_TEST(cfg->server.tls->cert_file == (dir.path() / "a.crt").string());
    BOOST_TEST(cfg->server.tls->serial == "0A");
    BOOST_TEST(cfg->server.tls->min_version == "1.3");
    BOOST_TEST(cfg->server.tls->hsts_max_age.count() == 31536000);
    BOOST_TEST(cfg->server.tls->cert_pem.find("BEGIN CERTIFICATE") != std::string::npos);
    // The console inherits the HTTP listener's certificate...
    BOOST_REQUIRE(cfg->console.tls);
    BOOST_TEST(cfg->console.tls->serial == "0A");
    // ... unless it has its own.
    auto own = parseDaemonConfig(yaml("{cert: a.crt, key: a.key}") +
                                     "console:\n  tls: {cert: b.crt, key: b.key}\n",
                                 file);
    BOOST_TEST(own->console.tls->serial == "0B");
    // No tls: plain HTTP and ws.
    auto plain = parseDaemonConfig("server:\n  threads: 2\n", file);
    BOOST_TEST(!plain->server.tls);
    BOOST_TEST(!plain->console.tls);
}

BOOST_FIXTURE_TEST_CASE(each_problem_is_reported_at_its_key, Files) {
    expectIssue("{cert: missing.crt, key: a.key}", 2, 15, "server.tls.cert", "no such file");
    expectIssue("{cert: a.crt, key: missing.key}", 2, 27, "server.tls.key", "no such file");
    expectIssue("{cert: a.crt, key: b.key}", 2, 27, "server.tls.key",
                "does not match the certificate");
    expectIssue("{cert: a.key, key: a.key}", 2, 15, "server.tls.cert", "no PEM certificate");
    expectIssue("{cert: a.crt, key: a.crt}", 2, 27, "server.tls.key", "no unencrypted PEM");
    expectIssue("{cert: a.crt}", 2, 8, "server.tls.key", "missing required key");
    expectIssue("{cert: a.crt, key: a.key, min_version: \"1.1\"}", 2, 47,
                "server.tls.min_version", "expected one of: 1.2, 1.3");
    expectIssue("{cert: a.crt, key: a.key, hsts_max_age: 5m}", 2, 48, "server.tls.hsts_max_age",
                "at least 1d");
}

BOOST_FIXTURE_TEST_CASE(an_unreadable_or_encrypted_key_is_refused, Files) {
    auto key = dir.path() / "a.key";
    if (::geteuid() != 0) {  // root reads any file
        fs::permissions(key, fs::perms::none);
        expectIssue("{cert: a.crt, key: a.key}", 2, 27, "server.tls.key", "cannot read");
        fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
    }
    expectIssue("{cert: a.crt, key: \".\"}", 2, 27, "server.tls.key", "is a directory");
    // The same key with a passphrase: never prompted for, refused.
    FILE* in = std::fopen(key.c_str(), "rb");
    BOOST_REQUIRE(in);
    EVP_PKEY* pkey = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
    std::fclose(in);
    BOOST_REQUIRE(pkey);
    FILE* out = std::fopen((dir.path() / "enc.key").c_str(), "wb");
    char pass[] = "secret";
    PEM_write_PrivateKey(out, pkey, EVP_aes_128_cbc(), nullptr, 0, nullptr, pass);
    std::fclose(out);
    EVP_PKEY_free(pkey);
    expectIssue("{cert: a.crt, key: enc.key}", 2, 27, "server.tls.key", "no unencrypted PEM");
}

BOOST_FIXTURE_TEST_CASE(console_tls_problems_are_the_consoles, Files) {
    auto issues = issuesOf("console:\n  tls: {cert: a.crt, key: b.key}\n");
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].path == "console.tls.key");
    BOOST_TEST(issues[0].line == 2);
}
