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
# Three gateway runs, each between two runs of the trivial route: the machine's drift over a run is as large as the
# effect measured, so each gateway run is compared with the trivial route right before and after it, and the median taken.
ROUND_SECONDS=$(( (DURATION + 1) / 2 ))
read -r T0 _ T99 < <(DURATION=$ROUND_SECONDS run "$B/health")
RESULTS="$T0"
for _ in 1 2 3; do
  read -r G _ G99 < <(DURATION=$ROUND_SECONDS run -H "Authorization: Bearer $TOKEN" "$B/v1/verify")
  read -r T _ _ < <(DURATION=$ROUND_SECONDS run "$B/health")
  RESULTS="$RESULTS $G $G99 $T"
done
ROWS=$ROWS ROUND_SECONDS=$ROUND_SECONDS python3 - $RESULTS <<'PY'
import json, os, statistics, sys
values = list(map(float, sys.argv[1:]))
trivial, rounds = [values[0]], []
for i in range(3):
    gateway, g99, after = values[1 + 3 * i: 4 + 3 * i]
    rounds.append((gateway / ((trivial[-1] + after) / 2), gateway, g99))
    trivial.append(after)
ratio, gateway, g99 = sorted(rounds)[1]
print(f"{'gateway GET /v1/verify':34}{gateway:10.0f} req/s, {ratio:.3f} of the trivial route (median of 3 runs, each between two trivial"
      f" runs; ratios {', '.join(f'{r[0]:.3f}' for r in rounds)}), p99 {g99:.2f} ms   target >= 0.9 (issue 14)")
print(f"  (wrk -t1 -c32, {os.environ.get('ROUND_SECONDS', '?')} s a run, one token, the server holding the revocations above)")
rows = json.loads(os.environ["ROWS"])
rows.append({"op": "gateway.verify", "per_s": round(gateway), "ratio": round(ratio, 3), "p99_ms": g99})
print(json.dumps({"bench": "revocation", "rows": rows}))
PY
