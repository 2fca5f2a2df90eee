# Customer records: the contact body and CSV parsers, the SQLite side, the HTTP routes, the
# import command.
ccd_add_boost_test(contact_json_test SOURCES unit/contact_json_test.cpp LIBS ccd_channels)
ccd_add_boost_test(contact_csv_test SOURCES unit/contact_csv_test.cpp LIBS ccd_channels)
