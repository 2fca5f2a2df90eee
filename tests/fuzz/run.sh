#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and fuzzes each one for
# SECONDS (default 30), starting from its seed corpus. A crash stops with the reproducer path.
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
# Undefined behaviour is a finding like a crash, not a line in the log.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCCD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(api_message daemon_config contact_json contact_csv template_catalog telegram_update
         whatsapp_notification wechat_xml webhook_message email_mime console_command login_body
         agents_yaml routing_yaml)
cmake --build build-fuzz -j "${CCD_BUILD_JOBS:-2}" --target "${targets[@]/%/_fuzz}"
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$target/* "$work/"
  echo "fuzz: $target for ${secs}s"
  if ! build-fuzz/tests/${target}_fuzz -max_total_time="$secs" -max_len=65536 -timeout=10 \
      -artifact_prefix="build-fuzz/$target-" "$work" > "build-fuzz/$target.log" 2>&1; then
    grep -E "ERROR|SUMMARY|runtime error|terminate called|what\(\)|Test unit written" "build-fuzz/$target.log" || tail -20 "build-fuzz/$target.log"
    echo "fuzz: $target FAILED: reproduce with build-fuzz/tests/${target}_fuzz <the file above>"
    exit 1
  fi
  grep -E "^Done" "build-fuzz/$target.log"
  rm -rf "$work"
done
