#!/usr/bin/env bash
# Installs every Debian package ccd needs. Idempotent: packages already present are skipped by apt.
#   scripts/install-deps.sh          build and run dependencies
#   scripts/install-deps.sh --test   also the servers and tools the test suite and benchmarks start
set -euo pipefail

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates ccache
  libboost-dev libboost-system-dev libboost-test-dev
  libwebsocketpp-dev libcurl4-openssl-dev libicu-dev libyaml-cpp-dev nlohmann-json3-dev
  libgmime-3.0-dev libsqlite3-dev libpq-dev libspdlog-dev libfmt-dev libcli11-dev
  libsodium-dev libssl-dev libpugixml-dev libqrencode-dev libphonenumber-dev libjemalloc-dev
)
test_pkgs=(
  sqlite3 curl python3 wrk nginx-light procps iproute2 clang libclang-rt-14-dev valgrind
  chromium dovecot-imapd python3-aiosmtpd openssl postgresql
  kamailio kamailio-utils-modules kamailio-json-modules
)

pkgs=("${build_pkgs[@]}")
[ "$with_test" = 1 ] && pkgs+=("${test_pkgs[@]}")
# Node.js and npm drive the console's browser test (playwright-core). Machines that ship a
# Node.js of their own (whose nodejs package includes npm and conflicts with Debian's npm)
# keep it; elsewhere Debian's packages are installed.
if [ "$with_test" = 1 ] && ! { command -v node && command -v npm; } > /dev/null 2>&1; then
  pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
