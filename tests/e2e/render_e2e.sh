#!/usr/bin/env bash
# End to end: `ccd render` with the real binary and the shipped catalog: locales and their
# fallback, channels, time zones, customer text that looks like syntax, exit codes 2 and 3.
# Usage: render_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
CAT="$ROOT/templates/default"
render() { "$CCD_BIN" render --catalog "$CAT" "$@"; }

rc=0; render ack --locale zh-TW --channel email --var ticket=10428 \
  --var first_response_due=2026-11-23T10:30:00Z --var company_name=Acme \
  --time-zone Asia/Taipei > "$T/ack.txt" 2>&1 || rc=$?
expect_eq "render ack exits 0" 0 "$rc"
check "zh-TW falls back to zh-Hant" grep -q "^# ack \[zh-Hant\] email" "$T/ack.txt"
check "email subject" grep -q "^subject: 您的服務單 #10428 已受理" "$T/ack.txt"
check "time in Asia/Taipei" grep -q "下午6:30" "$T/ack.txt"
check "html part" grep -q "<strong>#10428</strong>" "$T/ack.txt"

rc=0; render ack --locale zh-CN --var ticket=7 --var first_response_due=2026-11-23T10:30:00Z \
  --time-zone Asia/Shanghai > "$T/hans.txt" 2>&1 || rc=$?
expect_eq "zh-CN text exits 0" 0 "$rc"
check "zh-Hans wording and 24-hour time" grep -q "您的工单 #7 已受理，我们将在 18:30 前回复您" "$T/hans.txt"

render queue_position --locale en-GB --var queue_position=3 --var estimated_wait_minutes=90s \
  > "$T/queue.txt" 2>&1
check "plural with a duration in minutes" grep -q "You are number 3 in line. The estimated wait is 2 minutes." "$T/queue.txt"
render queue_position --locale en --var queue_position=1 --var estimated_wait_minutes=1 \
  > "$T/queue1.txt" 2>&1
check "singular" grep -q "You are next in line. The estimated wait is 1 minute." "$T/queue1.txt"

render voice_greeting --channel voice --locale zh-Hant --var "company_name=Acme" > "$T/voice.txt" 2>&1
check "voice channel prints speech" grep -q "^speech:" "$T/voice.txt"

render ack --locale en --var "ticket={first_response_due}'" \
  --var first_response_due=2026-11-23T10:30:00+08:00 > "$T/inject.txt" 2>&1
check "customer text renders literally" grep -q "request #{first_response_due}' has been received" "$T/inject.txt"
check "offset +08:00 is honoured (UTC output)" grep -q "2:30" "$T/inject.txt"

render survey --locale en --channel email --var ticket=1 --var company_name=Acme \
  --var "survey_link=https://x.test/?a=1&b=<2>" > "$T/survey.txt" 2>&1
check "html escapes values" grep -q 'href="https://x.test/?a=1&amp;b=&lt;2&gt;"' "$T/survey.txt"

rc=0; render ack --locale en --sample > /dev/null 2>&1 || rc=$?
expect_eq "--sample fills the context" 0 "$rc"

rc=0; render nope --locale en > "$T/err.txt" 2>&1 || rc=$?
expect_eq "unknown template exits 2" 2 "$rc"
rc=0; render ack --locale klingon --sample > "$T/err.txt" 2>&1 || rc=$?
expect_eq "unknown locale exits 2" 2 "$rc"
rc=0; render ack --var ticket > "$T/err.txt" 2>&1 || rc=$?
expect_eq "--var without = exits 2" 2 "$rc"
rc=0; render ack --var first_response_due=tomorrow --var ticket=1 > "$T/err.txt" 2>&1 || rc=$?
expect_eq "a bad time exits 2" 2 "$rc"
rc=0; render ack --var ticket=1 > "$T/err.txt" 2>&1 || rc=$?
expect_eq "a missing variable exits 2" 2 "$rc"
check "it names the variable" grep -q "first_response_due" "$T/err.txt"
rc=0; render ack --sample --time-zone Mars/Base > "$T/err.txt" 2>&1 || rc=$?
expect_eq "an unknown time zone exits 2" 2 "$rc"

mkdir -p "$T/bad"
cp "$CAT"/*.yaml "$T/bad/"
sed -i 's/{ticket}/{tiket}/' "$T/bad/zh-Hans.yaml"
rc=0; "$CCD_BIN" render ack --catalog "$T/bad" --sample > "$T/bad.out" 2>&1 || rc=$?
expect_eq "an invalid catalog exits 3" 3 "$rc"
check "issue printed as file:line:column: path: message" \
  grep -qE "zh-Hans.yaml:[0-9]+:[0-9]+: templates.ack.text: unknown variable \"tiket\"" "$T/bad.out"

# The shipped configuration names the shipped catalog; check-config loads it (a copy: tests
# never read the checkout's own config/, where a user's changes live).
copy_shipped_config "$ROOT" "$T/shipped"
rc=0; "$CCD_BIN" check-config --config "$T/shipped/config/ccd.yaml" > "$T/check.txt" 2>&1 || rc=$?
expect_eq "check-config with the catalog exits 0" 0 "$rc"
check "check-config reports the catalog" grep -q "templates/default: OK (24 templates, 3 locales)" "$T/check.txt"
rc=0; "$CCD_BIN" render ack --config "$T/shipped/config/ccd.yaml" --sample --locale zh-MO > "$T/cfg.txt" 2>&1 || rc=$?
expect_eq "render from the configuration's catalog" 0 "$rc"
check "zh-MO falls back to zh-Hant" grep -q "^# ack \[zh-Hant\]" "$T/cfg.txt"

finish
