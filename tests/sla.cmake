# Business hours and SLA clocks (pure routing code).
ccd_add_boost_test(business_hours_test SOURCES unit/business_hours_test.cpp LIBS ccd_routing)
ccd_add_boost_test(dispatcher_test SOURCES unit/dispatcher_test.cpp LIBS ccd_routing)
