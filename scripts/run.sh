#!/usr/bin/env bash
# Installs what ccd needs, builds it, and runs it in the foreground on the shipped configuration
# (SQLite under var/, HTTP on 127.0.0.1:8080). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/daemon/ccd run --config config/ccd.yaml "$@"
