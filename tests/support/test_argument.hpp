#pragma once
// The command-line arguments ctest gives a Boost.Test module (the daemon binary's path, a
// source folder): argument `index` (from 1), or `fallback` when absent or empty. Include after
// <boost/test/unit_test.hpp>.

#include <string>

namespace ccd::testing {

inline std::string argument(int index, const std::string& fallback) {
    auto& suite = boost::unit_test::framework::master_test_suite();
    if (suite.argc > index && suite.argv[index][0] != '\0') return suite.argv[index];
    return fallback;
}

}  // namespace ccd::testing
