"""`/v1` rate limits per secret key end to end (issue 14), seen by Clerk's own Python SDK (clerk-backend-api 7.0.0): a
development tenant's key gets 100 requests per 10 s, the 101st is a 429 that the SDK raises as its `SDKError` (the
SDK declares no 429 for these operations) with Clerk's `too_many_requests` body and an integer `Retry-After`; a second
key of the same tenant is unaffected; a flood with a wrong key spends nothing; JWKS, the revocation feed and the
gateway are not counted; after Retry-After the key is served again. Then `--v1-rate-limit-development 5` and
`--rate-limit off` on fresh servers, and out-of-range figures refused at start.
Usage: v1_rate_limit.py SESSION_SERVER  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import json, os, sys, time
import httpx
from clerk_backend_api import Clerk, models
from clerk_backend_api.utils import BackoffStrategy, RetryConfig

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server

server_binary = sys.argv[1]
checks = Checks("v1 rate limit")
check = checks.check
NO_RETRIES = RetryConfig("backoff", BackoffStrategy(50, 200, 1.5, 500), False)


def sdk(server, key):
    return Clerk(bearer_auth=key, server_url=f"{server.base}/v1", retry_config=NO_RETRIES, timeout_ms=15_000)


def spend(clerk, count):
    """Calls users.list `count` times: (successes, the first SDK error or None, seconds taken)."""
    started, served = time.monotonic(), 0
    for _ in range(count):
        try:
            clerk.users.list(request={"limit": 1})
            served += 1
        except (models.SDKError, models.ClerkErrors) as error:
            return served, error, time.monotonic() - started
    return served, None, time.monotonic() - started


key = "sk_test_" + os.urandom(24).hex()
operator = "op_test_" + os.urandom(24).hex()
server = Server(server_binary, TESSERA_SECRET_KEY=key, TESSERA_OPERATOR_KEY=operator)
try:
    if not server.start():
        check("the server starts", False, server.output[-800:])
        raise SystemExit(1)
    raw = httpx.Client(base_url=server.base, timeout=15)
    clerk = sdk(server, key)
    # A session and its token first (3 counted requests), for the exempt routes below.
    user = clerk.users.create(first_name="Rate")
    session = clerk.sessions.create(request={"user_id": user.id})
    token = clerk.sessions.create_token(session_id=session.id).jwt
    used = 3
    wrong = [raw.get("/v1/users", headers={"Authorization": f"Bearer sk_test_{os.urandom(24).hex()}"}).status_code for _ in range(150)]
    check("150 requests with wrong keys are 401 and spend no real key's budget", set(wrong) == {401}, str(set(wrong)))
    served, error, took = spend(clerk, 200)
    check(f"the development key is served 100 requests in 10 s ({served + used} in {took:.1f} s), then refused",
          served + used == 100 and error is not None and took < 9, f"served {served + used}, error {error!r}")
    status = getattr(error, "status_code", None)
    check("Clerk's SDK raises the 429 as models.SDKError (no 429 declared for users.list)", isinstance(error, models.SDKError) and status == 429,
          f"{type(error).__name__} {status}")
    body = json.loads(getattr(error, "body", "") or "{}")
    first = (body.get("errors") or [{}])[0]
    check("the body is Clerk's: code too_many_requests, message and long_message",
          first.get("code") == "too_many_requests" and first.get("message") and first.get("long_message"), str(body)[:300])
    retry = error.raw_response.headers.get("retry-after", "") if error is not None else ""
    check("Retry-After is a whole number of seconds, at least 1", retry.isdigit() and 1 <= int(retry) <= 10, repr(retry))
    listed = raw.get("/v1/sessions", params={"user_id": user.id}, headers={"Authorization": f"Bearer {key}"})
    check("every counted route of the key is refused, raw HTTP too", listed.status_code == 429 and listed.headers.get("retry-after"),
          f"{listed.status_code} {listed.text[:200]}")
    exempt = [raw.get("/v1/jwks", headers={"Authorization": f"Bearer {key}"}).status_code,
              raw.get("/v1/revocations", headers={"Authorization": f"Bearer {key}"}).status_code,
              raw.get("/v1/verify", headers={"Authorization": f"Bearer {token}"}).status_code,
              raw.post(f"/v1/sessions/{session.id}/verify", json={"token": token}, headers={"Authorization": f"Bearer {key}"}).status_code]
    check("JWKS, the revocation feed, GET /v1/verify and the deprecated verify are not limited", exempt == [200] * 4, str(exempt))
    # A second full key of the same tenant, through the operator API.
    made = raw.post("/operator/v1/tenants/default/secret_keys", headers={"Authorization": f"Bearer {operator}"})
    second = made.json().get("secret_key") if made.status_code == 200 else None
    if second:
        served2, error2, _ = spend(sdk(server, second), 20)
        check("another key of the same tenant is unaffected", served2 == 20 and error2 is None, f"served {served2}, {error2!r}")
    else:
        check("a second secret key is created through the operator API", False, made.text[:300])
    time.sleep(int(retry) if retry.isdigit() else 1)
    try:
        clerk.users.list(request={"limit": 1})
        check(f"after Retry-After ({retry} s) the key is served again", True)
    except Exception as late:  # noqa: BLE001
        check(f"after Retry-After ({retry} s) the key is served again", False, repr(late))
finally:
    server.stop()

small = Server(server_binary, TESSERA_SECRET_KEY=key, TESSERA_V1_RATE_LIMIT_DEVELOPMENT="5")
try:
    check("TESSERA_V1_RATE_LIMIT_DEVELOPMENT=5 starts", small.start(), small.output[-400:])
    served, error, _ = spend(sdk(small, key), 10)
    check("with the development figure at 5, the 6th request is refused", served == 5 and getattr(error, "status_code", None) == 429,
          f"served {served}, {error!r}")
finally:
    small.stop()

off = Server(server_binary, TESSERA_SECRET_KEY=key, TESSERA_V1_RATE_LIMIT_DEVELOPMENT="5")
try:
    check("--rate-limit off starts", off.start("--rate-limit", "off"), off.output[-400:])
    served, error, _ = spend(sdk(off, key), 150)
    check("--rate-limit off turns the /v1 limits off too (150 requests served)", served == 150 and error is None, f"served {served}, {error!r}")
finally:
    off.stop()

for args, env, expected in [
    (["--v1-rate-limit-production", "0"], {}, "--v1-rate-limit-production must be"),
    (["--v1-rate-limit-development", "1000001"], {}, "--v1-rate-limit-development must be"),
    ([], {"TESSERA_V1_RATE_LIMIT_PRODUCTION": "-5"}, "TESSERA_V1_RATE_LIMIT_PRODUCTION must be"),
    ([], {"TESSERA_V1_RATE_LIMIT_DEVELOPMENT": "1e3"}, "TESSERA_V1_RATE_LIMIT_DEVELOPMENT must be"),
]:
    refused = Server(server_binary, TESSERA_SECRET_KEY=key, **env)
    status, output = refused.run_to_exit(*args)
    check(f"{' '.join(args) or env} is refused at start", status not in (0, None) and expected in output, output[-300:])

sys.exit(1 if checks.fails else 0)
