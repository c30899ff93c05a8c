#!/usr/bin/env bash
# make bench, PostgreSQL section (after SQLite's): against POSTGRES_URL (a superuser's URL; each part creates a database
# of its own and drops it), or a throwaway cluster from Scripts/postgres-cluster.sh started with fsync on (durable
# commits, as SQLite's synchronous=FULL) and stopped afterwards. Without either it prints "skipped: …" and succeeds.
#   1. the store at 1 M sessions (StoreBenchmarks postgres), beside SQLite's figures from .build/store-bench.txt;
#   2. three release session-server nodes on one database: revocation propagation and wrk throughput, 1 node and
#      3 behind nginx, beside a SQLite node (Tests/Benchmarks/postgres_nodes.py).
# PG_BENCH_SESSIONS (default STORE_BENCH_SESSIONS, else 1 000 000), PG_BENCH_READS (samples per read, 5 000),
# PG_BENCH_REVOCATIONS, PG_BENCH_RATE and PG_BENCH_SECONDS scale it down.
set -euo pipefail
: "${SESSION_SERVER:?}"; : "${STORE_BENCH:?}"
echo "== PostgreSQL"
if [ -z "${POSTGRES_URL:-}" ]; then
  if ! bash Scripts/postgres-cluster.sh available; then
    echo "skipped: PostgreSQL is not installed (apt-get install postgresql, or set POSTGRES_URL)"
    exit 0
  fi
  export POSTGRES_CLUSTER_STATE=$PWD/.build/bench-postgres
  if ! POSTGRES_URL=$(POSTGRES_CLUSTER_OPTIONS="-c fsync=on -c full_page_writes=on" bash Scripts/postgres-cluster.sh start 2>.build/bench-postgres.log); then
    echo "skipped: a throwaway PostgreSQL cluster did not start ($(tail -n 3 .build/bench-postgres.log | tr '\n' ' '))"
    exit 0
  fi
  trap 'bash Scripts/postgres-cluster.sh stop' EXIT
  echo "a throwaway cluster (Scripts/postgres-cluster.sh, fsync on) at ${POSTGRES_URL%%\?*}"
fi
export POSTGRES_URL
SQLITE_STORE_ROWS=$(sed -n 's/^STORE_ROWS //p' .build/store-bench.txt 2>/dev/null || true) \
  STORE_BENCH_SESSIONS=${PG_BENCH_SESSIONS:-${STORE_BENCH_SESSIONS:-1000000}} STORE_BENCH_READS=${PG_BENCH_READS:-5000} \
  "$STORE_BENCH" postgres
if ! command -v psql >/dev/null; then
  echo "nodes: skipped: psql is not installed (apt-get install postgresql-client): it creates the nodes' database"
  exit 0
fi
python3 Tests/Benchmarks/postgres_nodes.py "$SESSION_SERVER" "$POSTGRES_URL"
