#!/usr/bin/env bash
# Configures and builds ccd with CMake and Ninja.
#   scripts/build.sh                 build/        (RelWithDebInfo)
#   scripts/build.sh --sanitize      build-asan/   (ASan + UBSan)
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
extra=()
for arg in "$@"; do
  case "$arg" in
    --sanitize) dir=build-asan; extra+=(-DCCD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
    *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
  esac
done

. scripts/compiler_cache.sh
cmake -S . -B "$dir" -G Ninja "${compiler_cache[@]}" "${extra[@]}"
# Two jobs: the machine has 2 cores and Beast translation units take ~1 GiB each.
cmake --build "$dir" -j "${CCD_BUILD_JOBS:-2}"
