# Benchmarks that drive the real daemon over its sockets (not CTest tests: they print figures).
# Figures come from the optimized build only: the sanitizer and fuzz builds skip them.
if(CCD_SANITIZE OR CCD_FUZZ)
  return()
endif()
# Build: --target console_bench; run: tests/bench/console (docs/performance.md).
add_executable(console_bench bench/console_bench.cpp bench/console_bench_options.cpp
  bench/console_bench_figures.cpp)
target_include_directories(console_bench PRIVATE ${CCD_ROOT})
target_link_libraries(console_bench PRIVATE Boost::system nlohmann_json::nlohmann_json
  Threads::Threads)

# Email intake: parse + durable store of generated mails beside GMime's own parse.
# Build: --target email_bench; run: tests/bench/email (docs/performance.md).
pkg_check_modules(GMIME_BENCH REQUIRED IMPORTED_TARGET gmime-3.0)
add_executable(email_bench bench/email_bench.cpp)
target_include_directories(email_bench PRIVATE ${CCD_ROOT})
target_link_libraries(email_bench PRIVATE ccd_daemon PkgConfig::GMIME_BENCH)

# KPI reports over a generated year of conversations, and intake beside them.
# Build: --target reports_bench; run: tests/bench/reports (docs/performance.md).
add_executable(reports_bench bench/reports_bench.cpp)
target_include_directories(reports_bench PRIVATE ${CCD_ROOT})
target_link_libraries(reports_bench PRIVATE ccd_daemon)
