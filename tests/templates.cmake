# Reply templates: the engine (ICU MessageFormat), the catalog files, survey answers, `ccd render`.
ccd_add_boost_test(templates_render_test SOURCES unit/templates_render_test.cpp LIBS ccd_templates)
ccd_add_boost_test(templates_survey_test SOURCES unit/templates_survey_test.cpp LIBS ccd_templates)
ccd_add_boost_test(templates_catalog_test SOURCES unit/templates_catalog_test.cpp LIBS ccd_config)
