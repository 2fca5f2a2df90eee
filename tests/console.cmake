# The agent console: protocol, hub, websocket server, page; the browser end-to-end test.
# The console's tests link its own library (daemon/CMakeLists.txt), not all of ccd_daemon.
ccd_add_boost_test(console_protocol_test SOURCES unit/console_protocol_test.cpp
                   LIBS ccd_console)
# One program of two files (the conversation flow; the connection hardening) on one fixture,
# whose .cpp alone compiles the Beast websocket client.
ccd_add_boost_test(console_hub_itest SOURCES itest/console_hub_itest.cpp
                   itest/console_hub_hardening_itest.cpp support/console_hub_fixture.cpp
                   LIBS ccd_console LABEL integration)

# The console in a real browser (needs chromium and `npm ci` in tests/e2e/console; scripts/test.sh
# does both). The screenshot lands in the build folder.
add_test(NAME console_e2e
  COMMAND node ${CCD_ROOT}/tests/e2e/console/console_e2e.js $<TARGET_FILE:ccd> ${CCD_ROOT}
          ${CMAKE_BINARY_DIR})
set_tests_properties(console_e2e PROPERTIES LABELS e2e TIMEOUT 300)

# The helpers of the tests that run the real binary, compiled once for all of them.
add_library(ccd_process_support STATIC support/ccd_process.cpp support/console_client.cpp)
target_include_directories(ccd_process_support PUBLIC ${CCD_ROOT})
target_link_libraries(ccd_process_support PUBLIC Boost::system nlohmann_json::nlohmann_json
  Threads::Threads)
target_compile_definitions(ccd_process_support PUBLIC BOOST_BEAST_USE_STD_STRING_VIEW)

# The console against the real daemon: starts the ccd binary (real engine, SQLite store, the
# shipped rules and templates) in a temp folder and drives it over websocket and HTTP. The
# binary's path is compiled in; `console_daemon_itest -- PATH/TO/ccd REPO_ROOT` overrides it.
ccd_add_boost_test(console_daemon_itest SOURCES itest/console_daemon_itest.cpp
                   support/console_daemon_fixture.cpp LIBS ccd_process_support LABEL integration)
target_compile_definitions(console_daemon_itest PRIVATE CCD_EXECUTABLE="$<TARGET_FILE:ccd>")
add_dependencies(console_daemon_itest ccd)
# Several daemons a test, each training the classifier: about 90 s under the sanitizers on an
# idle machine, so 300 s (120 s timed out when other work shared the two cores).
set_tests_properties(console_daemon_itest PROPERTIES TIMEOUT 300)

# Logout, password changes and removed accounts close their console websockets (the real
# binary, like console_daemon_itest).
ccd_add_boost_test(console_revocation_itest SOURCES itest/console_revocation_itest.cpp
                   LIBS ccd_process_support LABEL integration)
target_compile_definitions(console_revocation_itest PRIVATE CCD_EXECUTABLE="$<TARGET_FILE:ccd>")
add_dependencies(console_revocation_itest ccd)
# Several daemons a test, each training the classifier: about 90 s under the sanitizers on an
# idle machine, so 300 s (120 s timed out when other work shared the two cores).
set_tests_properties(console_revocation_itest PROPERTIES TIMEOUT 300)

# Personal data masked for the roles privacy.mask_pii_for names (the real binary, issue 15).
ccd_add_boost_test(pii_masking_itest SOURCES itest/pii_masking_itest.cpp
                   LIBS ccd_process_support LABEL integration)
target_compile_definitions(pii_masking_itest PRIVATE CCD_EXECUTABLE="$<TARGET_FILE:ccd>")
add_dependencies(pii_masking_itest ccd)
set_tests_properties(pii_masking_itest PROPERTIES TIMEOUT 120)

# The web chat against the real binary: customers' websockets, an agent in the console
# (docs/webchat-protocol.md).
ccd_add_boost_test(webchat_daemon_itest SOURCES itest/webchat_daemon_itest.cpp
                   LIBS ccd_process_support ccd_test_support LABEL integration)
target_compile_definitions(webchat_daemon_itest PRIVATE CCD_EXECUTABLE="$<TARGET_FILE:ccd>")
add_dependencies(webchat_daemon_itest ccd)
# Several daemons a test, each training the classifier: about 90 s under the sanitizers on an
# idle machine, so 300 s (120 s timed out when other work shared the two cores).
set_tests_properties(webchat_daemon_itest PROPERTIES TIMEOUT 300)

# A web chat carried on by email, and its transcript: the store and the shipped templates.
ccd_add_boost_test(chat_by_email_itest SOURCES itest/chat_by_email_itest.cpp LIBS ccd_daemon
                   LABEL integration)

# The web chat in a real browser: the widget on /chat/demo and an agent in the console
# (tests/e2e/console's playwright-core; scripts/test.sh runs `npm ci` there). Screenshots of both
# sides land in the build folder.
add_test(NAME webchat_e2e
  COMMAND node ${CCD_ROOT}/tests/e2e/console/webchat_e2e.js $<TARGET_FILE:ccd> ${CCD_ROOT}
          ${CMAKE_BINARY_DIR})
set_tests_properties(webchat_e2e PROPERTIES LABELS e2e TIMEOUT 300)
