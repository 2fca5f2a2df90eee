# Business hours and SLA clocks (pure routing code).
ccd_add_boost_test(business_hours_test SOURCES unit/business_hours_test.cpp LIBS ccd_routing)
ccd_add_boost_test(dispatcher_test SOURCES unit/dispatcher_test.cpp LIBS ccd_routing)
# The free-agent index against a scan of every free agent, on randomized agents and events.
ccd_add_boost_test(dispatcher_index_test SOURCES unit/dispatcher_index_test.cpp LIBS ccd_routing)

# Benchmarks (not CTest tests: they print figures).
find_package(benchmark QUIET)
if(benchmark_FOUND)
  add_executable(routing_bench bench/routing_bench.cpp)
  target_link_libraries(routing_bench PRIVATE ccd_routing benchmark::benchmark)
endif()
