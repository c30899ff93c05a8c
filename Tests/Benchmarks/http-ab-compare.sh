#!/usr/bin/env bash
# Judges a change to the HTTP routes: runs http-bench.sh against two session-server builds in turn (A B B A …), each
# run on a fresh server and database, and prints, per route, B/A of its ratio to the same run's trivial route (so the
# shared machine's drift between runs cancels), per round and the median. Routes: tokens.mint, tokens.template,
# verify.deprecated, gateway.verify, user.sessions_20; and the p99s side by side.
#   bash Tests/Benchmarks/http-ab-compare.sh /tmp/session-server-before .build/release/session-server 4
# HTTP_BENCH_SECONDS (4) sets each wrk run's length.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 SERVER_A SERVER_B [ROUNDS]" >&2; exit 2; }
a=$1; b=$2; rounds=${3:-4}
here=$(dirname "$0")
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
run() { # binary label round
  SESSION_SERVER=$1 HTTP_BENCH_SECONDS=${HTTP_BENCH_SECONDS:-4} bash "$here/http-bench.sh" | grep '^{"bench": "http"' >"$out/$2.$3.json"
}
for round in $(seq "$rounds"); do
  if (( round % 2 )); then run "$a" A "$round"; run "$b" B "$round"; else run "$b" B "$round"; run "$a" A "$round"; fi
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
folder, rounds = sys.argv[1], int(sys.argv[2])
def rows(label, r):
    return {row["op"]: row for row in json.load(open(f"{folder}/{label}.{r}.json"))["rows"]}
print(f"{'route':20} {'B/A of ratio to trivial, per round':40} {'median':>7} {'p99 A ms':>9} {'p99 B ms':>9}")
for op in ["tokens.mint", "tokens.template", "verify.deprecated", "gateway.verify", "user.sessions_20"]:
    ratios, pa, pb = [], [], []
    for r in range(1, rounds + 1):
        ra, rb = rows("A", r)[op], rows("B", r)[op]
        ratios.append(rb["ratio"] / ra["ratio"]); pa.append(ra["p99_ms"]); pb.append(rb["p99_ms"])
    print(f"{op:20} {' '.join(f'{x:.3f}' for x in ratios):40} {statistics.median(ratios):7.3f} {statistics.median(pa):9.2f} {statistics.median(pb):9.2f}")
vs = [rows("B", r)["tokens.template"]["vs_mint"] for r in range(1, rounds + 1)]
print(f"B tokens.template / tokens.mint per round: {' '.join(f'{x:.3f}' for x in vs)}; median {statistics.median(vs):.3f}")
PY
