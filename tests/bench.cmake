# Benchmarks that drive the real daemon over its sockets (not CTest tests: they print figures).
# Build: --target console_bench; run: tests/bench/console (docs/performance.md).
add_executable(console_bench bench/console_bench.cpp)
target_link_libraries(console_bench PRIVATE Boost::system nlohmann_json::nlohmann_json
  Threads::Threads)
