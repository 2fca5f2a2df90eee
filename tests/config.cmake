# Configuration parsing and validation.
ccd_add_boost_test(config_test SOURCES unit/config_test.cpp LIBS ccd_config)
# server.trusted_proxies: address ranges, the client through X-Forwarded-For.
ccd_add_boost_test(ip_network_test SOURCES unit/ip_network_test.cpp LIBS ccd_config)
ccd_add_boost_test(routing_config_test SOURCES unit/routing_config_test.cpp LIBS ccd_config)
# YAML aliases: what they may cost once expanded (issue 15, defect 7).
ccd_add_boost_test(yaml_alias_test SOURCES unit/yaml_alias_test.cpp LIBS ccd_config)
# TLS certificate and key files of the listeners, checked at load time (issue 15).
ccd_add_boost_test(tls_config_test SOURCES unit/tls_config_test.cpp
                   LIBS ccd_config ccd_tls_support)
# Trained classifier models kept as files between processes: a temporary directory.
ccd_add_boost_test(model_file_store_itest SOURCES itest/model_file_store_itest.cpp
                   LIBS ccd_config LABEL integration)
