# Agent accounts and access: agents.yaml, passwords, tokens, throttling, the auth endpoints.
ccd_add_boost_test(agents_config_test SOURCES unit/agents_config_test.cpp LIBS ccd_config)
ccd_add_boost_test(auth_test SOURCES unit/auth_test.cpp LIBS ccd_daemon)
# Sessions kept in the store (AuthService::useSessionStore): over a fake store, and over each
# real store (auth_sessions_itest_pg in tests/postgres.cmake).
ccd_add_boost_test(auth_sessions_test SOURCES unit/auth_sessions_test.cpp LIBS ccd_daemon)
ccd_add_boost_test(auth_sessions_itest SOURCES itest/auth_sessions_itest.cpp LIBS ccd_daemon
                   LABEL integration)
ccd_add_boost_test(login_queue_test SOURCES unit/login_queue_test.cpp LIBS ccd_daemon)
ccd_add_boost_test(auth_itest SOURCES itest/auth_itest.cpp LIBS ccd_daemon ccd_test_support
                   LABEL integration)

# Sessions outlive a kill -9 and restart of ccd on SQLite (pg_failover_e2e: on PostgreSQL).
add_test(NAME session_restart_e2e
  COMMAND bash ${CCD_ROOT}/tests/e2e/session_restart_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(session_restart_e2e PROPERTIES LABELS e2e TIMEOUT 120)

add_test(NAME passwd_e2e COMMAND bash ${CCD_ROOT}/tests/e2e/passwd_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(passwd_e2e PROPERTIES LABELS e2e TIMEOUT 300)

# Multi-factor authentication: TOTP and base32 vectors, enrolment, codes, recovery, policy.
ccd_add_boost_test(totp_test SOURCES unit/totp_test.cpp LIBS ccd_daemon)
ccd_add_boost_test(mfa_test SOURCES unit/mfa_test.cpp LIBS ccd_daemon)
add_test(NAME mfa_e2e COMMAND bash ${CCD_ROOT}/tests/e2e/mfa_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(mfa_e2e PROPERTIES LABELS e2e TIMEOUT 300)
