#!/usr/bin/env bash
# Starts the real session-server on a free loopback port with a fresh database and runs Clerk's own
# Python SDK (clerk-backend-api 7.0.0) against it through our probe, clerk_sdk_probe.py beside this script.
set -euo pipefail
: "${SESSION_SERVER:?}"; PY=${PYTHON:?}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/start-server.sh"
start_server
"$PY" "$HERE/clerk_sdk_probe.py" "http://127.0.0.1:$PORT" "$KEY"

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
