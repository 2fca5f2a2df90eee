# Fuzz targets (tests/fuzz/*_fuzz.cpp). In every build each target is linked with a replay main
# and runs its seed corpus as a CTest test; with -DCCD_FUZZ=ON and clang, real libFuzzer binaries
# are built too (tests/fuzz/run.sh does that and fuzzes each for a while).

# The replay main, compiled once for every target.
add_library(ccd_fuzz_replay_main OBJECT fuzz/replay_main.cpp)

function(ccd_add_fuzz_target name)
  cmake_parse_arguments(F "" "CORPUS" "LIBS" ${ARGN})
  add_executable(${name}_replay fuzz/${name}_fuzz.cpp)
  target_link_libraries(${name}_replay PRIVATE ccd_fuzz_replay_main ${F_LIBS})
  add_test(NAME ${name}_replay COMMAND ${name}_replay ${CCD_ROOT}/tests/fuzz/corpus/${F_CORPUS})
  set_tests_properties(${name}_replay PROPERTIES LABELS unit TIMEOUT 120)
  if(CCD_FUZZ)
    add_executable(${name}_fuzz fuzz/${name}_fuzz.cpp)
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name}_fuzz PRIVATE ${F_LIBS})
  endif()
endfunction()

ccd_add_fuzz_target(api_message CORPUS api_message LIBS ccd_channels)
ccd_add_fuzz_target(daemon_config CORPUS daemon_config LIBS ccd_config)
ccd_add_fuzz_target(contact_json CORPUS contact_json LIBS ccd_channels)
ccd_add_fuzz_target(contact_csv CORPUS contact_csv LIBS ccd_channels)
ccd_add_fuzz_target(template_catalog CORPUS template_catalog LIBS ccd_config)
ccd_add_fuzz_target(telegram_update CORPUS telegram_update LIBS ccd_channels)
ccd_add_fuzz_target(whatsapp_notification CORPUS whatsapp_notification LIBS ccd_channels)
ccd_add_fuzz_target(wechat_xml CORPUS wechat_xml LIBS ccd_channels)
ccd_add_fuzz_target(webhook_message CORPUS webhook_message LIBS ccd_channels)
ccd_add_fuzz_target(cti_event CORPUS cti_event LIBS ccd_channels)
ccd_add_fuzz_target(twilio_voice CORPUS twilio_voice LIBS ccd_channels)
ccd_add_fuzz_target(email_mime CORPUS email_mime LIBS ccd_email)
ccd_add_fuzz_target(webchat_upload CORPUS webchat_upload LIBS ccd_channels)
ccd_add_fuzz_target(console_command CORPUS console_command LIBS ccd_console)
ccd_add_fuzz_target(login_body CORPUS login_body LIBS ccd_console)
ccd_add_fuzz_target(agents_yaml CORPUS agents_yaml LIBS ccd_config)
ccd_add_fuzz_target(routing_yaml CORPUS routing_yaml LIBS ccd_config)
ccd_add_fuzz_target(imap_answer CORPUS imap_answer LIBS ccd_channels)
ccd_add_fuzz_target(report_query CORPUS report_query LIBS ccd_daemon)
