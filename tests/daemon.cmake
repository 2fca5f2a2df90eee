# Channels, HTTP routing, store and daemon tests.
add_library(ccd_test_support STATIC support/http_client.cpp)
target_include_directories(ccd_test_support PUBLIC ${CCD_ROOT})
target_link_libraries(ccd_test_support PUBLIC Boost::system Threads::Threads)
target_compile_definitions(ccd_test_support PUBLIC BOOST_BEAST_USE_STD_STRING_VIEW)

ccd_add_boost_test(api_channel_test SOURCES unit/api_channel_test.cpp LIBS ccd_channels)
ccd_add_boost_test(router_test SOURCES unit/router_test.cpp LIBS ccd_daemon)
ccd_add_boost_test(listener_limits_test SOURCES unit/listener_limits_test.cpp LIBS ccd_daemon)
# Timestamps and documents in JSON, written by hand (daemon/json_time.hpp, json_writer.hpp).
ccd_add_boost_test(json_text_test SOURCES unit/json_time_test.cpp unit/json_writer_test.cpp
                   LIBS ccd_daemon)
ccd_add_boost_test(store_itest SOURCES itest/store_itest.cpp LIBS ccd_daemon LABEL integration)
ccd_add_boost_test(http_itest SOURCES itest/http_itest.cpp LIBS ccd_daemon ccd_test_support
                   LABEL integration)
# A follower's relay to the leader: TCP (the websocket listeners) and HTTP, on loopback.
ccd_add_boost_test(leader_relay_itest SOURCES itest/leader_relay_itest.cpp LIBS ccd_daemon
                   LABEL integration)

# End to end: the real binary, started by scripts.
add_test(NAME cli_e2e COMMAND bash ${CCD_ROOT}/tests/e2e/cli_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
add_test(NAME crash_e2e COMMAND python3 ${CCD_ROOT}/tests/e2e/crash_e2e.py $<TARGET_FILE:ccd>
         $<$<BOOL:${CCD_SANITIZE}>:--sanitized>)
set_tests_properties(cli_e2e crash_e2e PROPERTIES LABELS e2e TIMEOUT 300)

# The outbox sender against the stand-in provider APIs and a real SQLite store.
ccd_add_boost_test(outbox_itest SOURCES itest/outbox_itest.cpp
                   LIBS ccd_daemon ccd_standin_support LABEL integration)
set_tests_properties(outbox_itest PROPERTIES TIMEOUT 180)

# API keys as the README uses them, with the real binary and the shipped configuration.
add_test(NAME api_keys_e2e COMMAND bash ${CCD_ROOT}/tests/e2e/api_keys_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(api_keys_e2e PROPERTIES LABELS e2e TIMEOUT 120)

# Messaging end to end: the real binary, a Telegram instance on the stand-in Bot API, the console.
ccd_add_boost_test(messaging_daemon_itest
                   SOURCES itest/messaging_daemon_itest.cpp
                   LIBS ccd_standin_support ccd_test_support ccd_channels LABEL integration)
target_include_directories(messaging_daemon_itest PRIVATE ${CCD_ROOT})
target_compile_definitions(messaging_daemon_itest PRIVATE CCD_EXECUTABLE="$<TARGET_FILE:ccd>")
add_dependencies(messaging_daemon_itest ccd)
set_tests_properties(messaging_daemon_itest PROPERTIES TIMEOUT 120)

# The phone channel through the real binary: CTI and Twilio call events, the routing decision
# as the answer, the call log.
ccd_add_boost_test(voice_daemon_itest
                   SOURCES itest/voice_daemon_itest.cpp
                   LIBS ccd_process_support ccd_test_support ccd_channels LABEL integration)
target_include_directories(voice_daemon_itest PRIVATE ${CCD_ROOT})
target_compile_definitions(voice_daemon_itest PRIVATE CCD_EXECUTABLE="$<TARGET_FILE:ccd>")
add_dependencies(voice_daemon_itest ccd)
# Several daemons a test, each training the classifier: about 90 s under the sanitizers on an
# idle machine, so 300 s (120 s timed out when other work shared the two cores).
set_tests_properties(voice_daemon_itest PROPERTIES TIMEOUT 300)
# The same through a real phone system: Kamailio relays SIP calls as ccd's CTI answers say.
add_test(NAME voice_kamailio_e2e
  COMMAND python3 ${CCD_ROOT}/tests/e2e/voice_kamailio_e2e.py $<TARGET_FILE:ccd> ${CCD_ROOT} calls)
set_tests_properties(voice_kamailio_e2e PROPERTIES LABELS e2e TIMEOUT 120)
# The call-backs ccd places: a stand-in Twilio REST API and a CTI dial_url on loopback ports.
foreach(mode twilio cti)
  add_test(NAME voice_dial_${mode}_e2e
    COMMAND python3 ${CCD_ROOT}/tests/e2e/voice_dial_e2e.py $<TARGET_FILE:ccd> ${CCD_ROOT} ${mode})
  set_tests_properties(voice_dial_${mode}_e2e PROPERTIES LABELS e2e TIMEOUT 120)
endforeach()

# The outbox across kill -9: 1,000 replies pending, every one delivered after the restart, no
# more duplicates than sends in flight at the kill.
add_test(NAME outbox_crash_e2e COMMAND python3 ${CCD_ROOT}/tests/e2e/outbox_crash_e2e.py
         $<TARGET_FILE:ccd> $<TARGET_FILE:provider_standin> ${CCD_ROOT})
set_tests_properties(outbox_crash_e2e PROPERTIES LABELS e2e TIMEOUT 300)

# The bad-input catalogue (docs/security.md): the real binary against 185 hostile inputs over
# HTTP, webhooks, login, contacts and the console websocket, each with its expected answer.
add_test(NAME bad_input_e2e COMMAND python3 ${CCD_ROOT}/tests/e2e/bad_input.py $<TARGET_FILE:ccd>
         ${CCD_ROOT})
set_tests_properties(bad_input_e2e PROPERTIES LABELS e2e TIMEOUT 180)

# TLS on both listeners of the real binary with a certificate the test makes (issue 15).
add_library(ccd_tls_support STATIC support/tls_client.cpp)
target_include_directories(ccd_tls_support PUBLIC ${CCD_ROOT})
target_link_libraries(ccd_tls_support PUBLIC Boost::system OpenSSL::SSL OpenSSL::Crypto
  nlohmann_json::nlohmann_json Threads::Threads)
target_compile_definitions(ccd_tls_support PUBLIC BOOST_BEAST_USE_STD_STRING_VIEW)
ccd_add_boost_test(tls_daemon_itest SOURCES itest/tls_daemon_itest.cpp
                   LIBS ccd_tls_support ccd_process_support ccd_test_support LABEL integration)
target_compile_definitions(tls_daemon_itest PRIVATE CCD_EXECUTABLE="$<TARGET_FILE:ccd>")
add_dependencies(tls_daemon_itest ccd)
set_tests_properties(tls_daemon_itest PROPERTIES TIMEOUT 120)

# Masking of personal data (issue 15).
ccd_add_boost_test(pii_mask_test SOURCES unit/pii_mask_test.cpp LIBS ccd_console)

# KPI reports (docs/kpis.md): figures of a generated day worked out by hand, over a real file.
ccd_add_boost_test(reports_itest SOURCES itest/reports_itest.cpp LIBS ccd_daemon LABEL integration)
# The KPIs of issue 14 (calls, low ratings, quality, missed offers, presence time), same way.
ccd_add_boost_test(reports_kpis_itest SOURCES itest/reports_kpis_itest.cpp LIBS ccd_daemon
                   LABEL integration)
ccd_add_boost_test(reports_daemon_itest SOURCES itest/reports_daemon_itest.cpp
                   LIBS ccd_process_support ccd_daemon LABEL integration)
target_compile_definitions(reports_daemon_itest PRIVATE CCD_EXECUTABLE="$<TARGET_FILE:ccd>")
add_dependencies(reports_daemon_itest ccd)
set_tests_properties(reports_daemon_itest PROPERTIES TIMEOUT 120)
