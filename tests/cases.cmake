# Service cases (routing/cases): the pure model on the shipped routing.yaml, read by the real
# parser, and the `cases:` section's configuration errors.
ccd_add_boost_test(cases_test SOURCES unit/cases_test.cpp LIBS ccd_config ccd_routing)
ccd_add_boost_test(cases_work_test SOURCES unit/cases_work_test.cpp LIBS ccd_config ccd_routing)
ccd_add_boost_test(cases_config_test SOURCES unit/cases_config_test.cpp LIBS ccd_config)
