# Email channel: the MIME layer (parse, build) on fixtures from tests/data/email, and the
# `ccd email parse` command end to end.
ccd_add_boost_test(email_mime_test SOURCES unit/email_mime_test.cpp LIBS ccd_email)

add_test(NAME email_cli_e2e
  COMMAND bash ${CCD_ROOT}/tests/e2e/email_cli_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(email_cli_e2e PROPERTIES LABELS e2e TIMEOUT 120)
