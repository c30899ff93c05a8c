#!/usr/bin/env bash
# Runs a command with POSTGRES_URL set, the way `make test-unit` does: the caller's POSTGRES_URL when it has one, else a
# throwaway cluster (Scripts/postgres-cluster.sh, state of its own, stopped when the command ends, also on failure), else
# nothing (the command is run without it, and the checks that need it say they are skipped).
#   Scripts/with-postgres.sh COMMAND [ARGUMENT…]
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -n "${POSTGRES_URL:-}" ] || ! bash Scripts/postgres-cluster.sh available; then
    exec "$@"
fi
export POSTGRES_CLUSTER_STATE="${TMPDIR:-/tmp}/tessera-pg-state.$$"
trap 'bash Scripts/postgres-cluster.sh stop; rm -rf "$POSTGRES_CLUSTER_STATE"' EXIT
POSTGRES_URL=$(bash Scripts/postgres-cluster.sh start) || exit 1
export POSTGRES_URL
"$@"
