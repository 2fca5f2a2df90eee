# Customer records: the contact body and CSV parsers, the SQLite side, the HTTP routes, the
# import command.
ccd_add_boost_test(contact_json_test SOURCES unit/contact_json_test.cpp LIBS ccd_channels)
ccd_add_boost_test(contact_csv_test SOURCES unit/contact_csv_test.cpp LIBS ccd_channels)
ccd_add_boost_test(sqlite_contacts_itest SOURCES itest/sqlite_contacts_itest.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_contacts.cpp ${CCD_ROOT}/daemon/store/sqlite/schema.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_db.cpp
  LIBS ccd_routing SQLite::SQLite3 nlohmann_json::nlohmann_json LABEL integration)
