#pragma once
// Checking a configuration error report in tests: exactly one issue, where it should be.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "config/config_error.hpp"

namespace ccd::testing {

/// Expects `issues` (of `yaml`, read as `file`) to be one issue at this line, column and YAML
/// path, whose message contains `words`; on failure the context shows every issue.
inline void expectOneIssue(const std::vector<config::ConfigIssue>& issues, const std::string& yaml,
                           int line, int column, const std::string& path,
                           const std::string& words,
                           const std::string& file = "/etc/ccd/ccd.yaml") {
    std::string all;
    for (const auto& issue : issues) all += issue.format() + "\n";
    BOOST_TEST_CONTEXT(yaml << all) {
        BOOST_REQUIRE_EQUAL(issues.size(), 1u);
        BOOST_TEST(issues[0].file == file);
        BOOST_TEST(issues[0].line == line);
        BOOST_TEST(issues[0].column == column);
        BOOST_TEST(issues[0].path == path);
        BOOST_TEST(issues[0].message.find(words) != std::string::npos, issues[0].message);
    }
}

}  // namespace ccd::testing
