#!/usr/bin/env bash
# make bench, floor section: bare-primitive.c (SHA-256 of a token-sized input, then the EVP call, in C, nothing
# else) beside `openssl speed` for the same primitive, both pinned to one CPU and running at once, as the token
# rows are measured. Its ratio is the most any token implementation through OpenSSL's EVP can score against
# the tokens section's targets. Prints a table and one JSON line.
# Environment: INPUT_BYTES (the token's signing-input length; 765 by default), ROUNDS (5), SECONDS_PER_OP (1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
keys="$here/../../../keys/test"
INPUT_BYTES=${INPUT_BYTES:-765}; ROUNDS=${ROUNDS:-5}; SECONDS_PER_OP=${SECONDS_PER_OP:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
compiler=${CC:-$(command -v cc || command -v clang)}
"$compiler" -O2 -o "$work/bare-primitive" "$here/bare-primitive.c" $(pkg-config --cflags --libs openssl 2>/dev/null || echo -lcrypto)

echo ""
echo "floor: SHA-256 of a ${INPUT_BYTES}-byte input plus the EVP call, in C with no token work, over openssl speed"
echo "(${ROUNDS} rounds, both on one CPU at once, per user CPU second; the median and the range)"
rows=()
for spec in "RS256 rsa rsa2048 F2 rs256.pem" "ES256 ec ecdsap256 F4 es256.pem" "EdDSA ed ed25519 F6 eddsa.pem"; do
  read -r name kind speed tag pem <<<"$spec"
  ratios_sign=(); ratios_verify=()
  for _ in $(seq "$ROUNDS"); do
    taskset -c 0 openssl speed -mr -seconds "$SECONDS_PER_OP" "$speed" >"$work/speed" 2>/dev/null &
    sign=$(taskset -c 0 "$work/bare-primitive" "$keys/$pem" "$kind" sign "$INPUT_BYTES" "$SECONDS_PER_OP")
    verify=$(taskset -c 0 "$work/bare-primitive" "$keys/$pem" "$kind" verify "$INPUT_BYTES" "$SECONDS_PER_OP")
    wait
    # +F2/+F4 lines end in sign/s and verify/s; +F6 carries the curve's name before them.
    read -r ceiling_sign ceiling_verify < <(awk -F: -v tag="+$tag" '$1 == tag { print $(NF-1), $NF }' "$work/speed")
    ratios_sign+=("$(python3 -c "print($sign / $ceiling_sign)")")
    ratios_verify+=("$(python3 -c "print($verify / $ceiling_verify)")")
  done
  rows+=("$name.mint ${ratios_sign[*]}" "$name.verify ${ratios_verify[*]}")
done
printf '%s\n' "${rows[@]}" | python3 -c '
import json, statistics, sys
out = []
print("op             floor   range")
for line in sys.stdin:
    op, *values = line.split()
    values = sorted(float(v) for v in values)
    median = statistics.median(values)
    print(f"{op:<13} {median:6.3f}   {values[0]:.3f}-{values[-1]:.3f}")
    out.append({"op": op, "floor_ratio": round(median, 3), "min": round(values[0], 3), "max": round(values[-1], 3)})
print("A target above its floor cannot be met by any token operation through these EVP calls.")
print(json.dumps({"bench": "floor", "input_bytes": int(sys.argv[1]), "rows": out}, separators=(",", ":")))
' "$INPUT_BYTES"
