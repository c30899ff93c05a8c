#!/usr/bin/env bash
# The revocation feed against the real server, from the CLI: a verifier key that reads the feed and nothing else,
# "sign out everywhere" as one user-wide entry, a malformed cursor refused, and a networkless follower (VerifierSync
# over URLSession, `sessionctl revocations await`) refusing a revoked session's token within a second.
set -uo pipefail
: "${SESSION_SERVER:?}"; CTL=${SESSIONCTL:?}; PY=${PYTHON:-python3}
source "$(dirname "$0")/start-server.sh"
start_server
export TESSERA_URL="http://127.0.0.1:$PORT" TESSERA_SECRET_KEY="$KEY"
OPERATOR_KEY=$(grep -o 'op_test_[0-9a-f]*' "$DIR/server.log" | head -1)
ok() { echo "ok   feed: $1"; }
fail() { echo "FAIL feed: $1"; }
json() { "$PY" -c "import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

"$CTL" sessions create >"$DIR/created" 2>"$DIR/err" || fail "sessions create: $(cat "$DIR/err")"
TOKEN=$(tail -1 "$DIR/created")
SESSION=$(head -n -1 "$DIR/created" | json 'v["id"]')
USER=$(head -n -1 "$DIR/created" | json 'v["user_id"]')

VK=$("$CTL" revocations verifier-key)
if [[ $VK == vk_test_* ]] && TESSERA_SECRET_KEY=$VK "$CTL" revocations list >/dev/null 2>&1; then ok "a verifier key reads the feed"; else fail "verifier key: $VK"; fi
if TESSERA_SECRET_KEY=$VK "$CTL" users list >/dev/null 2>"$DIR/err"; then fail "a verifier key listed users"
else grep -q authorization_invalid "$DIR/err" && ok "a verifier key cannot read users (403 authorization_invalid)" || fail "$(cat "$DIR/err")"; fi
CODE=$(curl -s -o "$DIR/body" -w '%{http_code}' -H "Authorization: Bearer $VK" "$TESSERA_URL/v1/revocations?after=-1")
[[ $CODE == 400 ]] && grep -q query_param_invalid "$DIR/body" && ok "a malformed cursor is 400 query_param_invalid" || fail "after=-1 gave $CODE"

# A networkless follower (VerifierSync), then the revocation it must see.
TESSERA_SECRET_KEY=$VK "$CTL" revocations await --timeout 10 "$TOKEN" >"$DIR/await" 2>&1 &
AWAIT=$!
for _ in $(seq 1 100); do grep -q "the token verifies" "$DIR/await" 2>/dev/null && break; sleep 0.05; done
"$CTL" sessions revoke "$SESSION" >/dev/null
if wait $AWAIT && grep -q "refused after .*: revoked" "$DIR/await"; then
  ok "VerifierSync refused the revoked session's token: $(grep -o 'refused after .*' "$DIR/await")"
else fail "VerifierSync: $(cat "$DIR/await")"; fi

"$CTL" sessions create --user "$USER" >"$DIR/second" 2>/dev/null
SECOND=$(tail -1 "$DIR/second")
TESSERA_SECRET_KEY=$VK "$CTL" revocations await --timeout 10 "$SECOND" >"$DIR/await2" 2>&1 &
AWAIT=$!
for _ in $(seq 1 100); do grep -q "the token verifies" "$DIR/await2" 2>/dev/null && break; sleep 0.05; done
"$CTL" users sign-out "$USER" >"$DIR/signout"
ENTRY_USER=$(json 'v.get("user_id")' <"$DIR/signout")
if wait $AWAIT && grep -q "revoked" "$DIR/await2" && [[ $ENTRY_USER == "$USER" ]]; then
  ok "sign-out is one user-wide entry that reaches the follower"
else fail "sign-out: $(cat "$DIR/signout") $(cat "$DIR/await2")"; fi
COUNT=$(TESSERA_SECRET_KEY=$VK "$CTL" revocations list | json 'len(v["entries"])')
[[ $COUNT == 2 ]] && ok "the feed holds 2 entries (one session, one user-wide), not one per session" || fail "feed has $COUNT entries"

# Secret keys through the operator API: created, listed without the secret, revoked and refused at once.
NEWKEY=$("$CTL" secret-keys create --operator-key "$OPERATOR_KEY" 2>"$DIR/err")
"$CTL" secret-keys list --operator-key "$OPERATOR_KEY" >"$DIR/keylist" 2>>"$DIR/err"
NEWKEY_ID=$(json '[k["id"] for k in v["data"]][-1]' <"$DIR/keylist")
if [[ $NEWKEY == sk_test_* ]] && TESSERA_SECRET_KEY=$NEWKEY "$CTL" users list >/dev/null 2>&1 && ! grep -q "$NEWKEY" "$DIR/keylist"; then
  ok "sessionctl secret-keys create and list (the list never shows a secret)"
else fail "secret-keys create/list: $NEWKEY $(cat "$DIR/err")"; fi
"$CTL" secret-keys revoke --operator-key "$OPERATOR_KEY" "$NEWKEY_ID" >/dev/null 2>>"$DIR/err"
if TESSERA_SECRET_KEY=$NEWKEY "$CTL" users list >/dev/null 2>"$DIR/err"; then fail "a revoked secret key still works"
else grep -q clerk_key_invalid "$DIR/err" && ok "sessionctl secret-keys revoke: the key is refused at once (401 clerk_key_invalid)" || fail "$(cat "$DIR/err")"; fi
if "$CTL" secret-keys list --operator-key "$KEY" >/dev/null 2>"$DIR/err"; then fail "a tenant secret key read the operator API"
else grep -q unauthenticated "$DIR/err" && ok "a tenant secret key cannot use the operator API" || fail "$(cat "$DIR/err")"; fi

# The server restarts (same database) while a follower is in a long poll; the follower reconnects and still sees
# the next revocation.
"$CTL" sessions create >"$DIR/third" 2>/dev/null
THIRD_SESSION=$(head -n -1 "$DIR/third" | json 'v["id"]')
TESSERA_SECRET_KEY=$VK "$CTL" revocations await --timeout 20 "$(tail -1 "$DIR/third")" >"$DIR/await3" 2>&1 &
AWAIT=$!
for _ in $(seq 1 100); do grep -q "the token verifies" "$DIR/await3" 2>/dev/null && break; sleep 0.05; done
sleep 0.3
kill -TERM $PID; wait $PID
launch_server
"$CTL" sessions revoke "$THIRD_SESSION" >/dev/null
if wait $AWAIT && grep -q "refused after .*: revoked" "$DIR/await3"; then
  ok "a follower survives a server restart mid-poll: $(grep -o 'refused after .*' "$DIR/await3")"
else fail "restart mid-poll: $(cat "$DIR/await3")"; fi

# A graceful shutdown answers open long polls at once instead of waiting them out.
CURSOR=$(TESSERA_SECRET_KEY=$VK "$CTL" revocations list | json 'v["cursor"]')
curl -s -o "$DIR/poll" -w '%{http_code}' -H "Authorization: Bearer $VK" "$TESSERA_URL/v1/revocations?after=$CURSOR&wait=60" >"$DIR/poll.code" &
POLL=$!
sleep 0.5
START=$(date +%s%N)
kill -TERM $PID; wait $PID; STATUS=$?
wait $POLL
ELAPSED_MS=$(( ($(date +%s%N) - START) / 1000000 ))
if [[ $STATUS == 0 && $ELAPSED_MS -lt 5000 && $(cat "$DIR/poll.code") == 200 ]] && grep -q '"entries":\[\]' "$DIR/poll"; then
  ok "SIGTERM with a long poll open: answered and stopped in ${ELAPSED_MS} ms"
else fail "shutdown with a long poll open: exit $STATUS after ${ELAPSED_MS} ms, poll $(cat "$DIR/poll.code")"; fi
