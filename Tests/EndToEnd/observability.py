"""Metrics, logs and readiness of a real session-server started with --log-format json: /metrics parsed with
prometheus_client, every documented metric family present and counting, every log line one JSON object with the
request fields and none of the secrets the script used, /ready and a refused --log-level.
Usage: observability.py SESSION_SERVER"""
import json, os, re, sys, time, urllib.error, urllib.request

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server  # noqa: E402

checks = Checks("observability")
check = checks.check

# The table in Docs/Operations.md ("Metrics"): every family and its type, as prometheus_client names them
# (a counter's family drops the _total suffix).
DOCUMENTED = {
    "tessera_http_requests": "counter", "tessera_http_request_duration_seconds": "histogram",
    "tessera_http_requests_in_flight": "gauge", "tessera_sessions_created": "counter", "tessera_sessions_revoked": "counter",
    "tessera_tokens_minted": "counter", "tessera_signing_keys": "gauge", "tessera_signing_key_rotation_due_seconds": "gauge",
    "tessera_revocation_feed_head": "gauge", "tessera_revocation_feed_waiting_polls": "gauge",
    "tessera_revocation_delivery_seconds": "histogram", "tessera_rate_limited_requests": "counter",
}
METRICS_TOKEN = "metrics-token-e2e-0123456789"


def request(server, method, path, headers=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(server.base + path, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def scrape(server, token=METRICS_TOKEN):
    status, _, body = request(server, "GET", "/metrics", {"Authorization": f"Bearer {token}"})
    return status, {family.name: family for family in text_string_to_metric_families(body.decode())} if status == 200 else {}


def value(families, family, sample_name, **labels):
    for sample in families[family].samples if family in families else []:
        if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None


def main():
    binary = sys.argv[1]
    refused = Server(binary)
    code, output = refused.run_to_exit("--log-level", "loud")
    check("--log-level loud is refused naming the flag", code not in (0, None) and "--log-level" in output, output[-200:])
    code, output = refused.run_to_exit("--log-format", "xml")
    check("--log-format xml is refused naming the flag", code not in (0, None) and "--log-format" in output, output[-200:])

    server = Server(binary, TESSERA_METRICS_TOKEN=METRICS_TOKEN)
    if not server.start("--log-format", "json"):
        check("the server starts with --log-format json", False, server.output[-500:])
        return 1
    try:
        key = server.secret_key()
        check("the banner is unchanged", any(line.startswith("Tessera listening on http://") for line in server.output.splitlines()) and key,
              server.output[:200])
        auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "X-Request-Id": "e2e-request.1"}
        # A body with a password in it: refused or not, it must not reach the logs.
        request(server, "POST", "/v1/users", auth, {"first_name": "Ada", "password": "e2e-password-secret-9"})
        status, headers, body = request(server, "POST", "/v1/users", auth, {"first_name": "Ada"})
        user = json.loads(body)["id"]
        check("X-Request-Id is echoed when it follows the grammar", headers.get("X-Request-Id") == "e2e-request.1", str(headers))
        status, headers, _ = request(server, "GET", "/health", {"X-Request-Id": "bad id\twith tab"})
        check("a malformed X-Request-Id is replaced", re.fullmatch(r"[0-9a-f]{16}", headers.get("X-Request-Id", "")) is not None,
              str(headers.get("X-Request-Id")))
        status, _, body = request(server, "POST", "/v1/sessions", auth, {"user_id": user})
        session = json.loads(body)["id"]
        tokens = []
        for _ in range(3):
            status, _, body = request(server, "POST", f"/v1/sessions/{session}/tokens", auth, {})
            tokens.append(json.loads(body)["jwt"])
        request(server, "GET", "/v1/verify", {"Authorization": f"Bearer {tokens[0]}"})
        request(server, "GET", "/api/v1/sessions", {"Authorization": f"Bearer {tokens[1]}", "Cookie": f"__session={tokens[2]}"})
        wrong = "sk_test_" + "q" * 40
        status, _, _ = request(server, "GET", "/v1/users", {"Authorization": f"Bearer {wrong}"})
        check("a wrong secret key is refused", status == 401)
        for n in range(50):
            request(server, "GET", f"/nothing/{n}/{session}")
        status, _, _ = request(server, "POST", f"/v1/sessions/{session}/revoke", auth, {})
        check("the session is revoked", status == 200)

        status, _, _ = request(server, "GET", "/metrics")
        check("/metrics without the token is 401", status == 401)
        status, _, _ = request(server, "GET", "/metrics", {"Authorization": "Bearer " + METRICS_TOKEN[:-1]})
        check("/metrics with a wrong token is 401", status == 401)
        status, families = scrape(server)
        check("/metrics with the token parses with prometheus_client", status == 200 and families, str(status))
        for name, kind in DOCUMENTED.items():
            check(f"family {name} ({kind})", name in families and families[name].type == kind,
                  families[name].type if name in families else "missing")
        check("sessions created counted", value(families, "tessera_sessions_created", "tessera_sessions_created_total") == 1)
        check("revocation counted by reason",
              value(families, "tessera_sessions_revoked", "tessera_sessions_revoked_total", reason="revoked") == 1)
        check("tokens minted by algorithm and kind",
              value(families, "tessera_tokens_minted", "tessera_tokens_minted_total", algorithm="RS256", kind="session") == 3)
        check("revocation delivery observed",
              value(families, "tessera_revocation_delivery_seconds", "tessera_revocation_delivery_seconds_count") == 1)
        check("signing keys by state", value(families, "tessera_signing_keys", "tessera_signing_keys", state="active") == 1)
        routes = {s.labels["route"] for s in families["tessera_http_requests"].samples}
        check("50 unknown paths are one route label", value(families, "tessera_http_requests", "tessera_http_requests_total",
                                                           route="unmatched", method="GET", status="404") == 50, str(routes))
        check("no id or key in any label", not any(x in str(routes) for x in (session, user, key)), str(routes))

        status, _, body = request(server, "GET", "/ready")
        check("/ready is 200 ready", status == 200 and json.loads(body) == {"status": "ready"}, body.decode())
        time.sleep(0.3)
    finally:
        server.stop()
    # stdout and stderr together: the banner's lines, then one JSON object per log line.
    banner = ("Tessera listening on ", "Test secret key ", "Operator key ")
    lines = [line for line in server.output.splitlines() if line.startswith("{")]
    others = [line for line in server.output.splitlines() if line and not line.startswith("{") and not line.startswith(banner)]
    check("every log line is a JSON object", lines and not others, str(others[:3]))
    objects = []
    for line in lines:
        try:
            objects.append(json.loads(line))
        except ValueError:
            check("log line parses", False, line[:200])
    check("every line has timestamp, level, label, message",
          all({"timestamp", "level", "label", "message"} <= set(o) for o in objects))
    requests = [o for o in objects if o.get("message") == "request"]
    check("one request line per request (60 or more)", len(requests) >= 60, str(len(requests)))
    check("request lines carry method, route, status, duration_ms, request_id",
          all({"method", "route", "status", "duration_ms", "request_id"} <= set(o) for o in requests))
    check("the client's request id is logged", any(o.get("request_id") == "e2e-request.1" for o in requests))
    check("tenant named on authenticated requests", any(o.get("tenant") == "default" for o in requests))
    check("routes are patterns", not any(session in o["route"] for o in requests))
    events = {o.get("event") for o in objects if o.get("message") == "security event"}
    check("security events: refused key and revocation", {"refused_secret_key", "revocation"} <= events, str(events))
    secrets = [key, wrong, METRICS_TOKEN, "e2e-password-secret-9", "Bearer "] + tokens + [t.split(".")[2] for t in tokens]
    leaked = [s[:12] for s in secrets if s and s in "\n".join(lines)]
    check("no key, token, password or Authorization value in the logs", not leaked, str(leaked))
    return 0


if __name__ == "__main__":
    main()
    sys.exit(1 if checks.fails else 0)
