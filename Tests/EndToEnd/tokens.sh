#!/usr/bin/env bash
# sessionctl end to end: generate keys, publish a JWKS, mint session and template tokens, verify
# them with sessionctl and with PyJWT (an independent implementation), and check rejections.
set -euo pipefail
B=${SESSIONCTL:?}; PY=${PYTHON:?}
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass+1)); }
bad() { echo "FAIL $1"; fail=$((fail+1)); }

for alg in RS256 ES256 EdDSA; do "$B" keys generate --alg "$alg" --out "$DIR/keys" >/dev/null; done
"$B" jwks --keys "$DIR/keys" >"$DIR/jwks.json"
"$B" keys generate --alg ES256 --out "$DIR/keys" >/dev/null 2>&1 && bad "second ES256 key without --rotate" || ok "refuses to overwrite a key"

cat >"$DIR/template.json" <<'JSON'
{"name": "backend", "lifetime": 120, "claims": {"aud": "api", "email": "{{user.primary_email_address}}", "role": "{{user.public_metadata.role || 'member'}}", "greeting": "hi {{user.first_name}}"}}
JSON
cat >"$DIR/user.json" <<'JSON'
{"id": "user_42", "first_name": "Ada", "primary_email_address_id": "idn_1",
 "email_addresses": [{"id": "idn_1", "email_address": "ada@example.com", "verification": {"status": "verified"}}],
 "public_metadata": {"role": "admin"}}
JSON

for alg in RS256 ES256 EdDSA; do
  token=$("$B" token mint --keys "$DIR/keys" --alg "$alg" --sub user_42 --sid sess_7 --azp https://app.test)
  "$B" token verify --jwks "$DIR/jwks.json" --authorized-party https://app.test "$token" >"$DIR/claims.json" \
    && grep -q '"sid": "sess_7"' "$DIR/claims.json" && ok "$alg session token verified by sessionctl" || bad "$alg sessionctl verify"
  "$PY" "$HERE/pyjwt_verify.py" "$DIR/jwks.json" "$token" && ok "$alg session token verified by PyJWT" || bad "$alg PyJWT"

  template=$("$B" token mint --keys "$DIR/keys" --alg "$alg" --sid sess_7 --template "$DIR/template.json" --user "$DIR/user.json")
  "$B" token verify --jwks "$DIR/jwks.json" --audience api "$template" >"$DIR/claims.json" \
    && grep -q '"role": "admin"' "$DIR/claims.json" && grep -q '"sid": "sess_7"' "$DIR/claims.json" \
    && ok "$alg template token verified (custom claims, bound to its session by sid)" || bad "$alg template verify"
  "$PY" "$HERE/pyjwt_verify.py" "$DIR/jwks.json" "$template" api && ok "$alg template token verified by PyJWT" || bad "$alg template PyJWT"
done

token=$("$B" token mint --keys "$DIR/keys" --sub user_42 --sid sess_7 --expires-in 30 --now 1000000000)
"$B" token verify --jwks "$DIR/jwks.json" --now 1000000034 "$token" >/dev/null && ok "valid within leeway" || bad "leeway"
code=$("$B" token verify --jwks "$DIR/jwks.json" --now 1000000035 "$token" 2>&1 >/dev/null | cut -d: -f1) || true
[ "$code" = expired ] && ok "expired after exp + leeway (exit 1, code on stderr)" || bad "expiry code: $code"
"$B" token mint --keys "$DIR/keys" --sub u --sid s --expires-in 29 >/dev/null 2>&1 && bad "expires-in 29 accepted" || ok "expires-in below 30 refused"

none=$(printf '%s' '{"alg":"none"}' | base64 | tr '+/' '-_' | tr -d '=\n').${token#*.}
code=$("$B" token verify --jwks "$DIR/jwks.json" "${none%.*}." 2>&1 >/dev/null | cut -d: -f1) || true
[ "$code" = malformed ] || [ "$code" = unsupportedAlgorithm ] && ok "alg none refused ($code)" || bad "alg none: $code"

echo '{"name":"bad","claims":{"sub":"{{user.id}}"}}' >"$DIR/bad.json"
"$B" token mint --keys "$DIR/keys" --sid s --sub u --template "$DIR/bad.json" >/dev/null 2>"$DIR/err" && bad "reserved claim accepted" \
  || { grep -q "reserved claim" "$DIR/err" && ok "template with a reserved claim refused"; }
echo "tokens: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
