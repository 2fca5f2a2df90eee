# Customer records: the contact body and CSV parsers, the SQLite side, the HTTP routes, the
# import command.
ccd_add_boost_test(contact_json_test SOURCES unit/contact_json_test.cpp LIBS ccd_channels)
ccd_add_boost_test(contact_csv_test SOURCES unit/contact_csv_test.cpp LIBS ccd_channels)
ccd_add_boost_test(sqlite_contacts_itest SOURCES itest/sqlite_contacts_itest.cpp LIBS ccd_daemon
  LABEL integration)
ccd_add_boost_test(sqlite_contact_history_itest SOURCES itest/sqlite_contact_history_itest.cpp
  LIBS ccd_daemon LABEL integration)
ccd_add_boost_test(contact_routes_itest SOURCES itest/contact_routes_itest.cpp
  LIBS ccd_daemon ccd_test_support LABEL integration)

# End to end: the import command with the real binary, read back with sqlite3 and HTTP.
add_test(NAME contacts_e2e
  COMMAND bash ${CCD_ROOT}/tests/e2e/contacts_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(contacts_e2e PROPERTIES LABELS e2e TIMEOUT 300)

# Privacy: the audit log, erasure, export and retention in the SQLite store; the same over HTTP
# and the command line with the real daemon.
ccd_add_boost_test(sqlite_privacy_itest SOURCES itest/sqlite_privacy_itest.cpp LIBS ccd_daemon
  LABEL integration)
add_test(NAME privacy_e2e
  COMMAND bash ${CCD_ROOT}/tests/e2e/privacy_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(privacy_e2e PROPERTIES LABELS e2e TIMEOUT 300)
