#!/usr/bin/env bash
# End to end: following the README (`ccd agent passwd NAME --config config/ccd.yaml`) on a copy
# of the shipped configuration keeps the password hash in the data directory
# (var/passwords.yaml, beside the database, mode 600) and changes no file of config/ (issue 15:
# it rewrote the tracked agents.yaml); check-config still passes; the daemon logs in with it,
# says how to set the passwords still missing, and the shipped admin can reload.
# Usage: passwd_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
S=$T/shipped
shipped_config_on_free_ports "$ROOT" "$S"  # everything else as shipped
cp -r "$S/config" "$T/config.orig"

rc=0; "$CCD_BIN" check-config --config "$CFG" > "$T/check.txt" 2>&1 || rc=$?
expect_eq "check-config passes with the shipped agents file" 0 "$rc"
check "check-config reports the agents file" grep -q "agents.yaml: OK (4 accounts)" "$T/check.txt"

rc=0; printf 'a demo password\n' | "$CCD_BIN" agent passwd alice --config "$CFG" \
  > "$T/passwd.out" 2>&1 || rc=$?
expect_eq "agent passwd alice exits 0" 0 "$rc"
check "it says where it wrote" grep -q "password of \"alice\" set in $S/var/passwords.yaml" "$T/passwd.out"
check "no file of config/ changed" diff -r "$T/config.orig" "$S/config"
check "nothing new in config/" test "$(ls "$S/config" | wc -l)" = "$(ls "$T/config.orig" | wc -l)"
check "alice's hash is in the data directory" \
  grep -qE '^  "alice": "\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"$' "$S/var/passwords.yaml"
expect_eq "the passwords file is for its owner only" 600 "$(stat -c %a "$S/var/passwords.yaml")"
check "no temp file left" test -z "$(ls "$S/var" | grep tmp- || true)"
check "the password is not in the file" bash -c "! grep -q 'a demo password' '$S/var/passwords.yaml'"
rc=0; printf 'the admin password\n' | "$CCD_BIN" agent passwd admin --config "$CFG" > /dev/null 2>&1 || rc=$?
expect_eq "agent passwd admin exits 0" 0 "$rc"
expect_eq "two hashes now" 2 "$(grep -c '"\$argon2id' "$S/var/passwords.yaml")"
expect_eq "mode kept" 600 "$(stat -c %a "$S/var/passwords.yaml")"
rc=0; "$CCD_BIN" check-config --config "$CFG" > "$T/check2.txt" 2>&1 || rc=$?
expect_eq "check-config still passes" 0 "$rc"

cp "$S/var/passwords.yaml" "$T/passwords.set"
rc=0; printf 'short\n' | "$CCD_BIN" agent passwd alice --config "$CFG" > /dev/null 2>&1 || rc=$?
expect_eq "a short password is refused (2)" 2 "$rc"
rc=0; printf 'a demo password\n' | "$CCD_BIN" agent passwd nobody --config "$CFG" \
  > "$T/nobody.out" 2>&1 || rc=$?
expect_eq "an unknown account is refused (2)" 2 "$rc"
check "it names the account" grep -q 'no account named "nobody"' "$T/nobody.out"
rc=0; "$CCD_BIN" agent passwd alice --config "$CFG" < /dev/null > /dev/null 2>&1 || rc=$?
expect_eq "no password on stdin is refused (2)" 2 "$rc"
check "refusals leave the file alone" cmp -s "$T/passwords.set" "$S/var/passwords.yaml"

# The daemon: alice logs in; sam's missing password is pointed out at start-up.
start_ccd "$CFG" "$T/ccd.log"
check "start-up says how to set sam's password" \
  grep -q "agent \"sam\" has no password: set one with  .*ccd agent passwd sam --config" "$T/ccd.log"
check "and not alice's" bash -c "! grep -q 'agent \"alice\" has no password' '$T/ccd.log'"
base="http://127.0.0.1:$CCD_PORT"
resp=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
  -d '{"name":"alice","password":"a demo password"}' "$base/v1/auth/login")
expect_eq "alice logs in" 200 "${resp##* }"
token=$(sed -E 's/.*"token":"([0-9a-f]+)".*/\1/' <<<"$resp")
code=$(curl -s -o "$T/me.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$base/v1/auth/me")
expect_eq "GET /v1/auth/me with the token" 200 "$code"
check "it is alice" grep -q '"name":"alice"' "$T/me.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"name":"sam","password":""}' "$base/v1/auth/login")
expect_eq "sam cannot log in yet" 401 "$code"
check "the token is not logged" bash -c "! grep -q '$token' '$T/ccd.log'"
check "the password is not logged" bash -c "! grep -q 'a demo password' '$T/ccd.log'"
check "the login is logged with a token id" grep -q "login: alice (agent) from 127.0.0.1, token [0-9a-f]\{8\}" "$T/ccd.log"

# The shipped admin reloads; a password changed while the daemon runs applies without a signal
# and ends the sessions of the old one.
resp=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' \
  -d '{"name":"admin","password":"the admin password"}' "$base/v1/auth/login")
expect_eq "admin logs in" 200 "${resp##* }"
admin=$(sed -E 's/.*"token":"([0-9a-f]+)".*/\1/' <<<"$resp")
code=$(curl -s -o "$T/reload.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $admin" "$base/v1/admin/reload")
expect_eq "the admin reloads" 200 "$code"
printf 'another password\n' | "$CCD_BIN" agent passwd alice --config "$CFG" > /dev/null 2>&1
# (the watcher's reload trains the classifier again: seconds, more under the sanitizers)
for _ in $(seq 1 600); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/v1/auth/me")
  [ "$code" = 401 ] && break
  sleep 0.1
done
expect_eq "alice's old token is revoked once her password changed" 401 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"name":"alice","password":"another password"}' "$base/v1/auth/login")
expect_eq "alice logs in with the new password" 200 "$code"
check "still no file of config/ changed" diff -r "$T/config.orig" "$S/config"

kill -TERM "$CCD_PID"
wait_exit "$CCD_PID" 5
expect_eq "SIGTERM exits 0" 0 "$EXIT_CODE"
finish
