#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#   tests/support/pg_cluster.sh start DIR   initdb + start; writes the DSN to DIR/dsn
#   tests/support/pg_cluster.sh stop DIR    stops the server and removes its files
#   tests/support/pg_cluster.sh stop-server DIR [MODE]   stops the server only (pg_ctl's mode:
#                                           fast, the default, or immediate), files kept
#   tests/support/pg_cluster.sh start-server DIR         starts it again, as it was started
# The data folder is a fresh temporary folder (its path in DIR/datadir); the server listens on
# 127.0.0.1 only (no Unix socket), on a free port, with trust authentication for loopback and
# fsync on (the store's tests check durability). The server runs as the `postgres` OS user when
# this script runs as root (PostgreSQL refuses to run as root), else as the calling user.
# PG_BIN names the server's binaries (default: Debian's PostgreSQL 15).
set -euo pipefail

usage() { echo "usage: $0 start|stop|start-server DIR, or stop-server DIR [fast|immediate]" >&2; exit 2; }
[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = stop-server ]; } || usage
action=$1
state=$2
mode=${3:-fast}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_server_user() {
    # The server's user may not be able to enter the caller's working directory.
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_cluster() {
    [ -f "$state/datadir" ] || return 0
    local data
    data=$(cat "$state/datadir")
    if [ -f "$data/db/postmaster.pid" ]; then
        as_server_user "$pg_bin/pg_ctl" -D "$data/db" -m fast -w -t 60 stop > /dev/null
    fi
    # Only ever a folder this script made (mktemp's pattern), never what a stray file names.
    case "$data" in
        "${TMPDIR:-/tmp}"/ccd-pg-*) rm -rf -- "$data" ;;
        *) echo "pg_cluster: not removing unexpected data folder '$data'" >&2 ;;
    esac
    rm -f "$state/datadir" "$state/dsn"
}

start_cluster() {
    [ -x "$pg_bin/initdb" ] || { echo "pg_cluster: no $pg_bin/initdb (install postgresql)" >&2; exit 1; }
    mkdir -p "$state"
    stop_cluster  # a cluster left behind by an interrupted run
    local data
    data=$(mktemp -d "${TMPDIR:-/tmp}/ccd-pg-XXXXXX")
    echo "$data" > "$state/datadir"
    [ "$(id -u)" = 0 ] && chown postgres: "$data"
    chmod 700 "$data"

    # C locale: text compares byte by byte, as SQLite's BINARY collation does; UTF-8 encoding.
    as_server_user "$pg_bin/initdb" -D "$data/db" -U postgres -E UTF8 --locale=C \
        --auth-host=trust --auth-local=trust --no-instructions > "$data/initdb.log" 2>&1 || {
        cat "$data/initdb.log" >&2
        exit 1
    }

    # The port is chosen free, then bound by the server: another process may take it between
    # the two, so a start that fails is retried on another port.
    local port attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_server_user "$pg_bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=''" \
            -o "-c fsync=on -c synchronous_commit=on -c max_connections=60" \
            start > /dev/null; then
            echo "postgresql://postgres@127.0.0.1:$port/postgres" > "$state/dsn"
            return 0
        fi
        echo "pg_cluster: start on port $port failed (attempt $attempt)" >&2
    done
    cat "$data/server.log" >&2 || true
    exit 1
}

# The running cluster's data folder, for stop-server and start-server.
cluster_data() {
    [ -f "$state/datadir" ] || { echo "pg_cluster: no cluster in $state" >&2; exit 1; }
    cat "$state/datadir"
}

case "$action" in
    start) start_cluster ;;
    stop) stop_cluster ;;
    stop-server)
        case "$mode" in fast|immediate) ;; *) usage ;; esac
        data=$(cluster_data)
        as_server_user "$pg_bin/pg_ctl" -D "$data/db" -m "$mode" -w -t 60 stop > /dev/null ;;
    # restart on a stopped server starts it with the options it last ran with (postmaster.opts):
    # the same port, so the DSN still holds.
    start-server)
        data=$(cluster_data)
        as_server_user "$pg_bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 restart \
            > "$state/restart.log" 2>&1 || { cat "$state/restart.log" >&2; exit 1; } ;;
    *) usage ;;
esac
