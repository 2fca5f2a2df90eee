# The routing engine and its rules on the shipped routing.yaml (pure: no sockets, no clock).
ccd_add_boost_test(engine_test SOURCES unit/engine_test.cpp unit/engine_calls_test.cpp LIBS ccd_config ccd_routing)

# The routing core end to end on the shipped configuration (real binary, temp copy).
add_test(NAME routing_e2e COMMAND bash ${CCD_ROOT}/tests/e2e/routing_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(routing_e2e PROPERTIES LABELS e2e TIMEOUT 300)

# Each rule condition and action on its own.
ccd_add_boost_test(rules_test SOURCES unit/rules_test.cpp LIBS ccd_routing)

# Benchmark (not a CTest test: it prints figures).
find_package(benchmark QUIET)
if(benchmark_FOUND)
  add_executable(engine_bench bench/engine_bench.cpp)
  target_link_libraries(engine_bench PRIVATE ccd_config ccd_routing benchmark::benchmark)
  target_compile_definitions(engine_bench PRIVATE CCD_SOURCE_DIR="${CCD_ROOT}")
endif()

# The phone menu (routing.yaml `ivr:`) in the engine, and its configuration errors.
ccd_add_boost_test(engine_menu_test SOURCES unit/engine_menu_test.cpp LIBS ccd_config ccd_routing)

# Wrap-up per queue and kind of work.
ccd_add_boost_test(engine_wrap_up_test SOURCES unit/engine_wrap_up_test.cpp
                   LIBS ccd_config ccd_routing)

# Outside business hours: the after-hours or on-call reply agrees with the SLA clocks.
ccd_add_boost_test(engine_after_hours_test SOURCES unit/engine_after_hours_test.cpp
                   LIBS ccd_config ccd_routing)

# Offers nobody answers: rotation, and away after missed offers in a row.
ccd_add_boost_test(engine_missed_offers_test SOURCES unit/engine_missed_offers_test.cpp
                   LIBS ccd_config ccd_routing)
# Service cases in the engine: open_case, repeat_within, account managers, follow-up work.
ccd_add_boost_test(engine_cases_test SOURCES unit/engine_cases_test.cpp
                   LIBS ccd_config ccd_routing)

# A queued caller's announcements, maximum wait and call-back (daemon/call_decision), and the
# queues' `voice:` settings.
ccd_add_boost_test(call_decision_test SOURCES unit/call_decision_test.cpp LIBS ccd_daemon)
ccd_add_boost_test(call_back_dial_test SOURCES unit/call_back_dial_test.cpp LIBS ccd_daemon)

# The trained classifier reused by an engine on the same classification section and corpus.
ccd_add_boost_test(trained_classifiers_test SOURCES unit/trained_classifiers_test.cpp
                   LIBS ccd_config ccd_routing)
