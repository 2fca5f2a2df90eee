#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole suite with CTest: unit, integration
# (real sockets, temp databases) and end-to-end (the real binary, kill -9, reloads), first in the
# normal build, then in the ASan + UBSan build; between the two, every fuzz target runs for
# FUZZ_SECONDS (default 30) with libFuzzer.
#   scripts/test.sh                 everything
#   scripts/test.sh --no-sanitize   skip the fuzzing and the sanitizer pass (local iteration)
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=1
for arg in "$@"; do
  case "$arg" in
    --no-sanitize) sanitize=0 ;;
    *) echo "usage: $0 [--no-sanitize]" >&2; exit 2 ;;
  esac
done

# Each stage prints how long it took, and the running total, so that a slow one shows at once.
stage() {
  local name=$1 start=$SECONDS
  shift
  echo "== stage: $name"
  "$@"
  echo "== stage: $name took $((SECONDS - start)) s (total $((SECONDS / 60)) min $((SECONDS % 60)) s)"
}
run_ctest() { (cd "$1" && shift && ctest --output-on-failure "$@" -j 2); }
npm_ci() { (cd tests/e2e/console && npm ci --no-audit --no-fund); }

stage install-deps scripts/install-deps.sh --test
stage build scripts/build.sh
# The console's browser test drives Debian's chromium with playwright-core (from the lock file).
stage npm-ci npm_ci
stage tests run_ctest build --timeout 600

if [ "$sanitize" = 1 ]; then
  stage fuzz tests/fuzz/run.sh "${FUZZ_SECONDS:-30}"
  stage build-sanitize scripts/build.sh --sanitize
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  stage tests-sanitize run_ctest build-asan --timeout 900
fi
