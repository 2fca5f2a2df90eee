#!/usr/bin/env bash
# End to end: agents' sign-in sessions outlive the process (SQLite store). alice and sam log in
# and sam logs out; ccd is killed with kill -9 and started again on the same database: alice's
# token still works on an authenticated route and on the console's websocket, sam's does not,
# and neither does a token of a password changed while ccd was stopped.
# Usage: session_restart_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
shipped_config_on_free_ports "$ROOT" "$T/s"
for who in alice sam admin; do
  printf '%s password\n' "$who" | "$CCD_BIN" agent passwd "$who" --config "$CFG" > /dev/null 2>&1
done

# login NAME: prints the token.
login() {
  curl -s -H 'Content-Type: application/json' -d "{\"name\":\"$1\",\"password\":\"$1 password\"}" \
    "http://127.0.0.1:$CCD_PORT/v1/auth/login" | sed -E 's/.*"token":"([0-9a-f]+)".*/\1/'
}
# me TOKEN: the status of GET /v1/auth/me with it.
me() {
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
    "http://127.0.0.1:$CCD_PORT/v1/auth/me"
}
# upgrade LOG TOKEN: the status of a websocket upgrade of the console listener with the token
# (101: accepted; the connection is then cut after a second).
upgrade() {
  local port
  port=$(grep -o "console: websocket listening on ws://[^ ]*" "$1" | head -1 | sed -E 's|.*:([0-9]+)/$|\1|')
  curl -s -o /dev/null -w '%{http_code}' --max-time 1 --http1.1 \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "Authorization: Bearer $2" \
    "http://127.0.0.1:$port/" || true
}

start_ccd "$CFG" "$T/ccd-1.log"
alice=$(login alice)
sam=$(login sam)
admin=$(login admin)
expect_eq "alice's token works" 200 "$(me "$alice")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $sam" \
  "http://127.0.0.1:$CCD_PORT/v1/auth/logout")
expect_eq "sam logs out" 204 "$code"

kill -9 "$CCD_PID"; wait "$CCD_PID" 2>/dev/null || true
# admin's password changes while ccd is stopped.
printf 'a new admin password\n' | "$CCD_BIN" agent passwd admin --config "$CFG" > /dev/null 2>&1

start_ccd "$CFG" "$T/ccd-2.log"
check "the restart loads the stored sessions" \
  grep -q "sessions: 1 agents' sessions loaded from the store" "$T/ccd-2.log"
expect_eq "after kill -9 and a restart alice's token works on GET /v1/auth/me" 200 "$(me "$alice")"
expect_eq "and on the console's websocket" 101 "$(upgrade "$T/ccd-2.log" "$alice")"
expect_eq "sam's token, logged out before the kill, does not" 401 "$(me "$sam")"
expect_eq "nor on the websocket" 401 "$(upgrade "$T/ccd-2.log" "$sam")"
expect_eq "admin's token, whose password changed meanwhile, does not" 401 "$(me "$admin")"
check "no token is in the database" bash -c "! grep -qa -e '$alice' -e '$sam' '$T/s/var/ccd.db'*"
finish
