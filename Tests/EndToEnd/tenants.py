"""Tenants end to end (issue 10), with real clients: `sessionctl tenants create` makes a production ES256 tenant and a
development EdDSA one; the production tenant refuses a test session; each development tenant's tokens verify with
PyJWT against its own JWKS and issuer and are refused by the other tenants' JWKS and gateways; `sessionctl keys rotate`
rotates a key on the running servers (a second process on the same database follows within 1 s): tokens minted
before and after verify, with any JWKS still fresh by its Cache-Control, and nothing restarts.
Usage: tenants.py SESSION_SERVER SESSIONCTL  (prints ok/FAIL lines; exits 1 on any FAIL)"""
import json, os, subprocess, sys, time
import httpx, jwt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_process import Checks, Server

server_binary, sessionctl = sys.argv[1], sys.argv[2]
checks = Checks("tenants")
check = checks.check
operator = "op_test_" + os.urandom(24).hex()
MAX_AGE = 2  # the JWKS max-age these servers run with: a rotated key signs 2 + 5 s after it is published


def ctl(url, *args):
    done = subprocess.run([sessionctl, *args, "--url", url, "--operator-key", operator], capture_output=True, text=True, timeout=30)
    return done.returncode, done.stdout, done.stderr


def pyjwt_verify(token, jwks, issuer):
    """PyJWT's own verification: the key chosen by kid from the JWKS, the algorithm pinned to the key's."""
    header = jwt.get_unverified_header(token)
    keys = {k["kid"]: k for k in jwks["keys"]}
    if header.get("kid") not in keys:
        raise jwt.InvalidTokenError("kid not in this JWKS")
    key = jwt.PyJWK(keys[header["kid"]])
    return jwt.decode(token, key.key, algorithms=[keys[header["kid"]]["alg"]], issuer=issuer, options={"require": ["exp", "iat", "sub", "sid"]})


def refused(token, jwks, issuer):
    try:
        pyjwt_verify(token, jwks, issuer)
        return False
    except jwt.InvalidTokenError:
        return True


def within(seconds, condition):
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


a = Server(server_binary, TESSERA_OPERATOR_KEY=operator, TESSERA_JWKS_MAX_AGE=str(MAX_AGE))
# Two nodes of one service share its public URL, the issuer (each would otherwise default to its own address).
a.env["TESSERA_ISSUER"] = a.base
b = Server(server_binary, work=a.work, TESSERA_OPERATOR_KEY=operator, TESSERA_JWKS_MAX_AGE=str(MAX_AGE), TESSERA_ISSUER=a.base)
try:
    if not a.start() or not b.start():
        check("both servers start on one database", False, a.output[-500:] + b.output[-500:])
        raise SystemExit(1)
    check("both servers start on one database", True)
    default_key = a.secret_key()

    status, out, err = ctl(a.base, "tenants", "create", "acme", "--production", "--alg", "ES256")
    acme = json.loads(out) if status == 0 else {}
    check("sessionctl tenants create acme --production --alg ES256", status == 0 and acme.get("signing_algorithm") == "ES256"
          and acme.get("environment") == "production" and acme.get("secret_key", "").startswith("sk_live_"), err or out)
    status, out, err = ctl(a.base, "tenants", "create", "beta", "--alg", "EdDSA")
    beta = json.loads(out) if status == 0 else {}
    check("sessionctl tenants create beta --alg EdDSA", status == 0 and beta.get("signing_algorithm") == "EdDSA"
          and beta.get("secret_key", "").startswith("sk_test_"), err or out)
    status, out, err = ctl(a.base, "tenants", "create", "beta")
    check("a taken slug is refused", status != 0 and "conflict" in (out + err), out + err)
    status, out, _ = ctl(b.base, "tenants", "list")
    check("the other process lists the three tenants", status == 0 and [t["slug"] for t in json.loads(out)["data"]] == ["default", "acme", "beta"], out)
    check("issuers are per tenant", acme.get("issuer") == f"{a.base}/t/acme" and beta.get("issuer") == f"{a.base}/t/beta")

    # The production tenant refuses a test session, exactly as Clerk does.
    live = httpx.Client(base_url=a.base, headers={"Authorization": f"Bearer {acme['secret_key']}"}, timeout=10)
    user = live.post("/v1/users", json={"first_name": "Live"}).json()["id"]
    answer = live.post("/v1/sessions", json={"user_id": user})
    check("production: POST /v1/sessions is refused (request_invalid_for_environment)",
          answer.status_code == 400 and answer.json()["errors"][0]["code"] == "request_invalid_for_environment", answer.text)

    def open_session(base, key):
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        user_id = client.post("/v1/users", json={"first_name": "Dev"}).json()["id"]
        session_id = client.post("/v1/sessions", json={"user_id": user_id}).json()["id"]
        return client, session_id

    beta_client, beta_session = open_session(a.base, beta["secret_key"])
    default_client, default_session = open_session(a.base, default_key)
    beta_token = beta_client.post(f"/v1/sessions/{beta_session}/tokens").json()["jwt"]
    default_token = default_client.post(f"/v1/sessions/{default_session}/tokens").json()["jwt"]
    check("beta's token is EdDSA, the default tenant's RS256",
          jwt.get_unverified_header(beta_token)["alg"] == "EdDSA" and jwt.get_unverified_header(default_token)["alg"] == "RS256")

    jwks = {slug: httpx.get(f"{a.base}{'' if slug == 'default' else '/t/' + slug}/.well-known/jwks.json").json() for slug in ["default", "acme", "beta"]}
    check("acme publishes one ES256 key, beta one Ed25519 key", [k["crv"] for k in jwks["acme"]["keys"]] == ["P-256"]
          and [k["crv"] for k in jwks["beta"]["keys"]] == ["Ed25519"])
    try:
        claims = pyjwt_verify(beta_token, jwks["beta"], beta["issuer"])
        check("PyJWT verifies beta's token with beta's JWKS and issuer", claims["sid"] == beta_session)
    except jwt.InvalidTokenError as error:
        check("PyJWT verifies beta's token with beta's JWKS and issuer", False, str(error))
    try:
        pyjwt_verify(default_token, jwks["default"], a.base)
        check("PyJWT verifies the default tenant's token with its JWKS", True)
    except jwt.InvalidTokenError as error:
        check("PyJWT verifies the default tenant's token with its JWKS", False, str(error))
    check("beta's token is refused with acme's and the default JWKS",
          refused(beta_token, jwks["acme"], acme["issuer"]) and refused(beta_token, jwks["default"], a.base))
    check("the default token is refused with beta's JWKS", refused(default_token, jwks["beta"], beta["issuer"]))
    check("and with beta's issuer even if the keys were shared", refused(default_token, jwks["default"], beta["issuer"]))

    def gateway(base, slug, token):
        path = "/v1/verify" if slug == "default" else f"/t/{slug}/v1/verify"
        return httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}).status_code

    check("each gateway accepts its own tenant's token, on both processes",
          all(gateway(base, "beta", beta_token) == 200 and gateway(base, "default", default_token) == 200 for base in [a.base, b.base]))
    check("gateways refuse the other tenants' tokens", gateway(a.base, "acme", beta_token) == 401 and gateway(a.base, "default", beta_token) == 401
          and gateway(b.base, "beta", default_token) == 401)
    cross = httpx.get(f"{a.base}/v1/sessions/{beta_session}", headers={"Authorization": f"Bearer {acme['secret_key']}"})
    check("acme's secret key does not see beta's session", cross.status_code == 404, cross.text)

    # Rotation on the running servers.
    before_jwks_response = httpx.get(f"{a.base}/t/beta/.well-known/jwks.json")
    before_jwks, before_fetched = before_jwks_response.json(), time.time()
    check("the JWKS says how long it may be cached", before_jwks_response.headers.get("cache-control") == f"public, max-age={MAX_AGE}",
          before_jwks_response.headers.get("cache-control"))
    before = beta_client.post(f"/v1/sessions/{beta_session}/tokens").json()["jwt"]
    status, out, err = ctl(a.base, "keys", "rotate", "--tenant", "beta")
    rotated = json.loads(out) if status == 0 else {}
    check("sessionctl keys rotate --tenant beta: a pending EdDSA key", rotated.get("state") == "pending" and rotated.get("algorithm") == "EdDSA",
          err or out)
    new_kid = rotated.get("kid")
    check("the other process publishes the pending key within 1 s",
          within(1.0, lambda: any(k["kid"] == new_kid for k in httpx.get(f"{b.base}/t/beta/.well-known/jwks.json").json()["keys"])))
    pending_jwks = httpx.get(f"{b.base}/t/beta/.well-known/jwks.json").json()
    still_old = beta_client.post(f"/v1/sessions/{beta_session}/tokens").json()["jwt"]
    check("the pending key does not sign yet", jwt.get_unverified_header(still_old)["kid"] != new_kid)
    check("and the key it replaces is listed active",
          [k["state"] for k in json.loads(ctl(a.base, "keys", "list", "--tenant", "beta")[1])["data"]] == ["pending", "active"])

    signed_by_new = lambda base: jwt.get_unverified_header(
        httpx.post(f"{base}/v1/sessions/{beta_session}/tokens", headers={"Authorization": f"Bearer {beta['secret_key']}"}).json()["jwt"])["kid"] == new_kid
    check("after the publication lead, both processes sign with the new key", within(MAX_AGE + 10, lambda: signed_by_new(a.base)) and signed_by_new(b.base))
    activated = time.time()
    check("no JWKS fetched before the rotation was still fresh when the new key first signed", before_fetched + MAX_AGE < activated)
    after = beta_client.post(f"/v1/sessions/{beta_session}/tokens").json()["jwt"]
    after_jwks = httpx.get(f"{a.base}/t/beta/.well-known/jwks.json").json()
    ok = True
    for label, token, keys in [("before, JWKS from before", before, before_jwks), ("before, JWKS while pending", before, pending_jwks),
                               ("after, JWKS while pending", after, pending_jwks), ("before, JWKS after", before, after_jwks),
                               ("after, JWKS after", after, after_jwks)]:
        try:
            pyjwt_verify(token, keys, beta["issuer"])
        except jwt.InvalidTokenError as error:
            ok = False
            check(f"PyJWT verifies {label}", False, str(error))
    check("PyJWT verifies tokens minted before and after the rotation with every fresh JWKS", ok)
    check("both gateways accept tokens from before and after the rotation",
          all(gateway(base, "beta", token) == 200 for base in [a.base, b.base] for token in [before, after]))
    check("the servers never restarted", a.process.poll() is None and b.process.poll() is None)
    states = [k["state"] for k in json.loads(ctl(b.base, "keys", "list", "--tenant", "beta")[1])["data"]]
    check("the keys are listed active and retired", states == ["active", "retired"], states)
finally:
    a.stop()
    b.stop()
sys.exit(1 if checks.fails else 0)
