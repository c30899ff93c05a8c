#!/usr/bin/env bash
# make bench, HTTP section: wrk (1 thread, 32 connections, loopback) against session-server's routes, beside the
# same run's trivial route (GET /health: tiny JSON, no auth, no work) as the ceiling. Server and wrk share the
# machine's 2 cores (the reference machine of Docs/Decisions/0008). The template-token route (a template with a few
# {{user.…}} shortcodes, signed with the instance's key) runs beside the session-token route, ABBA in halves so that
# drift splits evenly, and their ratio is printed. The two verify routes, whose targets are ratios, run in rounds
# beside the trivial route instead (HTTP_BENCH_VERIFY_ROUNDS, HTTP_BENCH_VERIFY_SECONDS; see below). Prints a table
# and one JSON line.
set -euo pipefail
: "${SESSION_SERVER:?}"; DURATION=${HTTP_BENCH_SECONDS:-10}
source "$(dirname "$0")/../EndToEnd/start-server.sh"
# The user side's limits would throttle wrk: measured without them, like Clerk's own load tests.
export TESSERA_RATE_LIMIT=off
start_server
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
USER=$(curl -s -X POST "$B/v1/users" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"first_name":"Bench","last_name":"Mark","email_address":["bench@example.com"],"public_metadata":{"role":"admin","plan":"pro"}}' | field id)
SESSION=$(curl -s -X POST "$B/v1/sessions" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "{\"user_id\":\"$USER\"}" | field id)
curl -sf -o /dev/null -X POST "$B/v1/jwt_templates" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name":"bench","claims":{"name":"{{user.full_name}}","email":"{{user.primary_email_address}}","role":"{{user.public_metadata.role || '"'member'"'}}","plan":"{{user.public_metadata.plan}}","verified":"{{user.email_verified}}"}}' \
  || { echo "FAIL could not create the bench template"; exit 1; }
TOKEN=$(curl -s -X POST "$B/v1/sessions/$SESSION/tokens" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"expires_in_seconds":3600}' | field jwt)
# The user side's list: a user with 20 sessions (opened through the admin surface), read with one of their tokens.
OWNER=$(curl -s -X POST "$B/v1/users" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"first_name":"Many"}' | field id)
for i in $(seq 1 20); do
  OWNED=$(curl -s -X POST "$B/t/default/api/v1/admin/users/$OWNER/sessions" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"ipAddress\":\"203.0.113.$i\",\"userAgent\":\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\",\"authMethod\":\"password\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["id"])')
done
USER_TOKEN=$(curl -s -X POST "$B/t/default/api/v1/admin/sessions/$OWNED/tokens" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"expiresInSeconds":3600,"ipAddress":"203.0.113.20","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}' | field token)
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $USER_TOKEN" "$B/api/v1/sessions") == 200 ]] || { echo "FAIL the user-side list"; exit 1; }
post_script() { # file body
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '$2'
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["Content-Type"] = "application/json"
LUA
}
post_script "$DIR/tokens.lua" '{}'
post_script "$DIR/verify.lua" "{\"token\":\"$TOKEN\"}"
source "$(dirname "$0")/wrk-run.sh"
echo "HTTP: wrk -t1 -c32 -d${DURATION}s on loopback, release session-server (SQLite, synchronous=FULL)"
read -r T1 _ _ < <(run "$B/health")
HALF=$(( (DURATION + 1) / 2 ))
read -r MINTA MINTA50 MINTA99 < <(DURATION=$HALF run -s "$DIR/tokens.lua" "$B/v1/sessions/$SESSION/tokens")
read -r TPLA TPLA50 TPLA99 < <(DURATION=$HALF run -s "$DIR/tokens.lua" "$B/v1/sessions/$SESSION/tokens/bench")
read -r TPLB TPLB50 TPLB99 < <(DURATION=$HALF run -s "$DIR/tokens.lua" "$B/v1/sessions/$SESSION/tokens/bench")
read -r MINTB MINTB50 MINTB99 < <(DURATION=$HALF run -s "$DIR/tokens.lua" "$B/v1/sessions/$SESSION/tokens")
avg() { python3 -c "import sys; print(f'{(float(sys.argv[1]) + float(sys.argv[2])) / 2:.3f}')" "$1" "$2"; }
MINT=$(avg "$MINTA" "$MINTB"); MINT50=$(avg "$MINTA50" "$MINTB50"); MINT99=$(avg "$MINTA99" "$MINTB99")
TPL=$(avg "$TPLA" "$TPLB"); TPL50=$(avg "$TPLA50" "$TPLB50"); TPL99=$(avg "$TPLA99" "$TPLB99")
# The verify routes, whose targets are ratios (issue 14): in rounds beside the trivial route (trivial, deprecated,
# gateway, …, trivial), each round's ratios over the mean of the trivial runs on either side of it, and the median
# round reported with the range. On a shared machine a neighbour's burst then moves one round, not the figure.
VERIFY_ROUNDS=${HTTP_BENCH_VERIFY_ROUNDS:-7}
VERIFY_SECONDS=${HTTP_BENCH_VERIFY_SECONDS:-3}
ROUNDS_FILE="$DIR/verify-rounds.txt"; : >"$ROUNDS_FILE"
for _ in $(seq 1 "$VERIFY_ROUNDS"); do
  read -r RT _ _ < <(DURATION=$VERIFY_SECONDS run "$B/health")
  read -r RD RD50 RD99 < <(DURATION=$VERIFY_SECONDS run -s "$DIR/verify.lua" "$B/v1/sessions/$SESSION/verify")
  read -r RG RG50 RG99 < <(DURATION=$VERIFY_SECONDS run -H "Authorization: Bearer $TOKEN" "$B/v1/verify")
  echo "$RT $RD $RD50 $RD99 $RG $RG50 $RG99" >>"$ROUNDS_FILE"
done
read -r RT _ _ < <(DURATION=$VERIFY_SECONDS run "$B/health")
echo "$RT" >>"$ROUNDS_FILE"
read -r LIST LIST50 LIST99 < <(run -H "Authorization: Bearer $USER_TOKEN" -H "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36" "$B/api/v1/sessions")
read -r T2 T50 T99 < <(run "$B/health")
STORE_ROWS=${STORE_ROWS:-[]} VERIFY_ROUNDS_FILE=$ROUNDS_FILE python3 - "$T1" "$T2" "$T50" "$T99" "$MINT" "$MINT50" "$MINT99" \
  "$TPL" "$TPL50" "$TPL99" "$LIST" "$LIST50" "$LIST99" <<'PY'
import json, os, sys
t1, t2, t50, t99, mint, m50, m99, tpl, tp50, tp99, listed, l50, l99 = map(float, sys.argv[1:])
store = [row for row in json.loads(os.environ["STORE_ROWS"]) if row["op"] in ("store.list_by_user", "store.revoke", "store.revoke_audited")]
trivial = (t1 + t2) / 2  # before and after, so drift during the run splits evenly
# The verify rounds: each round's ratio over the trivial runs on either side of it; the median round is the figure.
lines = [list(map(float, line.split())) for line in open(os.environ["VERIFY_ROUNDS_FILE"]) if line.strip()]
rounds, trivials = lines[:-1], [line[0] for line in lines]
def median_round(column):
    by_ratio = sorted((r[column] / ((trivials[i] + trivials[i + 1]) / 2), r[column], r[column + 1], r[column + 2]) for i, r in enumerate(rounds))
    return by_ratio[len(by_ratio) // 2], by_ratio[0][0], by_ratio[-1][0]
(vratio, verify, v50, v99), vlow, vhigh = median_round(1)
(gratio, gateway, g50, g99), glow, ghigh = median_round(4)
rows = [("trivial.GET /health", trivial, None, t50, t99), ("tokens.mint", mint, mint / trivial, m50, m99),
        ("tokens.template", tpl, tpl / trivial, tp50, tp99),
        ("verify.deprecated", verify, vratio, v50, v99), ("gateway.verify", gateway, gratio, g50, g99),
        ("user.sessions (20)", listed, listed / trivial, l50, l99)]
print(f"{'route':24} {'req/s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8}")
for name, rate, ratio, p50, p99 in rows:
    print(f"{name:24} {rate:9.0f} {'-' if ratio is None else f'{ratio:.3f}':>7} {p50:8.3f} {p99:8.3f}")
print(f"verify rounds ({len(rounds)}, median shown): verify.deprecated {vlow:.3f}-{vhigh:.3f}, gateway.verify {glow:.3f}-{ghigh:.3f}")
print(f"tokens.template / tokens.mint: {tpl / mint:.3f} (target >= 0.9)")
print("targets: verify.deprecated >= 0.75 and gateway.verify >= 0.9 of the trivial route; tokens.mint bounded by RS256 signing")
print(json.dumps({"bench": "http", "rows": [
    {"op": "verify.deprecated", "per_s": round(verify), "ratio": round(vratio, 3), "range": [round(vlow, 3), round(vhigh, 3)], "p99_ms": v99},
    {"op": "tokens.mint", "per_s": round(mint), "ratio": round(mint / trivial, 3), "p99_ms": m99},
    {"op": "tokens.template", "per_s": round(tpl), "ratio": round(tpl / trivial, 3), "vs_mint": round(tpl / mint, 3), "p99_ms": tp99},
    {"op": "gateway.verify", "per_s": round(gateway), "ratio": round(gratio, 3), "range": [round(glow, 3), round(ghigh, 3)], "p99_ms": g99},
    {"op": "user.sessions_20", "per_s": round(listed), "ratio": round(listed / trivial, 3), "p50_ms": l50, "p99_ms": l99},
    *[{"op": row["op"], "p99_ms": row["p99_ms"]} for row in store],
    {"op": "trivial", "per_s": round(trivial), "p99_ms": t99}]}))
PY
