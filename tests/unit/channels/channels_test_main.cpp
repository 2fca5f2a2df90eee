// The channel adapters' unit tests: one executable, one file per channel kind, with fixtures
// from the providers' documentation and SDK test data under tests/data/providers/.
#define BOOST_TEST_MODULE channels_test
#include <boost/test/unit_test.hpp>
