# Email channel: the MIME layer (parse, build) on fixtures from tests/data/email, and the
# `ccd email parse` command end to end.
ccd_add_boost_test(email_mime_test SOURCES unit/email_mime_test.cpp LIBS ccd_email)

add_test(NAME email_cli_e2e
  COMMAND bash ${CCD_ROOT}/tests/e2e/email_cli_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(email_cli_e2e PROPERTIES LABELS e2e TIMEOUT 120)

# The channel end to end: real dovecot (IMAP) and aiosmtpd (SMTP) on loopback ports, run as an
# unprivileged user, and the real daemon (scripts/install-deps.sh --test installs both servers).
add_test(NAME email_e2e
  COMMAND python3 ${CCD_ROOT}/tests/e2e/email_e2e.py $<TARGET_FILE:ccd> ${CCD_ROOT} flow)
add_test(NAME email_outage_e2e
  COMMAND python3 ${CCD_ROOT}/tests/e2e/email_e2e.py $<TARGET_FILE:ccd> ${CCD_ROOT} outage)
set_tests_properties(email_e2e email_outage_e2e PROPERTIES LABELS e2e TIMEOUT 180)
# Attachments kept and served, moving without MOVE, TLS (imaps, smtps, STARTTLS, a private CA).
foreach(mode attachments move tls)
  add_test(NAME email_${mode}_e2e
    COMMAND python3 ${CCD_ROOT}/tests/e2e/email_mailbox_e2e.py $<TARGET_FILE:ccd> ${CCD_ROOT} ${mode})
  set_tests_properties(email_${mode}_e2e PROPERTIES LABELS e2e TIMEOUT 180)
endforeach()
# Web chat carried on by email and its transcript: the same real servers, a customer's websocket
# and an agent's console.
add_test(NAME webchat_email_e2e
  COMMAND python3 ${CCD_ROOT}/tests/e2e/webchat_email_e2e.py $<TARGET_FILE:ccd> ${CCD_ROOT} flow)
set_tests_properties(webchat_email_e2e PROPERTIES LABELS e2e TIMEOUT 180)

# Service cases end to end (docs/cases.md): a mailed fault becomes a repair case worked through
# quote, visit, repair and follow-up, with the customer's mails checked on real mail servers.
add_test(NAME cases_e2e
  COMMAND python3 ${CCD_ROOT}/tests/e2e/cases_e2e.py $<TARGET_FILE:ccd> ${CCD_ROOT} flow)
set_tests_properties(cases_e2e PROPERTIES LABELS e2e TIMEOUT 180)
