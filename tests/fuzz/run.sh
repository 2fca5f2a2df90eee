#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and fuzzes each one for
# SECONDS (default 30), starting from its seed corpus. A crash stops with the reproducer path.
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
# Undefined behaviour is a finding like a crash, not a line in the log.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
. scripts/compiler_cache.sh
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja "${compiler_cache[@]}" -DCCD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(api_message daemon_config contact_json contact_csv template_catalog telegram_update
         whatsapp_notification wechat_xml webhook_message email_mime console_command login_body
         agents_yaml routing_yaml imap_answer cti_event twilio_voice
         report_query webchat_upload webchat_frame)
cmake --build build-fuzz -j "${CCD_BUILD_JOBS:-2}" --target "${targets[@]/%/_fuzz}"
# One target per core at a time (each libFuzzer process is single-threaded): the same time for
# every target, half the wall time on two cores.
jobs=${CCD_FUZZ_JOBS:-$(nproc)}
fuzz_one() {
  local target=$1 work
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$target/* "$work/"
  if ! build-fuzz/tests/${target}_fuzz -max_total_time="$secs" -max_len=65536 -timeout=10 \
      -artifact_prefix="build-fuzz/$target-" "$work" > "build-fuzz/$target.log" 2>&1; then
    echo "fuzz: $target FAILED"
    grep -E "ERROR|SUMMARY|runtime error|terminate called|what\(\)|Test unit written" "build-fuzz/$target.log" || tail -20 "build-fuzz/$target.log"
    echo "fuzz: $target: reproduce with build-fuzz/tests/${target}_fuzz <the file above>"
    rm -rf "$work"
    return 1
  fi
  echo "fuzz: $target for ${secs}s: $(grep -E "^Done" "build-fuzz/$target.log")"
  rm -rf "$work"
}
failed=0
pids=()
for target in "${targets[@]}"; do
  fuzz_one "$target" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ "$failed" = 0 ] || { echo "fuzz: a target failed (above)"; exit 1; }
