#!/usr/bin/env bash
# make soak: a release session-server on a fresh database (temporary directory, free loopback port) under the mixed
# load of issue 16 for SOAK_SECONDS (1800): SOAK_CLIENTS (6) clients each create a user and a session through the
# /v1 API, mint five tokens, verify each through GET /v1/verify twenty times and the deprecated
# POST /v1/sessions/{id}/verify once, revoke the session and check its token is refused, in a loop; SOAK_FOLLOWERS (2)
# follow the revocation feed with long polls and must each see every revocation once, in order. The server's
# VmRSS (/proc/PID/status) is sampled every SOAK_SAMPLE seconds (10) and printed with req/s and errors every
# SOAK_PRINT seconds (60). Fails on any error, on resident memory above SOAK_MAX_RSS_MIB (128), and, in runs of
# 10 minutes or more, on growth above 5 % after the first 5 minutes. TESSERA_* variables reach the server (e.g.
# TESSERA_GATEWAY_CACHE_BYTES). Ends with one {"bench":"soak",...} JSON line that holds the whole memory series.
set -euo pipefail
: "${SESSION_SERVER:?}"
source "$(dirname "$0")/../EndToEnd/start-server.sh"
# A load test: the /v1 and user-side rate limits would throttle the driver (Clerk's own load tests run unthrottled).
export TESSERA_RATE_LIMIT=off
# A line per request would write about 400 MB in 30 minutes to the server's log file; security events still show.
export TESSERA_LOG_LEVEL=${TESSERA_LOG_LEVEL:-notice}
start_server
python3 "$(dirname "$0")/soak.py" --url "$B" --key "$KEY" --pid "$PID" --seconds "${SOAK_SECONDS:-1800}" \
  --clients "${SOAK_CLIENTS:-6}" --followers "${SOAK_FOLLOWERS:-2}" --sample "${SOAK_SAMPLE:-10}" --print "${SOAK_PRINT:-60}" --max-rss-mib "${SOAK_MAX_RSS_MIB:-128}"
