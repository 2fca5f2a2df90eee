# Reply templates: the engine (ICU MessageFormat), the catalog files, survey answers, `ccd render`.
ccd_add_boost_test(templates_render_test SOURCES unit/templates_render_test.cpp LIBS ccd_templates)
ccd_add_boost_test(templates_survey_test SOURCES unit/templates_survey_test.cpp LIBS ccd_templates)
ccd_add_boost_test(templates_catalog_test SOURCES unit/templates_catalog_test.cpp LIBS ccd_config)
ccd_add_boost_test(templates_routes_test SOURCES unit/templates_routes_test.cpp LIBS ccd_daemon)

add_test(NAME render_e2e
         COMMAND bash ${CCD_ROOT}/tests/e2e/render_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(render_e2e PROPERTIES LABELS e2e TIMEOUT 120)
