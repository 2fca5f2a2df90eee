# Helpers for the end-to-end scripts: start the real ccd binary on a free loopback port with a
# database in a temp folder, and small assertions. Source it; set CCD_BIN first.
set -euo pipefail

E2E_TMP=$(mktemp -d /tmp/ccd-e2e-XXXXXX)
E2E_FAILS=0
E2E_PASSES=0
CCD_PID=""
CCD_PORT=""
trap 'e2e_cleanup' EXIT

e2e_cleanup() {
  if [ -n "$CCD_PID" ] && kill -0 "$CCD_PID" 2>/dev/null; then kill -9 "$CCD_PID" 2>/dev/null || true; fi
  rm -rf "$E2E_TMP"
}

# write_config FILE DB [extra yaml appended under the top level]
write_config() {
  local file=$1 db=$2
  cat > "$file" <<YAML
server:
  listen: "127.0.0.1:0"
  threads: 2
  shutdown_grace: 5s
storage:
  driver: sqlite
  sqlite:
    path: "$db"
logging:
  level: info
# The API without keys (api_keys_e2e.sh tests the keys).
channels:
  - {name: api, type: api, public: true}
YAML
}

# copy_shipped_config ROOT DIR: the shipped configuration (config/*.yaml, templates/default) in
# DIR with the checkout's layout, so that its relative paths (../var/ccd.db, the data directory
# where passwords go) stay inside DIR. Tests never run against the checkout's own config/.
copy_shipped_config() {
  local root=$1 dir=$2
  mkdir -p "$dir/config" "$dir/templates"
  cp "$root"/config/*.yaml "$root"/config/*.jsonl "$dir/config/"
  cp -r "$root/templates/default" "$dir/templates/"
}

# shipped_config_on_free_ports ROOT DIR: copy_shipped_config, then free ports and the checkout's
# console page; sets CFG to the copy's ccd.yaml.
shipped_config_on_free_ports() {
  local root=$1 dir=$2
  copy_shipped_config "$root" "$dir"
  CFG=$dir/config/ccd.yaml
  sed -i -E 's|^(  listen: )"127.0.0.1:808[01]"|\1"127.0.0.1:0"|' "$CFG"
  sed -i -E "s|^(  static_dir: ).*|\1\"$root/console/www\"|" "$CFG"
}

# start_ccd CONFIG LOG: starts ccd run in the background, waits until it listens, sets CCD_PID
# and CCD_PORT. Fails if it exits or does not listen within 120 s (training the classifier on
# its corpus takes seconds, more in the sanitizer build beside other tests).
start_ccd() {
  local cfg=$1 log=$2
  "$CCD_BIN" run --config "$cfg" > "$log" 2>&1 &
  CCD_PID=$!
  for _ in $(seq 1 2400); do
    if grep -q "listening on http://" "$log" 2>/dev/null; then
      CCD_PORT=$(grep -o "listening on http://[^ ]*" "$log" | head -1 | sed -E 's/.*:([0-9]+)$/\1/')
      return 0
    fi
    if ! kill -0 "$CCD_PID" 2>/dev/null; then
      echo "ccd exited during start-up:"; cat "$log"; return 1
    fi
    sleep 0.05
  done
  echo "ccd did not listen within 120 s:"; cat "$log"; return 1
}

# wait_exit PID SECONDS: waits for the process (a child of this shell) to end and sets
# EXIT_CODE to its exit code, or 124 if it is still running after SECONDS.
wait_exit() {
  local pid=$1 secs=$2
  EXIT_CODE=124
  for _ in $(seq 1 $((secs * 20))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      EXIT_CODE=0
      wait "$pid" || EXIT_CODE=$?
      return 0
    fi
    sleep 0.05
  done
}

pass() { E2E_PASSES=$((E2E_PASSES + 1)); echo "ok   - $*"; }
fail() { E2E_FAILS=$((E2E_FAILS + 1)); echo "FAIL - $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}

finish() {
  echo "$E2E_PASSES passed, $E2E_FAILS failed"
  [ "$E2E_FAILS" -eq 0 ]
}
