#!/usr/bin/env bash
# End to end with the real binary: command line, exit codes, start-up errors, the curl example,
# SIGHUP reload (bad file keeps serving), SIGTERM, kill -9 durability of one message.
# Usage: cli_e2e.sh PATH/TO/ccd REPO_ROOT
CCD_BIN=$1
ROOT=$2
source "$(dirname "$0")/lib.sh"

T=$E2E_TMP
out=$("$CCD_BIN" --version); rc=$?
expect_eq "--version exits 0" 0 "$rc"
check "--version names ccd" grep -q "^ccd [0-9]" <<<"$out"
for cmd in "" "run" "check-config"; do
  rc=0; "$CCD_BIN" $cmd --help > "$T/help.txt" 2>&1 || rc=$?
  expect_eq "ccd $cmd --help exits 0" 0 "$rc"
done
"$CCD_BIN" --help > "$T/help.txt" 2>&1
check "--help documents exit codes" grep -q "Exit codes" "$T/help.txt"
rc=0; "$CCD_BIN" > /dev/null 2>&1 || rc=$?
expect_eq "no command is a usage error (2)" 2 "$rc"
rc=0; "$CCD_BIN" frobnicate > /dev/null 2>&1 || rc=$?
expect_eq "unknown command is a usage error (2)" 2 "$rc"

copy_shipped_config "$ROOT" "$T/shipped"
rc=0; "$CCD_BIN" check-config --config "$T/shipped/config/ccd.yaml" > "$T/check.txt" 2>&1 || rc=$?
expect_eq "shipped config passes check-config" 0 "$rc"

cat > "$T/bad.yaml" <<'YAML'
server:
  listen: "127.0.0.1:8080"
  treads: 4
storage:
  sqlite:
    path: [1, 2]
YAML
rc=0; "$CCD_BIN" check-config --config "$T/bad.yaml" > "$T/bad.out" 2>&1 || rc=$?
expect_eq "bad config exits 3" 3 "$rc"
check "unknown key reported at file:3:3" grep -q "bad.yaml:3:3: server.treads" "$T/bad.out"
check "type error reported at file:6:11" grep -q "bad.yaml:6:11: storage.sqlite.path" "$T/bad.out"
rc=0; "$CCD_BIN" run --config "$T/bad.yaml" > "$T/badrun.out" 2>&1 || rc=$?
expect_eq "run with a bad config exits 3" 3 "$rc"
rc=0; "$CCD_BIN" run --config "$T/missing.yaml" > "$T/missing.out" 2>&1 || rc=$?
expect_eq "run with a missing config exits 3" 3 "$rc"

# A running daemon, the README's curl example, and a read back.
write_config "$T/ccd.yaml" "$T/db/ccd.db"
# Conversations are read by a supervisor (agents.yaml beside ccd.yaml is the default).
printf 'accounts:\n  - name: sup\n    role: supervisor\n' > "$T/agents.yaml"
printf 'sup password\n' | "$CCD_BIN" agent passwd sup --config "$T/ccd.yaml" > /dev/null 2>&1
start_ccd "$T/ccd.yaml" "$T/ccd.log"
resp=$(curl -s -w ' %{http_code}' -d '{"from":{"id":"c1"},"text":"my printer is broken"}' \
  -H 'Content-Type: application/json' "http://127.0.0.1:$CCD_PORT/v1/messages")
expect_eq "curl example answers 202" 202 "${resp##* }"
conv=$(sed -E 's/.*"conversation_id":([0-9]+).*/\1/' <<<"$resp")
token=$(curl -s -H 'Content-Type: application/json' -d '{"name":"sup","password":"sup password"}' \
  "http://127.0.0.1:$CCD_PORT/v1/auth/login" | sed -E 's/.*"token":"([0-9a-f]+)".*/\1/')
code=$(curl -s -o "$T/conv.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$CCD_PORT/v1/conversations/$conv")
expect_eq "conversation readable" 200 "$code"
check "conversation holds the text" grep -q "my printer is broken" "$T/conv.json"
# Each thread says what it does (top -H, perf, gdb): the I/O threads and the store's.
cat /proc/"$CCD_PID"/task/*/comm > "$T/threads.txt"
for name in ccd-io ccd-store-w ccd-store-r ccd-checkpoint ccd-outbox; do
  check "a thread is named $name" grep -qx "$name" "$T/threads.txt"
done

# A second daemon on the same database is refused (4); on the same port too (5).
rc=0; "$CCD_BIN" run --config "$T/ccd.yaml" > "$T/second.log" 2>&1 || rc=$?
expect_eq "second daemon on a locked database exits 4" 4 "$rc"
check "it says the database is locked" grep -q "locked" "$T/second.log"
write_config "$T/other.yaml" "$T/db2/ccd.db"
sed -i "s/127.0.0.1:0/127.0.0.1:$CCD_PORT/" "$T/other.yaml"
rc=0; "$CCD_BIN" run --config "$T/other.yaml" > "$T/port.log" 2>&1 || rc=$?
expect_eq "a port in use exits 5" 5 "$rc"

# SIGHUP with an invalid file: logged, rejected, the daemon keeps serving.
cp "$T/ccd.yaml" "$T/ccd.yaml.good"
printf 'server:\n  threads: many\n' > "$T/ccd.yaml"
kill -HUP "$CCD_PID"
for _ in $(seq 1 100); do grep -q "rejected" "$T/ccd.log" && break; sleep 0.05; done
check "bad reload is logged with its position" grep -q "reload: .*ccd.yaml:2:12: server.threads" "$T/ccd.log"
code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"from":{"id":"c2"},"text":"still there?"}' \
  -H 'Content-Type: application/json' "http://127.0.0.1:$CCD_PORT/v1/messages")
expect_eq "still serving after a bad reload" 202 "$code"

# SIGHUP with a good file that lowers the body limit: applies at once.
cp "$T/ccd.yaml.good" "$T/ccd.yaml"
printf '  limits:\n    max_body_bytes: 100\n' > "$T/limits.yaml"
sed -i "/^  threads: 2/r $T/limits.yaml" "$T/ccd.yaml"
kill -HUP "$CCD_PID"
# (a reload retrains the classifier: seconds, more under the sanitizers)
for _ in $(seq 1 1200); do grep -q "configuration reloaded" "$T/ccd.log" && break; sleep 0.05; done
check "good reload is applied" grep -q "configuration reloaded" "$T/ccd.log"
long=$(printf 'x%.0s' $(seq 1 200))
code=$(curl -s -o /dev/null -w '%{http_code}' -d "{\"from\":{\"id\":\"c3\"},\"text\":\"$long\"}" \
  -H 'Content-Type: application/json' "http://127.0.0.1:$CCD_PORT/v1/messages")
expect_eq "new body limit answers 413" 413 "$code"

# SIGTERM: clean exit 0 within 5 s.
kill -TERM "$CCD_PID"
wait_exit "$CCD_PID" 5
expect_eq "SIGTERM exits 0 within 5 s" 0 "$EXIT_CODE"
check "shutdown is logged" grep -q "stopped" "$T/ccd.log"

# kill -9 right after a 202: the message is in the file.
cp "$T/ccd.yaml.good" "$T/ccd.yaml"
start_ccd "$T/ccd.yaml" "$T/ccd2.log"
code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"from":{"id":"k9"},"text":"survive kill -9","external_id":"k9-1"}' \
  -H 'Content-Type: application/json' "http://127.0.0.1:$CCD_PORT/v1/messages")
expect_eq "message before kill -9 accepted" 202 "$code"
kill -9 "$CCD_PID"; wait "$CCD_PID" 2>/dev/null || true; CCD_PID=""
n=$(sqlite3 "$T/db/ccd.db" "SELECT count(*) FROM messages WHERE provider_id = 'k9-1'")
expect_eq "message is in the database after kill -9" 1 "$n"

# ccd migrate: --dry-run shows the pending migrations and changes nothing; without it they are
# applied; a database newer than this ccd is refused (1).
write_config "$T/mig.yaml" "$T/mig/ccd.db"
rc=0; "$CCD_BIN" migrate --dry-run --config "$T/mig.yaml" > "$T/mig-dry.out" 2>&1 || rc=$?
expect_eq "migrate --dry-run exits 0" 0 "$rc"
check "it says there is no database yet" grep -q "schema version 0 (no database yet)" "$T/mig-dry.out"
check "it shows the first migration's SQL" grep -q "^CREATE TABLE contacts" "$T/mig-dry.out"
check "and creates nothing" test ! -e "$T/mig/ccd.db"
rc=0; "$CCD_BIN" migrate --config "$T/mig.yaml" > "$T/mig.out" 2>&1 || rc=$?
expect_eq "migrate exits 0" 0 "$rc"
check "it says what it applied" grep -qE "applied [0-9]+ migration\(s\), schema version 0 -> [0-9]+" "$T/mig.out"
latest=$(sqlite3 "$T/mig/ccd.db" "PRAGMA user_version")
check "the file is at the latest version" test "$latest" -gt 10
rc=0; "$CCD_BIN" migrate --dry-run --config "$T/mig.yaml" > "$T/mig-again.out" 2>&1 || rc=$?
check "then it is up to date" grep -q "schema version $latest, up to date" "$T/mig-again.out"
sqlite3 "$T/mig/ccd.db" "PRAGMA user_version = 999"
rc=0; "$CCD_BIN" migrate --config "$T/mig.yaml" > "$T/mig-newer.out" 2>&1 || rc=$?
expect_eq "a newer database exits 1" 1 "$rc"
check "it says to upgrade ccd" grep -q "newer than this ccd knows" "$T/mig-newer.out"

# A corrupt database file stops start-up with a clear error (4).
mkdir -p "$T/bad"; head -c 100000 /dev/urandom > "$T/bad/ccd.db"
write_config "$T/corrupt.yaml" "$T/bad/ccd.db"
rc=0; "$CCD_BIN" run --config "$T/corrupt.yaml" > "$T/corrupt.log" 2>&1 || rc=$?
expect_eq "corrupt database exits 4" 4 "$rc"
check "it says the database is corrupt" grep -q "corrupt" "$T/corrupt.log"

finish
