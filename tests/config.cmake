# Configuration parsing and validation.
ccd_add_boost_test(config_test SOURCES unit/config_test.cpp LIBS ccd_config)
