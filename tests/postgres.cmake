# The PostgreSQL store's tests, against a throwaway cluster (tests/support/pg_cluster.sh) that a
# CTest fixture starts before them and removes after. The tests read its DSN from the file
# CCD_PG_DSN_FILE, a path fixed here at configure time (or take CCD_PG_TEST_DSN when set, to use
# another server). They link ccd_store_postgres, not the daemon, so that they build fast.
set(CCD_PG_CLUSTER_DIR ${CMAKE_BINARY_DIR}/pg-cluster)
add_test(NAME pg_cluster_start
  COMMAND bash ${CCD_ROOT}/tests/support/pg_cluster.sh start ${CCD_PG_CLUSTER_DIR})
add_test(NAME pg_cluster_stop
  COMMAND bash ${CCD_ROOT}/tests/support/pg_cluster.sh stop ${CCD_PG_CLUSTER_DIR})
set_tests_properties(pg_cluster_start PROPERTIES FIXTURES_SETUP pg_cluster LABELS integration
  TIMEOUT 120)
set_tests_properties(pg_cluster_stop PROPERTIES FIXTURES_CLEANUP pg_cluster LABELS integration
  TIMEOUT 120)

function(ccd_add_pg_test name)
  ccd_add_boost_test(${name} ${ARGN} LABEL integration)
  target_link_libraries(${name} PRIVATE ccd_store_postgres)
  target_compile_definitions(${name} PRIVATE CCD_PG_DSN_FILE="${CCD_PG_CLUSTER_DIR}/dsn")
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED pg_cluster TIMEOUT 180)
endfunction()
ccd_add_pg_test(pg_db_itest SOURCES itest/pg_db_itest.cpp)
# The engine's lease among nodes: one holder, handed over when its session or process ends.
ccd_add_pg_test(pg_lease_itest SOURCES itest/pg_lease_itest.cpp)
# The schema compared with the SQLite store's: SQLite's migrations are compiled in (two files,
# not the daemon) and migrate a temporary file.
ccd_add_pg_test(pg_schema_itest SOURCES itest/pg_schema_itest.cpp
  ${CCD_ROOT}/daemon/store/sqlite/schema.cpp ${CCD_ROOT}/daemon/store/sqlite/sqlite_db.cpp
  ${CCD_ROOT}/daemon/store/sqlite/wal_buffer.cpp)
target_link_libraries(pg_schema_itest PRIVATE SQLite::SQLite3)
# The ingest path, on both stores: SQLite's InboundWriter is compiled in (its sources, not the
# daemon) so that the same expectations run on each.
ccd_add_pg_test(pg_ingest_itest SOURCES itest/pg_ingest_itest.cpp itest/pg_ingest_nodes_itest.cpp
  ${CCD_ROOT}/daemon/store/sqlite/schema.cpp ${CCD_ROOT}/daemon/store/sqlite/sqlite_db.cpp
  ${CCD_ROOT}/daemon/store/sqlite/wal_buffer.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_ingest.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_routing.cpp
  ${CCD_ROOT}/channels/common/crypto.cpp)
target_link_libraries(pg_ingest_itest PRIVATE ccd_store_postgres_ingest SQLite::SQLite3
  OpenSSL::Crypto)
# PgStore, with SqliteStore in the same suite (the daemon's library holds SqliteStore, the
# metrics and the routing state's JSON that PgStore uses).
ccd_add_pg_test(pg_store_itest SOURCES itest/pg_store_itest.cpp itest/pg_store_records_itest.cpp)
target_link_libraries(pg_store_itest PRIVATE ccd_store_postgres_store ccd_daemon)
ccd_add_pg_test(pg_store_nodes_itest SOURCES itest/pg_store_nodes_itest.cpp)
target_link_libraries(pg_store_nodes_itest PRIVATE ccd_store_postgres_store ccd_daemon)
# The outbox among nodes: which node claimed a row, taken back when that node is gone.
ccd_add_pg_test(pg_outbox_nodes_itest SOURCES itest/pg_outbox_nodes_itest.cpp)
target_link_libraries(pg_outbox_nodes_itest PRIVATE ccd_store_postgres_store ccd_daemon)
# Several active nodes: a follower's notifications to the leader, the leader's sweeps.
ccd_add_pg_test(pg_leader_link_itest SOURCES itest/pg_leader_link_itest.cpp)
target_link_libraries(pg_leader_link_itest PRIVATE ccd_store_postgres_store ccd_daemon)
# The SQLite store's free functions and their PostgreSQL ports, one suite per subject, each
# check run on both (tests/support/store_pair.hpp): SQLite's sources are compiled in, not the
# daemon.
set(CCD_PG_SQLITE_BASE ${CCD_ROOT}/daemon/store/sqlite/schema.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_db.cpp
  ${CCD_ROOT}/daemon/store/sqlite/wal_buffer.cpp)
function(ccd_add_pg_functions_test name)
  ccd_add_pg_test(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE ccd_store_postgres_functions SQLite::SQLite3)
endfunction()
ccd_add_pg_functions_test(pg_contacts_itest SOURCES itest/pg_contacts_itest.cpp
  ${CCD_PG_SQLITE_BASE} ${CCD_ROOT}/daemon/store/sqlite/sqlite_contacts.cpp)
ccd_add_pg_functions_test(pg_cases_itest SOURCES itest/pg_cases_itest.cpp
  ${CCD_PG_SQLITE_BASE} ${CCD_ROOT}/daemon/store/sqlite/sqlite_cases.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_routing.cpp ${CCD_ROOT}/channels/common/crypto.cpp)
target_link_libraries(pg_cases_itest PRIVATE OpenSSL::Crypto)
ccd_add_pg_functions_test(pg_audit_itest SOURCES itest/pg_audit_itest.cpp
  ${CCD_PG_SQLITE_BASE} ${CCD_ROOT}/daemon/store/sqlite/sqlite_audit.cpp)
ccd_add_pg_functions_test(pg_api_keys_itest SOURCES itest/pg_api_keys_itest.cpp
  ${CCD_PG_SQLITE_BASE} ${CCD_ROOT}/daemon/store/sqlite/sqlite_api_keys.cpp)
ccd_add_pg_functions_test(pg_contact_history_itest SOURCES itest/pg_contact_history_itest.cpp
  ${CCD_PG_SQLITE_BASE} ${CCD_ROOT}/daemon/store/sqlite/sqlite_contact_history.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_contacts.cpp)
ccd_add_pg_functions_test(pg_privacy_itest SOURCES itest/pg_privacy_itest.cpp
  ${CCD_PG_SQLITE_BASE} ${CCD_ROOT}/daemon/store/sqlite/sqlite_privacy.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_contacts.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_conversations.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_routing.cpp ${CCD_ROOT}/channels/common/crypto.cpp)
target_link_libraries(pg_privacy_itest PRIVATE OpenSSL::Crypto)
ccd_add_pg_functions_test(pg_retention_itest SOURCES itest/pg_retention_itest.cpp
  ${CCD_PG_SQLITE_BASE} ${CCD_ROOT}/daemon/store/sqlite/sqlite_retention.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_privacy.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_audit.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_contacts.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_conversations.cpp
  ${CCD_ROOT}/daemon/store/sqlite/sqlite_routing.cpp ${CCD_ROOT}/channels/common/crypto.cpp)
target_link_libraries(pg_retention_itest PRIVATE OpenSSL::Crypto)

# The real ccd on PostgreSQL (storage.driver postgres), each test in a database of its own on the
# test cluster: messages through the API channel, routing and automatic replies, a restart that
# restores the engine from PostgreSQL, an unreachable server at start.
add_test(NAME pg_daemon_e2e COMMAND python3 ${CCD_ROOT}/tests/e2e/pg_daemon_e2e.py
  $<TARGET_FILE:ccd> ${CCD_ROOT} ${CCD_PG_CLUSTER_DIR})
# PostgreSQL restarted under load: it stops the cluster's server, so it runs alone.
add_test(NAME pg_restart_e2e COMMAND python3 ${CCD_ROOT}/tests/e2e/pg_restart_e2e.py
  $<TARGET_FILE:ccd> ${CCD_ROOT} ${CCD_PG_CLUSTER_DIR})
# Three nodes, a leader and two followers, load through all three: kill -9 of the leader under
# load, a follower takes the engine's lease and leads (fail-over time printed).
add_test(NAME pg_cluster_e2e COMMAND python3 ${CCD_ROOT}/tests/e2e/pg_cluster_e2e.py
  $<TARGET_FILE:ccd> ${CCD_ROOT} ${CCD_PG_CLUSTER_DIR})
set_tests_properties(pg_daemon_e2e pg_restart_e2e pg_cluster_e2e PROPERTIES FIXTURES_REQUIRED pg_cluster
  LABELS e2e TIMEOUT 120)
set_tests_properties(pg_restart_e2e PROPERTIES RUN_SERIAL TRUE)
# The KPI reports' suites (tests/daemon.cmake) again with the store on PostgreSQL (their first
# argument, tests/support/report_store.hpp): the same data, the same hand-worked figures; and
# agents' sessions in the store (tests/auth.cmake).
foreach(suite reports_itest reports_kpis_itest auth_sessions_itest)
  target_compile_definitions(${suite} PRIVATE CCD_PG_DSN_FILE="${CCD_PG_CLUSTER_DIR}/dsn")
  add_test(NAME ${suite}_pg COMMAND ${suite} --log_level=test_suite --report_level=short
    -- postgres)
  set_tests_properties(${suite}_pg PROPERTIES FIXTURES_REQUIRED pg_cluster LABELS integration
    TIMEOUT 180)
endforeach()
# The database commands of the real binary on PostgreSQL (migrate, contacts, api-key,
# retention, report).
add_test(NAME cli_pg_e2e COMMAND bash ${CCD_ROOT}/tests/e2e/cli_pg_e2e.sh $<TARGET_FILE:ccd>
  ${CCD_ROOT} ${CCD_PG_CLUSTER_DIR}/dsn)
set_tests_properties(cli_pg_e2e PROPERTIES FIXTURES_REQUIRED pg_cluster LABELS e2e TIMEOUT 120)
