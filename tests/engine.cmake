# The routing engine and its rules on the shipped routing.yaml (pure: no sockets, no clock).
ccd_add_boost_test(engine_test SOURCES unit/engine_test.cpp LIBS ccd_config ccd_routing)
