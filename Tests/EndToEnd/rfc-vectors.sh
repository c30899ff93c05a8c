#!/usr/bin/env bash
# RFC JWS examples checked by the real CLI (`sessionctl token verify --jwk … --signature-only`).
set -euo pipefail
B=${SESSIONCTL:?}
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
PAYLOAD_7515='eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ'
pass=0; fail=0
check() { # name jwk token expected-payload-file|-
  local name=$1 jwk=$2 token=$3
  printf '%s' "$jwk" >"$DIR/key.json"
  if out=$("$B" token verify --jwk "$DIR/key.json" --signature-only "$token" 2>"$DIR/err"); then
    if [ "$out" = "$4" ]; then echo "ok   $name"; pass=$((pass+1)); else echo "FAIL $name: payload differs"; fail=$((fail+1)); fi
  else echo "FAIL $name: $(cat "$DIR/err")"; fail=$((fail+1)); fi
}
reject() { # name jwk token
  printf '%s' "$2" >"$DIR/key.json"
  if "$B" token verify --jwk "$DIR/key.json" --signature-only "$3" >/dev/null 2>"$DIR/err"; then
    echo "FAIL $1: accepted"; fail=$((fail+1)); else echo "ok   $1 rejected ($(cut -d: -f1 "$DIR/err"))"; pass=$((pass+1)); fi
}
JOE=$(printf '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}')

A2_JWK='{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}'
A2="eyJhbGciOiJSUzI1NiJ9.$PAYLOAD_7515.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
check "RFC 7515 A.2 RS256" "$A2_JWK" "$A2" "$JOE"

A3_JWK='{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}'
A3="eyJhbGciOiJFUzI1NiJ9.$PAYLOAD_7515.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
check "RFC 7515 A.3 ES256" "$A3_JWK" "$A3" "$JOE"

A4_JWK='{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}'
A4="eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
check "RFC 8037 A.4 EdDSA" "$A4_JWK" "$A4" "Example of Ed25519 signing"

R4_JWK='{"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"}'
R4="eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg"
check "RFC 7520 4.1 RS256" "$R4_JWK" "$R4" "It’s a dangerous business, Frodo, going out your door. You step onto the road, and if you don't keep your feet, there’s no knowing where you might be swept off to."

# The same examples, tampered, must fail; and in claims mode A.2's claims set (no iat, no sub) is refused.
reject "RFC 7515 A.3 with A.2's signature" "$A3_JWK" "eyJhbGciOiJFUzI1NiJ9.$PAYLOAD_7515.${A2##*.}"
reject "RFC 8037 A.4 under the A.3 key" "$A3_JWK" "$A4"
printf '%s' "$A2_JWK" >"$DIR/key.json"
if "$B" token verify --jwk "$DIR/key.json" "$A2" 2>"$DIR/err" >/dev/null; then echo "FAIL A.2 claims accepted today"; fail=$((fail+1))
else grep -q '^missingClaim' "$DIR/err" && { echo "ok   RFC 7515 A.2 as a token: refused for its missing iat"; pass=$((pass+1)); } || { echo "FAIL A.2: $(cat "$DIR/err")"; fail=$((fail+1)); }; fi
echo "rfc-vectors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
