#!/usr/bin/env bash
# make bench, revocation section: a release session-server on a fresh database; RevocationBenchmarks follows its
# feed with VerifierSync while sessions are revoked through the API (propagation), and measures a 1 M-entry
# revocation set in process; then wrk against GET /v1/verify beside the same run's trivial route. Ends with one
# {"bench":"revocation",...} JSON line.
set -euo pipefail
: "${SESSION_SERVER:?}"; BENCH=${REVOCATION_BENCH:?}; DURATION=${HTTP_BENCH_SECONDS:-10}
source "$(dirname "$0")/../EndToEnd/start-server.sh"
start_server
TESSERA_URL=$B TESSERA_SECRET_KEY=$KEY "$BENCH" | tee "$DIR/revocation.txt"
ROWS=$(sed -n 's/^REVOCATION_ROWS //p' "$DIR/revocation.txt")

field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
USER=$(curl -s -X POST "$B/v1/users" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"first_name":"Gate"}' | field id)
SESSION=$(curl -s -X POST "$B/v1/sessions" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "{\"user_id\":\"$USER\"}" | field id)
TOKEN=$(curl -s -X POST "$B/v1/sessions/$SESSION/tokens" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"expires_in_seconds":3600}' | field jwt)
source "$(dirname "$0")/wrk-run.sh"
read -r T1 _ _ < <(run "$B/health")
read -r GATEWAY _ GATEWAY99 < <(run -H "Authorization: Bearer $TOKEN" "$B/v1/verify")
read -r T2 _ T99 < <(run "$B/health")
ROWS=$ROWS python3 - "$T1" "$T2" "$T99" "$GATEWAY" "$GATEWAY99" <<'PY'
import json, os, sys
t1, t2, t99, gateway, g99 = map(float, sys.argv[1:])
trivial = (t1 + t2) / 2
print(f"{'gateway GET /v1/verify':34}{gateway:10.0f} req/s, {gateway / trivial:.3f} of the trivial route ({trivial:.0f} req/s), p99 {g99:.2f} ms   target >= 0.75")
print(f"  (wrk -t1 -c32 -d{os.environ.get('HTTP_BENCH_SECONDS', '10')}s, one token, the server holding the revocations above)")
rows = json.loads(os.environ["ROWS"])
rows.append({"op": "gateway.verify", "per_s": round(gateway), "ratio": round(gateway / trivial, 3), "p99_ms": g99})
print(json.dumps({"bench": "revocation", "rows": rows}))
PY
