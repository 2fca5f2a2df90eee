# Channels, HTTP routing, store and daemon tests.
add_library(ccd_test_support STATIC support/http_client.cpp)
target_include_directories(ccd_test_support PUBLIC ${CCD_ROOT})
target_link_libraries(ccd_test_support PUBLIC Boost::system Threads::Threads)
target_compile_definitions(ccd_test_support PUBLIC BOOST_BEAST_USE_STD_STRING_VIEW)

ccd_add_boost_test(api_channel_test SOURCES unit/api_channel_test.cpp LIBS ccd_channels)
ccd_add_boost_test(router_test SOURCES unit/router_test.cpp LIBS ccd_daemon)
ccd_add_boost_test(store_itest SOURCES itest/store_itest.cpp LIBS ccd_daemon LABEL integration)
ccd_add_boost_test(http_itest SOURCES itest/http_itest.cpp LIBS ccd_daemon ccd_test_support
                   LABEL integration)

# End to end: the real binary, started by scripts.
add_test(NAME cli_e2e COMMAND bash ${CCD_ROOT}/tests/e2e/cli_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
add_test(NAME crash_e2e COMMAND python3 ${CCD_ROOT}/tests/e2e/crash_e2e.py $<TARGET_FILE:ccd>)
set_tests_properties(cli_e2e crash_e2e PROPERTIES LABELS e2e TIMEOUT 300)
