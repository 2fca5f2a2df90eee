#!/usr/bin/env bash
# End to end: `ccd agent passwd` rewrites one password_hash line of a copy of the shipped
# agents.yaml (comments, order and mode kept), check-config still passes, and the daemon logs in
# with it (and says how to set the passwords still missing).
# Usage: passwd_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
write_config "$T/ccd.yaml" "$T/db/ccd.db"
echo "agents: agents.yaml" >> "$T/ccd.yaml"
cp "$ROOT/config/agents.yaml" "$T/agents.yaml"
chmod 640 "$T/agents.yaml"
cp "$T/agents.yaml" "$T/agents.orig"

rc=0; "$CCD_BIN" check-config --config "$T/ccd.yaml" > "$T/check.txt" 2>&1 || rc=$?
expect_eq "check-config passes with the shipped agents file" 0 "$rc"
check "check-config reports the agents file" grep -q "agents.yaml: OK (2 accounts)" "$T/check.txt"

rc=0; printf 'a demo password\n' | "$CCD_BIN" agent passwd alice --config "$T/ccd.yaml" \
  > "$T/passwd.out" 2>&1 || rc=$?
expect_eq "agent passwd alice exits 0" 0 "$rc"
check "it says where it wrote" grep -q "password of \"alice\" set in $T/agents.yaml" "$T/passwd.out"
changed=$(diff "$T/agents.orig" "$T/agents.yaml" | grep -c '^[<>]' || true)
expect_eq "exactly one line changed (one out, one in)" 2 "$changed"
check "the new line is alice's hash with its comment" \
  grep -qE '^    password_hash: "\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+" +# demo account: no password yet$' "$T/agents.yaml"
expect_eq "comments kept" "$(grep -c '#' "$T/agents.orig")" "$(grep -c '#' "$T/agents.yaml")"
expect_eq "sam still has no password" 1 "$(grep -c 'password_hash: ""$' "$T/agents.yaml")"
expect_eq "mode kept" 640 "$(stat -c %a "$T/agents.yaml")"
check "no temp file left" test -z "$(ls "$T" | grep tmp- || true)"
check "the password is not in the file" bash -c "! grep -q 'a demo password' '$T/agents.yaml'"
rc=0; "$CCD_BIN" check-config --config "$T/ccd.yaml" > "$T/check2.txt" 2>&1 || rc=$?
expect_eq "check-config still passes" 0 "$rc"

cp "$T/agents.yaml" "$T/agents.set"
rc=0; printf 'short\n' | "$CCD_BIN" agent passwd alice --config "$T/ccd.yaml" > /dev/null 2>&1 || rc=$?
expect_eq "a short password is refused (2)" 2 "$rc"
rc=0; printf 'a demo password\n' | "$CCD_BIN" agent passwd nobody --config "$T/ccd.yaml" \
  > "$T/nobody.out" 2>&1 || rc=$?
expect_eq "an unknown account is refused (2)" 2 "$rc"
check "it names the account" grep -q 'no account named "nobody"' "$T/nobody.out"
rc=0; "$CCD_BIN" agent passwd alice --config "$T/ccd.yaml" < /dev/null > /dev/null 2>&1 || rc=$?
expect_eq "no password on stdin is refused (2)" 2 "$rc"
check "refusals leave the file alone" cmp -s "$T/agents.set" "$T/agents.yaml"

# The daemon: alice logs in; sam's missing password is pointed out at start-up.
start_ccd "$T/ccd.yaml" "$T/ccd.log"
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

kill -TERM "$CCD_PID"
wait_exit "$CCD_PID" 5
expect_eq "SIGTERM exits 0" 0 "$EXIT_CODE"
finish
