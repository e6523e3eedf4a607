#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 for the persistence tests.
#
#   eval "$(.ci/start-postgres.sh)"      # exports TRACKER_PG_URL and TRACKER_PG_DIR
#   .ci/start-postgres.sh stop           # stops the cluster and removes its folder
#
# Installs Debian's postgresql when missing (as root), creates a cluster in a temporary folder
# owned by the postgres user, starts it on a free port, creates role tracker (password tracker)
# and database tracker_test. Idempotent: a cluster already running in $TRACKER_PG_DIR is reused.
# Progress goes to stderr; stdout carries only the export lines.
set -euo pipefail

PG_DIR="${TRACKER_PG_DIR:-/tmp/tracker-ci-postgres}"
PORT="${TRACKER_PG_PORT:-55432}"
log() { echo "start-postgres: $*" >&2; }

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

as_postgres() {
    if [ "$(id -u)" = "0" ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"   # not root: run the cluster as the current user
    fi
}

BIN=$(pg_bin || true)
if [ -z "$BIN" ]; then
    if [ "$(id -u)" != "0" ]; then
        log "PostgreSQL is not installed; run as root or: sudo apt-get install -y postgresql"
        exit 1
    fi
    log "installing postgresql from the Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN=$(pg_bin)
fi

if [ "${1:-}" = "stop" ]; then
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        as_postgres "$BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$PG_DIR"
    log "stopped and removed $PG_DIR"
    exit 0
fi

if [ -f "$PG_DIR/port" ]; then
    PORT=$(cat "$PG_DIR/port")
fi

if ! as_postgres "$BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        rm -rf "$PG_DIR"
        mkdir -p "$PG_DIR"
        if [ "$(id -u)" = "0" ]; then chown postgres: "$PG_DIR"; fi
        log "creating a cluster in $PG_DIR/data"
        as_postgres "$BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
            >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
    fi
    # a free port, starting from the preferred one
    while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
        PORT=$((PORT + 1))
    done
    echo "$PORT" >"$PG_DIR/port"
    log "starting PostgreSQL on 127.0.0.1:$PORT"
    as_postgres "$BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >&2 || { cat "$PG_DIR/server.log" >&2; exit 1; }
fi

psql_admin() { as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'tracker'")" != "1" ]; then
    psql_admin -c "CREATE ROLE tracker LOGIN PASSWORD 'tracker'" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'tracker_test'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE tracker_test OWNER tracker" >&2
fi

URL="postgresql://tracker:tracker@127.0.0.1:$PORT/tracker_test"
log "ready: $URL"
echo "export TRACKER_PG_URL=$URL"
echo "export TRACKER_PG_DIR=$PG_DIR"
