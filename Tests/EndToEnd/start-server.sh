# Sourced by the end-to-end and benchmark scripts: starts $SESSION_SERVER on a free loopback port with a fresh
# database, key directory and secret key in a temporary directory, and stops it on exit.
# Sets DIR, PORT, KEY, PID and B (the base URL); fails the script when the server does not come up.
start_server() {
  DIR=$(mktemp -d)
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  KEY="sk_test_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
  launch_server
  B="http://127.0.0.1:$PORT"
}

# Starts the server again on the same port, database and keys (after stopping it).
launch_server() {
  : >"$DIR/server.log"
  TESSERA_PORT=$PORT TESSERA_DATABASE="$DIR/tessera.sqlite" TESSERA_KEYS_DIR="$DIR/keys" TESSERA_SECRET_KEY="$KEY" \
    "${SESSION_SERVER:?}" >>"$DIR/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$DIR/server.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "listening on" "$DIR/server.log" || { echo "FAIL session-server did not start: $(cat "$DIR/server.log")"; exit 1; }
}
