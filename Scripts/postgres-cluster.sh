#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: Debian's `postgresql` binaries, `initdb` in a temporary
# directory, listening on 127.0.0.1 only on a free port, trust authentication on loopback only.
#
#   Scripts/postgres-cluster.sh start   initdb + start; prints the URL (postgres://tessera@127.0.0.1:PORT/postgres?sslmode=disable)
#   Scripts/postgres-cluster.sh url     prints the running cluster's URL
#   Scripts/postgres-cluster.sh stop    stops it and removes its directory (a no-op when none runs)
#   Scripts/postgres-cluster.sh available   exit 0 when the binaries are installed
#
# POSTGRES_CLUSTER_OPTIONS: more server options, after the defaults below (the last -c of a name wins):
# `make bench` passes "-c fsync=on -c full_page_writes=on" to measure durable commits.
#
# State (the data directory's path and the port) lives in $POSTGRES_CLUSTER_STATE (default
# .build/postgres-cluster, beside this clone's build): two clones on one machine run two clusters.
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` system user that
# Debian's package creates (or `nobody`), which owns the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${POSTGRES_CLUSTER_STATE:-.build/postgres-cluster}

bin_dir() {
    # The newest installed major version (15 on Debian 12).
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || return 1
    echo "$dir"
}

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$OWNER" -- "$@"; else "$@"; fi
}

owner() {
    if [ "$(id -u)" != 0 ]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

url() {
    [ -f "$STATE/port" ] || { echo "no cluster running (state: $STATE)" >&2; return 1; }
    echo "postgres://tessera@127.0.0.1:$(cat "$STATE/port")/postgres?sslmode=disable"
}

start() {
    local bin dir port
    bin=$(bin_dir) || { echo "PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
    [ ! -f "$STATE/datadir" ] || stop
    OWNER=$(owner)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tessera-pg.XXXXXX")
    chmod 700 "$dir"
    [ "$(id -u)" != 0 ] || chown "$OWNER" "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U tessera --auth-local=trust --auth-host=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
    # Loopback only: hba entries for 127.0.0.1/::1 (initdb's defaults) and no other address listened on.
    # fsync off: a throwaway cluster; the store's durability is PostgreSQL's own, not what these tests check.
    # Connections: the conformance suite runs its tests in parallel, each on a database and pool of its own.
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=400 -c fsync=off -c full_page_writes=off ${POSTGRES_CLUSTER_OPTIONS:-}" \
            start >/dev/null; then
            mkdir -p "$STATE"
            echo "$dir" >"$STATE/datadir"
            echo "$port" >"$STATE/port"
            echo "$OWNER" >"$STATE/owner"
            url
            return 0
        fi
    done
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
    exit 1
}

stop() {
    [ -f "$STATE/datadir" ] || return 0
    local bin dir
    dir=$(cat "$STATE/datadir")
    OWNER=$(cat "$STATE/owner" 2>/dev/null || owner)
    if bin=$(bin_dir) && [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    # Only the directory this script created (recorded in the state file), never a path from elsewhere.
    case "$dir" in "${TMPDIR:-/tmp}"/tessera-pg.*) rm -rf "$dir" ;; esac
    rm -f "$STATE/datadir" "$STATE/port" "$STATE/owner"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    available) bin_dir >/dev/null ;;
    *) echo "usage: $0 start|stop|url|available" >&2; exit 2 ;;
esac
