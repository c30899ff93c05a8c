#!/usr/bin/env bash
# Compares two TokenBenchmarks builds on one operation, both running at once on CPU 0 (so the shared machine's
# drift hits both alike), and prints B/A per round and the median. For judging a change to the token path:
#   swift build -c release --product TokenBenchmarks && cp .build/release/TokenBenchmarks /tmp/A   # before
#   … change …; swift build -c release --product TokenBenchmarks                                    # after
#   bash Tests/Benchmarks/ab-compare.sh /tmp/A .build/release/TokenBenchmarks rate-verify-HS256 5
# The operation is any rate-{mint,verify}-{RS256,ES256,EdDSA,HS256}; PROBE_SECONDS (3) sets each run's length.
# Two copies of one build measured this way agree within 1 %.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 BINARY_A BINARY_B rate-OP-ALG [ROUNDS]" >&2; exit 2; }
a=$1; b=$2; probe=$3; rounds=${4:-5}
out=$(mktemp); trap 'rm -f "$out"' EXIT
ratios=()
for _ in $(seq "$rounds"); do
  BENCH_PROBE=$probe taskset -c 0 "$a" >"$out" &
  rate_b=$(BENCH_PROBE=$probe taskset -c 0 "$b")
  wait
  ratios+=("$(python3 -c "print(round($rate_b / $(cat "$out"), 4))")")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | sed -n "$(( (rounds + 1) / 2 ))p")
echo "$probe: B/A ${ratios[*]}; median $median"
