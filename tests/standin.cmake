# The stand-in provider APIs (Telegram, WhatsApp Cloud, WeChat Official Account, webhook
# callbacks) that the channel and outbox tests and benchmarks send to: a standalone executable,
# the helper that starts it from a test (ccd_standin_support), and its own integration test.
add_library(ccd_standin_lib STATIC
  support/standin_control.cpp
  support/standin_dialects.cpp
  support/standin_recorder.cpp
  support/standin_script.cpp
  support/standin_server.cpp
  support/standin_telegram.cpp
  support/standin_webhook.cpp
  support/standin_wechat.cpp
  support/standin_whatsapp.cpp
)
target_include_directories(ccd_standin_lib PUBLIC ${CCD_ROOT})
target_link_libraries(ccd_standin_lib PUBLIC Boost::system nlohmann_json::nlohmann_json
  Threads::Threads)
target_compile_definitions(ccd_standin_lib PUBLIC BOOST_BEAST_USE_STD_STRING_VIEW)

add_executable(provider_standin support/provider_standin.cpp)
target_link_libraries(provider_standin PRIVATE ccd_standin_lib)

# Tests link this to start the stand-in: StandinProcess (tests/support/standin_process.hpp).
# The executable's path is compiled in; CCD_STANDIN=/path/to/provider_standin overrides it.
add_library(ccd_standin_support STATIC support/standin_process.cpp)
target_include_directories(ccd_standin_support PUBLIC ${CCD_ROOT})
# CcdProcess comes from ccd_process_support (tests/console.cmake), compiled once.
target_link_libraries(ccd_standin_support PUBLIC ccd_process_support Boost::system
  nlohmann_json::nlohmann_json Threads::Threads)
target_compile_definitions(ccd_standin_support PUBLIC BOOST_BEAST_USE_STD_STRING_VIEW)
target_compile_definitions(ccd_standin_support PRIVATE
  CCD_STANDIN_EXECUTABLE="$<TARGET_FILE:provider_standin>")
add_dependencies(ccd_standin_support provider_standin)

ccd_add_boost_test(standin_itest SOURCES itest/standin_itest.cpp LIBS ccd_standin_support
                   LABEL integration)
set_tests_properties(standin_itest PROPERTIES TIMEOUT 120)
