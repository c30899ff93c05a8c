#!/usr/bin/env bash
# Starts the real session-server on a free loopback port with a fresh database and runs Clerk's own
# Python SDK (clerk-backend-api 7.0.0) against it through ../shared/reference/probe_clerk_sdk.py.
set -euo pipefail
SERVER=${SESSION_SERVER:?}; PY=${PYTHON:?}
HERE=$(cd "$(dirname "$0")" && pwd)
PROBE="$HERE/../../../shared/reference/probe_clerk_sdk.py"
[ -f "$PROBE" ] || { echo "FAIL probe not found at $PROBE (clone beside ../shared)"; exit 1; }
DIR=$(mktemp -d)
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
KEY="sk_test_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TESSERA_PORT=$PORT TESSERA_DATABASE="$DIR/tessera.sqlite" TESSERA_KEYS_DIR="$DIR/keys" TESSERA_SECRET_KEY="$KEY" \
  "$SERVER" >"$DIR/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$DIR/server.log" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$DIR/server.log" || { echo "FAIL session-server did not start"; cat "$DIR/server.log"; exit 1; }
"$PY" "$PROBE" "http://127.0.0.1:$PORT" "$KEY" | sed -e 's/^PASS /ok   probe: /' -e 's/^FAIL /FAIL probe: /'

# The 10-second path for developers: a test session and its token from the CLI, verified against the public JWKS.
if [ -n "${SESSIONCTL:-}" ]; then
  "$PY" -c "import httpx,sys; sys.stdout.write(httpx.get('http://127.0.0.1:$PORT/.well-known/jwks.json').text)" >"$DIR/jwks.json"
  if TESSERA_URL="http://127.0.0.1:$PORT" TESSERA_SECRET_KEY="$KEY" "$SESSIONCTL" sessions create >"$DIR/created" 2>"$DIR/err" \
     && "$SESSIONCTL" token verify --jwks "$DIR/jwks.json" "$(tail -1 "$DIR/created")" >/dev/null; then
    echo "ok   sessionctl sessions create: a test session and a token that verifies against /.well-known/jwks.json"
  else
    echo "FAIL sessionctl sessions create: $(cat "$DIR/err")"
  fi
fi
